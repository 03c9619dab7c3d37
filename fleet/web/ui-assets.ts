import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface UiAsset {
  body: Uint8Array;
  contentType: string;
}

const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  svg: 'image/svg+xml',
};

/** The console's browser files: plain HTML, ES modules and CSS, no build step. */
export const DEFAULT_UI_DIR = fileURLToPath(new URL('../ui/', import.meta.url));

/**
 * Reads every servable file of the UI folder once, at start. Only these names can ever be
 * served, so no request path reaches the file system (no traversal to worry about).
 */
export function loadUiAssets(dir: string = DEFAULT_UI_DIR): Map<string, UiAsset> {
  const assets = new Map<string, UiAsset>();
  for (const name of readdirSync(dir)) {
    const match = /^[a-z0-9][a-z0-9-]*\.(html|js|css|svg)$/.exec(name);
    if (!match || name.endsWith('.test.js')) continue;
    assets.set(name, { body: readFileSync(new URL(name, `file://${dir.endsWith('/') ? dir : `${dir}/`}`)), contentType: TYPES[match[1]!]! });
  }
  return assets;
}
