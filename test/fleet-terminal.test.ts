// The remote terminal end to end: the fleet (embedded broker, REST API) and real appliance
// processes with node-pty. An admin runs a command in a shell and reads its output; a viewer
// is refused; an appliance whose local profile forbids terminals refuses even an admin; the
// audit log (and the device's own event stream) records each.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFleet, type Fleet } from '../fleet/fleet.ts';
import { silentLogger } from '../appliance/log/logger.ts';
import type { TerminalOutput } from '../protocol/terminal.ts';
import { ApplianceProcess } from './support/appliance-process.ts';
import { ConsoleClient } from './support/console-client.ts';
import { freePort } from './support/net.ts';
import { waitFor } from './support/wait.ts';
import { eventsOf, readUntil } from './support/sse.ts';

const admin = { username: 'admin', password: 'admin-password-123' };
const open = { ref: { site: 'sh', device: 'term-ok' }, secret: 'secret-of-term-ok-0123456789' };
const gov = { ref: { site: 'sh', device: 'term-gov' }, secret: 'secret-of-term-gov-0123456789' };

describe('remote terminal', () => {
  let fleet: Fleet;
  let appliances: ApplianceProcess[];
  let adminClient: ConsoleClient;
  let viewerClient: ConsoleClient;

  before(async () => {
    fleet = await startFleet({
      dataDir: mkdtempSync(join(tmpdir(), 'cc-fleet-')),
      http: { port: 0 },
      broker: { kind: 'embedded', port: await freePort() },
      admin,
      provision: [open, gov].map((d) => ({ ...d.ref, name: d.ref.device, secret: d.secret })),
      deviceSecretScrypt: { N: 1024, r: 8, p: 1 },
      log: silentLogger,
    });
    await fleet.users.createUser({ username: 'viewer', password: 'viewer-password', role: 'viewer' });
    appliances = [
      new ApplianceProcess({ ...open.ref, fleet: { url: fleet.brokerUrl, secret: open.secret } }),
      // A government-profile appliance: connected to the fleet, but its local profile forbids
      // remote terminals, and even a local policy saying yes does not change that.
      new ApplianceProcess({ ...gov.ref, profile: 'government', policy: { remoteTerminal: true }, fleet: { url: fleet.brokerUrl, secret: gov.secret } }),
    ];
    await Promise.all(appliances.map((a) => a.start()));
    await waitFor('both online', () => [open, gov].every((d) => fleet.registry.get(d.ref)?.status === 'online'));
    adminClient = await ConsoleClient.login(fleet.httpUrl, admin.username, admin.password);
    viewerClient = await ConsoleClient.login(fleet.httpUrl, 'viewer', 'viewer-password');
  });

  after(async () => {
    await Promise.all(appliances.map((a) => a.kill('SIGTERM')));
    await fleet.stop();
  });

  test('an admin opens a shell on an appliance, runs a command and sees its output', async () => {
    const session = await adminClient.json<{ id: string; shell: string }>('POST', '/api/devices/sh/term-ok/terminal', { cols: 100, rows: 30 }, 201);
    assert.equal(session.shell, '/bin/bash');
    const stream = await adminClient.fetch('GET', `/api/terminals/${session.id}/stream`);
    assert.equal(stream.status, 200);
    const reader = stream.body!.getReader();
    await adminClient.json('POST', `/api/terminals/${session.id}/input`, { data: 'echo "answer-$((6*7)) by $CC_TERMINAL_BY"\r' }, 204);
    const text = await readUntil(reader, (t) => eventsOf<TerminalOutput>(t, 'output').map((f) => (f.kind === 'output' ? f.data : '')).join('').includes('answer-42 by admin'), 10_000);
    const frames = eventsOf<TerminalOutput>(text, 'output');
    assert.deepEqual(frames.map((f) => (f.kind === 'output' ? f.seq : -1)), frames.map((_, i) => i), 'frames arrive numbered and in order');

    await adminClient.json('DELETE', `/api/terminals/${session.id}`, undefined, 204);
    const end = await readUntil(reader, (t) => t.includes('event: exit'), 5000, text);
    assert.equal(eventsOf<TerminalOutput>(end, 'exit')[0]?.kind, 'exit');
    await reader.cancel().catch(() => undefined);
    // The device recorded the session in its own event stream too.
    await waitFor('device-side audit events', () => {
      const types = fleet.events.list({ ...open.ref, limit: 50 }).map((e) => e.type);
      return types.includes('terminal.opened') && types.includes('terminal.closed');
    });
  });

  test('a viewer is refused a shell', async () => {
    const res = await viewerClient.fetch('POST', '/api/devices/sh/term-ok/terminal', {});
    assert.equal(res.status, 403);
  });

  test('an appliance whose local profile forbids terminals refuses even an admin, saying why', async () => {
    const res = await adminClient.fetch('POST', '/api/devices/sh/term-gov/terminal', {});
    assert.equal(res.status, 403);
    const body = (await res.json()) as { error: string; message: string };
    assert.equal(body.error, 'policy');
    assert.match(body.message, /government profile/);
    await waitFor('device-side refusal event', () => fleet.events.list({ ...gov.ref, limit: 10 }).some((e) => e.type === 'terminal.refused'));
  });

  test('the audit log has the session, the viewer refused and the policy refusal, with who, when and which device', async () => {
    const opens = fleet.audit.search({ action: 'terminal.open' }).reverse();
    assert.deepEqual(
      opens.map((e) => [e.actor, e.target, e.outcome]),
      [
        ['admin', 'sh/term-ok', 'ok'],
        ['viewer', 'sh/term-ok', 'refused'],
        ['admin', 'sh/term-gov', 'refused'],
      ],
    );
    assert.equal(opens[2]?.details.refusal, 'policy');
    assert.ok(opens.every((e) => e.at > 0 && e.ip));
    const [ended] = fleet.audit.search({ action: 'terminal.end' });
    assert.equal(ended?.actor, 'admin');
    assert.equal(ended?.target, 'sh/term-ok');
    assert.equal(ended?.details.reason, 'closed');
    assert.equal(ended?.details.session, opens[0]?.details.session);
    assert.ok((ended?.details.bytesOut as number) > 0);
  });
});
