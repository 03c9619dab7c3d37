// Builds and signs an update bundle (.ccb).
//   image payload (the real box: one filesystem image for the inactive partition):
//     npx tsx scripts/make-bundle.ts --key keys/release.key --version 1.2.0 --board cc-x86-generic --image system.img --out cc-1.2.0.ccb
//   files payload (directory slots):
//     npx tsx scripts/make-bundle.ts --key keys/release.key --version 1.2.0 --board cc-e1x2 --dir build/ --out cc-1.2.0.ccb
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { makeBundle, type BundleSource } from '../appliance/updater/bundle-writer.ts';
import { builtinProfiles } from '../hardware/profiles/builtin-profiles.ts';

const { values } = parseArgs({
  options: {
    key: { type: 'string' },
    version: { type: 'string' },
    board: { type: 'string' },
    image: { type: 'string' },
    dir: { type: 'string' },
    out: { type: 'string' },
    description: { type: 'string' },
  },
});
const fail = (msg: string): never => {
  console.error(msg);
  process.exit(2);
};
if (!values.key || !values.version || !values.board || !values.out || (!values.image === !values.dir)) {
  fail('usage: make-bundle.ts --key <private.key> --version <x.y.z> --board <id> (--image <file> | --dir <dir>) --out <file.ccb> [--description <text>]');
}
if (!builtinProfiles.has(values.board!)) fail(`unknown board ${values.board} (known: ${[...builtinProfiles.keys()].join(', ')})`);

function walk(dir: string, root: string, out: BundleSource[]): BundleSource[] {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    const st = statSync(path);
    if (st.isDirectory()) walk(path, root, out);
    else if (st.isFile()) out.push({ path: relative(root, path).split('\\').join('/'), from: path, mode: st.mode & 0o777 });
  }
  return out;
}

const files: BundleSource[] = values.image ? [{ path: 'system.img', from: values.image }] : walk(values.dir!, values.dir!, []);
try {
  const manifest = await makeBundle({
    out: values.out!,
    version: values.version!,
    board: values.board!,
    payload: values.image ? 'image' : 'files',
    files,
    privateKeyPem: readFileSync(values.key!, 'utf8'),
    ...(values.description ? { description: values.description } : {}),
  });
  console.log(JSON.stringify({ out: values.out, version: manifest.version, board: manifest.board, payload: manifest.payload, files: manifest.files.length, bytes: statSync(values.out!).size }));
} catch (err) {
  fail(`cannot build the bundle: ${(err as Error).message}`);
}
