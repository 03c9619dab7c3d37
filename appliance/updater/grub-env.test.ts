import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { bootDecision, type BootEnv } from './boot-control.ts';
import { formatGrubEnv, GrubEnvError, GrubEnvStore, parseGrubEnv } from './grub-env.ts';
import { LinuxBootControl } from './linux-boot-control.ts';

// Both fixtures were written by grub-editenv (grub2-common 2.06, Debian 12):
//   grub-editenv grubenv-armed create; grub-editenv grubenv-armed set cc_default=a cc_try=b cc_tries=3 cc_rollback=
//   grub-editenv grubenv-custom create; grub-editenv grubenv-custom set saved_entry=0 cc_default=b cc_try= cc_tries=0 cc_rollback=a
const fixture = (name: string) => readFile(new URL(`../../test/fixtures/updater/${name}`, import.meta.url));

test('reads blocks grub-editenv wrote and writes the same bytes back', async () => {
  for (const name of ['grubenv-armed', 'grubenv-custom']) {
    const block = await fixture(name);
    assert.deepEqual(formatGrubEnv(parseGrubEnv(block)), block, name);
  }
  const armed = parseGrubEnv(await fixture('grubenv-armed'));
  assert.deepEqual([...armed.vars], [['cc_default', 'a'], ['cc_try', 'b'], ['cc_tries', '3'], ['cc_rollback', '']]);
});

test('the store writes the boot variables byte for byte as grub-editenv does, keeping foreign variables', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'cc-grubenv-'));
  try {
    const fresh = new GrubEnvStore(join(dir, 'fresh'));
    await fresh.write({ default: 'a', try: 'b', tries: 3, rollback: undefined });
    assert.deepEqual(await readFile(join(dir, 'fresh')), await fixture('grubenv-armed'));

    await writeFile(join(dir, 'custom'), await fixture('grubenv-armed'));
    const custom = new GrubEnvStore(join(dir, 'custom'));
    const block = parseGrubEnv(await fixture('grubenv-armed'));
    block.vars = new Map([['saved_entry', '0'], ...block.vars]);
    await writeFile(join(dir, 'custom'), formatGrubEnv(block));
    await custom.write({ default: 'b', try: undefined, tries: 0, rollback: 'a' });
    assert.deepEqual(await readFile(join(dir, 'custom')), await fixture('grubenv-custom'));
    assert.deepEqual(await custom.read(), { default: 'b', try: undefined, tries: 0, rollback: 'a' });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('refuses a block of the wrong size or without the signature line, and a block that would overflow', () => {
  assert.throws(() => parseGrubEnv(Buffer.alloc(512, '#')), (e: Error) => e instanceof GrubEnvError && /1024 bytes, this one 512/.test(e.message));
  assert.throws(() => parseGrubEnv(Buffer.alloc(1024, '#')), /bad signature line/);
  assert.throws(() => formatGrubEnv({ header: '', vars: new Map([['big', 'x'.repeat(1100)]]) }), /a block holds 1024/);
});

test('the boot decision counts trial boots down and returns to the default when they run out', () => {
  const rows: [BootEnv, string, BootEnv][] = [
    [{ default: 'a', try: undefined, tries: 0, rollback: undefined }, 'a', { default: 'a', try: undefined, tries: 0, rollback: undefined }],
    [{ default: 'a', try: 'b', tries: 3, rollback: undefined }, 'b', { default: 'a', try: 'b', tries: 2, rollback: undefined }],
    [{ default: 'a', try: 'b', tries: 1, rollback: undefined }, 'b', { default: 'a', try: 'b', tries: 0, rollback: undefined }],
    [{ default: 'a', try: 'b', tries: 0, rollback: undefined }, 'a', { default: 'a', try: undefined, tries: 0, rollback: 'b' }],
    [{ default: 'b', try: 'b', tries: 2, rollback: undefined }, 'b', { default: 'b', try: undefined, tries: 0, rollback: undefined }],
    [{ default: 'a', try: 'b', tries: 9, rollback: undefined }, 'b', { default: 'a', try: 'b', tries: 2, rollback: undefined }],
  ];
  for (const [env, slot, next] of rows) {
    const d = bootDecision(env);
    assert.equal(d.slot, slot, JSON.stringify(env));
    assert.deepEqual(d.env, next, JSON.stringify(env));
  }
});

test('the Linux boot control reads the slot GRUB put on the kernel command line and reboots through systemd', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'cc-cmdline-'));
  try {
    await writeFile(join(dir, 'cmdline'), 'BOOT_IMAGE=/boot/vmlinuz root=PARTUUID=x ro quiet cc.slot=b console=ttyS0\n');
    const ran: string[][] = [];
    const boot = new LinuxBootControl({ grubenvPath: join(dir, 'grubenv'), cmdlinePath: join(dir, 'cmdline'), run: async (c) => void ran.push(c) });
    assert.equal(await boot.bootedSlot(), 'b');
    await boot.reboot('health check failed');
    assert.deepEqual(ran, [['systemctl', 'reboot', '--message=health check failed']]);
    await writeFile(join(dir, 'cmdline'), 'root=/dev/vda2 ro cc.slot=c\n');
    await assert.rejects(boot.bootedSlot(), /names no slot/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
