// Finds every test file (unit tests beside the code, cross-process tests in test/) and runs
// them with node:test through tsx. Node 20's --test takes no globs, hence this list.
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const roots = ['protocol', 'appliance', 'fleet', 'hardware', 'images', 'scripts', 'test'];
const skipDirs = new Set(['node_modules', 'vendor', '.git']);

function walk(dir: string, out: string[]): void {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of entries) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      if (!skipDirs.has(name)) walk(path, out);
    } else if (name.endsWith('.test.ts')) out.push(relative(root, path));
  }
}

const filters = process.argv.slice(2);
const files: string[] = [];
for (const r of roots) walk(join(root, r), files);
files.sort();
const chosen = filters.length ? files.filter((f) => filters.some((x) => f.includes(x))) : files;
if (chosen.length === 0) {
  console.error(`no test files match ${filters.join(' ')}`);
  process.exit(1);
}
const child = spawn(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-reporter=spec', `--test-concurrency=${process.env.TEST_CONCURRENCY ?? 2}`, ...chosen],
  { cwd: root, stdio: 'inherit' },
);
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
