// The demo's telephony configuration on a real appliance (startAppliance, air-gapped):
// telephony.json seeds the twin on first start, DID 4001 answers with the two-level demo IVR,
// and a SIPp caller pressing 2 then 1 lands in the support queue (billing) with its choices.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAppliance, type Appliance } from '../appliance/appliance.ts';
import { parseApplianceConfig } from '../appliance/config/appliance-config.ts';
import { demoAgentPasswords, writeDemoTelephony } from '../scripts/demo-telephony.ts';
import { MediaSession } from '../appliance/media/media-session.ts';
import { customer } from './fixtures/calls/call-harness.ts';
import { freeUdpPort, killChildren } from './fixtures/sip/harness.ts';
import { waitFor } from './support/wait.ts';

const root = new URL('..', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'calls-demo-'));
let appliance: Appliance;
let sipPort: number;

before(async () => {
  sipPort = await freeUdpPort();
  const passwords = demoAgentPasswords(undefined);
  // a port range of its own: other test files run media engines at the same time
  const base = 65000 + (process.pid % 5) * 100;
  writeDemoTelephony(root, join(dir, 'data'), passwords, sipPort, { sipPorts: { min: base, max: base + 99 }, webrtcPorts: { min: 46000, max: 49999 } });
  appliance = await startAppliance(parseApplianceConfig({ site: 'bj-01', device: 'cc-test', dataDir: join(dir, 'data'), profile: 'air-gapped', logLevel: (process.env.CALLS_DEBUG ? 'debug' : 'error') as 'error' }));
});
after(async () => {
  killChildren();
  await appliance?.stop();
  await new Promise((r) => setTimeout(r, 300)); // espeak-ng may still be writing a prompt
  rmSync(dir, { recursive: true, force: true });
});

test('the demo configuration answers DID 4001 with its two-level IVR: 2 then 1 reaches the support queue for billing', async () => {
  const t = appliance.telephony;
  assert.equal(appliance.twin.running.source, 'local', 'the seed was applied as a local edit');
  assert.equal(t.sipPort(), sipPort);
  assert.ok(t.desk!.verifyPassword('1001', demoAgentPasswords(undefined)['1001']!) === false, 'another password does not log in');
  assert.equal(t.customers.byPhone('13912345678')?.vip, true, 'the demo customers are seeded');
  // no agent is logged in: the caller waits in the queue (announcement, then music) and hangs up
  const control = t.modules!.control;
  // what the call control asks the media session to play (espeak-ng's speed under load is not the question)
  const played: string[] = [];
  const play = MediaSession.prototype.play;
  MediaSession.prototype.play = function (this: MediaSession, legId, playbackId, items, options) {
    played.push(playbackId);
    return play.call(this, legId, playbackId, items, options);
  };
  after(() => {
    MediaSession.prototype.play = play;
  });
  const watching = waitFor('the call queued', () => [...control.calls.values()].find((c) => c.record.phase === 'queued'), { timeoutMs: 10_000 }).then((call) => {
    const before = call.session!.receiveStats(call.id).received;
    return new Promise<number>((resolve) => setTimeout(() => resolve(call.session!.closed ? -1 : call.session!.receiveStats(call.id).received - before), 2500));
  });
  const r = await customer({ dir, sipPort }, '21', 7000, { gapMs: 1500, firstMs: 2500 });
  assert.equal(r.code, 0, `${r.stderr}\n${r.stdout.slice(-1500)}`);
  const cdr = await waitFor('the CDR', () => t.cdr.recent(1)[0], { timeoutMs: 8000 });
  assert.equal(cdr.did, '4001');
  assert.equal(cdr.queueId, 'support', JSON.stringify(cdr.choices));
  assert.equal(cdr.endReason, 'abandoned');
  assert.deepEqual(cdr.choices.map((c) => [c.nodeId, c.digits]), [['main-menu', '2'], ['support-menu', '1']]);
  assert.deepEqual(cdr.segments.map((s) => s.kind), ['ivr', 'queue']);
  const echoed = await watching;
  assert.ok(echoed >= 60, `the waiting caller hears audio all the time (${echoed} packets echoed in 2.5 s)`);
  assert.ok(played.some((id) => id.startsWith('announcement-')), `the queue announced the position (${played.join(', ')})`);
  assert.ok(played.some((id) => id.startsWith('recording-notice-')), `the caller heard that the call may be recorded (${played.join(', ')})`);
});
