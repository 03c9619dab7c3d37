// mediasoup-client for the browser softphone, bundled from node_modules by esbuild when the
// web server starts (about 0.1 s, kept in memory): the appliance serves it itself, so the
// agent desktop works with no internet and no build step at install time.
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

export class SoftphoneBundleError extends Error {
  override name = 'SoftphoneBundleError';
}

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
let cached: Promise<Uint8Array> | undefined;

/** An ES module exporting `Device` and `version` of mediasoup-client. */
export function softphoneBundle(): Promise<Uint8Array> {
  cached ??= build({
    stdin: { contents: "export { Device, version } from 'mediasoup-client';", resolveDir: ROOT, loader: 'js', sourcefile: 'mediasoup-client-entry.js' },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'chrome100',
    minify: true,
    write: false,
    logLevel: 'silent',
    define: { 'process.env.NODE_ENV': '"production"' },
    legalComments: 'inline',
  }).then(
    (r) => {
      const file = r.outputFiles[0];
      if (!file) throw new SoftphoneBundleError('esbuild produced no output for mediasoup-client');
      return file.contents;
    },
    (err: Error) => {
      cached = undefined;
      throw new SoftphoneBundleError(`cannot bundle mediasoup-client: ${err.message}`);
    },
  );
  return cached;
}
