import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { CustomStrategy } from './strategies.ts';

export interface StrategyPluginSpec {
  name: string;
  module: string;
  export: string;
}

export class StrategyPluginError extends Error {
  override name = 'StrategyPluginError';
}

/**
 * Imports the custom strategies a configuration names (I/O, so it sits at the edge, not in the
 * core). Each export must be a function; the core then treats it as a pure sort key.
 */
export async function loadStrategyPlugins(specs: readonly StrategyPluginSpec[], baseDir: string): Promise<Map<string, CustomStrategy>> {
  const out = new Map<string, CustomStrategy>();
  for (const spec of specs) {
    const path = isAbsolute(spec.module) ? spec.module : resolve(baseDir, spec.module);
    let mod: Record<string, unknown>;
    try {
      mod = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
    } catch (err) {
      throw new StrategyPluginError(`strategy '${spec.name}': cannot load ${path}: ${(err as Error).message}`);
    }
    const fn = mod[spec.export];
    if (typeof fn !== 'function') throw new StrategyPluginError(`strategy '${spec.name}': export '${spec.export}' of ${path} is not a function`);
    out.set(spec.name, fn as CustomStrategy);
  }
  return out;
}
