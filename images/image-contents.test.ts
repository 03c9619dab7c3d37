// The image ships only the folders scripts/build-image.sh copies into /opt/cc/app. Every program
// its systemd units start must find all its imports there, or the box boots into a crash loop
// (it happened: the appliance's web server began to import fleet/auth, which the image lacked).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

const root = new URL('../', import.meta.url).pathname;

/** The folders the build script copies: its `cp -a … "$APP/"` line. */
function shippedFolders(): string[] {
  const script = readFileSync(join(root, 'scripts/build-image.sh'), 'utf8');
  const line = script.split('\n').find((l) => /^cp -a .*"\$APP\/"\s*$/.test(l));
  assert.ok(line, 'build-image.sh copies the app with one `cp -a … "$APP/"` line');
  return line.replace(/^cp -a /, '').replace(/"\$APP\/"\s*$/, '').trim().split(/\s+/).filter((p) => !p.includes('.'));
}

/** `node --import tsx <entry>` in the units and scripts of the image's root file system. */
function entryPoints(): string[] {
  const found = new Set<string>();
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, e.name);
      if (e.isDirectory()) walk(path);
      else for (const m of readFileSync(path, 'utf8').matchAll(/--import tsx (\S+\.ts)/g)) found.add(m[1]!);
    }
  };
  walk(join(root, 'images/rootfs'));
  return [...found].sort();
}

test('every program the image starts imports only files from the folders the image ships', async () => {
  const entries = entryPoints();
  assert.deepEqual(entries, ['appliance/main.ts', 'appliance/updater/updater-cli.ts', 'images/provision/provision-cli.ts']);
  const shipped = shippedFolders();
  const result = await build({
    entryPoints: entries.map((e) => join(root, e)),
    absWorkingDir: root,
    bundle: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    write: false,
    metafile: true,
    outdir: join(root, '.image-contents-check'),
    logLevel: 'silent',
  });
  const outside = Object.keys(result.metafile.inputs).filter((p) => !shipped.includes(p.split('/')[0]!));
  assert.deepEqual(outside, [], `imported but not in the image (${shipped.join(', ')})`);
});
