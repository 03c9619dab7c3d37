// Remote commands through the console API to a real appliance process: each command of the
// catalogue, its argument checks, and the audit trail.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { startFleet, type Fleet } from '../fleet/fleet.ts';
import { sampleTemplate } from '../fleet/config/sample-template.ts';
import { silentLogger } from '../appliance/log/logger.ts';
import { ApplianceProcess } from './support/appliance-process.ts';
import { ConsoleClient } from './support/console-client.ts';
import { freePort } from './support/net.ts';
import { waitFor } from './support/wait.ts';

const admin = { username: 'admin', password: 'admin-password-123' };
const dev = { ref: { site: 'sh', device: 'cmd' }, secret: 'secret-of-cmd-0123456789abcdef' };
type Reply = { ok: boolean; result?: Record<string, unknown>; error?: { code: string; message: string } };

describe('remote commands', () => {
  let fleet: Fleet;
  let client: ConsoleClient;
  let appliance: ApplianceProcess;
  let dataDir: string;
  const run = async (name: string, args: Record<string, unknown> = {}, status = 200) => client.json<Reply>('POST', `/api/devices/sh/cmd/commands/${name}`, { args }, status);
  const push = async (features: Record<string, boolean>) => {
    await client.json('PUT', '/api/groups/east', { template: { ...sampleTemplate(), features } });
    const plan = await client.json<{ planId: string }>('GET', '/api/groups/east/preview');
    await client.json('POST', '/api/groups/east/push', { planId: plan.planId });
  };
  const status = async () => (await client.json<{ devices: Array<{ status: string; reported?: { applied: { version: number; source: string } } }> }>('GET', '/api/groups/east/status')).devices[0]!;

  before(async () => {
    fleet = await startFleet({ dataDir: mkdtempSync(join(tmpdir(), 'cc-fleet-')), http: { port: 0 }, broker: { kind: 'embedded', port: await freePort() }, admin, provision: [{ ...dev.ref, name: 'cmd', secret: dev.secret }], deviceSecretScrypt: { N: 1024, r: 8, p: 1 }, log: silentLogger });
    appliance = new ApplianceProcess({ ...dev.ref, fleet: { url: fleet.brokerUrl, secret: dev.secret } });
    dataDir = join(dirname(appliance.configPath), 'data');
    await appliance.start();
    await waitFor('online', () => fleet.registry.get(dev.ref)?.status === 'online');
    client = await ConsoleClient.login(fleet.httpUrl, admin.username, admin.password);
    await client.json('POST', '/api/groups', { id: 'east', name: 'East', template: sampleTemplate() }, 201);
    await client.json('POST', '/api/groups/east/members', { add: [dev.ref] });
  });
  after(async () => {
    await appliance.kill('SIGTERM');
    await fleet.stop();
  });

  test('ping answers with the boot id and uptime', async () => {
    const reply = await run('ping');
    assert.equal(reply.result?.pong, true);
    assert.equal(typeof reply.result?.bootId, 'string');
  });

  test('arguments are checked before anything is sent, and unknown commands do not exist', async () => {
    const bad = await client.json<{ message: string }>('POST', '/api/devices/sh/cmd/commands/log.set-level', { args: { level: 'loud' } }, 400);
    assert.match(bad.message, /level/);
    await client.json('POST', '/api/devices/sh/cmd/commands/rm-rf', { args: {} }, 400);
  });

  test('log.set-level raises the level for a while and says what it was', async () => {
    const reply = await run('log.set-level', { level: 'debug', forS: 120 });
    assert.deepEqual([reply.result?.level, reply.result?.previous], ['debug', 'warn']);
    assert.ok((reply.result?.until as number) > Date.now());
  });

  test('prompts.reload counts the prompt files per language', async () => {
    for (const [lang, file] of [['zh-CN', 'welcome.wav'], ['zh-CN', 'menu.wav'], ['en', 'welcome.wav']] as const) {
      mkdirSync(join(dataDir, 'prompts', lang), { recursive: true });
      writeFileSync(join(dataDir, 'prompts', lang, file), Buffer.alloc(44));
    }
    const reply = await run('prompts.reload');
    assert.deepEqual(reply.result, { prompts: 3, languages: ['en', 'zh-CN'] });
  });

  test('diagnostics.collect returns a bundle with health, recent log and the configuration without its secrets', async () => {
    await push({ wallboard: true });
    await waitFor('applied', async () => (await status()).status === 'applied');
    const reply = await run('diagnostics.collect', { logLines: 200 });
    const bundle = JSON.parse(gunzipSync(Buffer.from(reply.result?.contentBase64 as string, 'base64')).toString()) as {
      appliance: { bootId: string };
      log: { level: string; lines: string[] };
      config: { reported: { applied: { version: number } }; running: { sip: { trunks: Array<{ password: string }> } } };
    };
    assert.equal(bundle.log.level, 'debug');
    assert.ok(bundle.log.lines.length > 0, 'debug lines were kept');
    assert.equal(bundle.config.reported.applied.version, 1);
    assert.equal(bundle.config.running.sip.trunks[0]?.password, '***');
    assert.ok(!JSON.stringify(bundle).includes('change-me-please'));
    assert.match(reply.result?.file as string, /diagnostics-.*\.json\.gz$/);
  });

  test('calls.list says plainly that no call service runs here', async () => {
    const reply = await run('calls.list', {}, 502);
    assert.equal(reply.error?.code, 'failed');
    assert.match(reply.error?.message ?? '', /no call service/);
  });

  test('config.rollback returns to the kept version, which the fleet shows as drift', async () => {
    await push({ wallboard: false });
    await waitFor('version 2 applied', async () => (await status()).reported?.applied.version === 2);
    const reply = await run('config.rollback');
    assert.equal(reply.result?.version, 1);
    await waitFor('drift', async () => (await status()).status === 'drift');
    assert.equal((await status()).reported?.applied.source, 'rollback');
  });

  test('every command is in the audit log; service.restart appliance exits for systemd to restart it', async () => {
    const reply = await run('service.restart', { service: 'appliance' });
    assert.equal(reply.result?.restarting, true);
    assert.equal(await appliance.exited(), 75);
    const commands = fleet.audit.search({ action: 'device.command', limit: 50 }).map((e) => [e.details.command ?? e.details.name, e.outcome]);
    assert.deepEqual(commands.reverse(), [
      ['ping', 'ok'],
      ['log.set-level', 'refused'],
      ['rm-rf', 'refused'],
      ['log.set-level', 'ok'],
      ['prompts.reload', 'ok'],
      ['diagnostics.collect', 'ok'],
      ['calls.list', 'failed'],
      ['config.rollback', 'ok'],
      ['service.restart', 'ok'],
    ]);
  });
});
