// Contact skills end to end with a real SIPp caller: the IVR flow sets a language variable,
// the queue node hands it on as a skill, and the ACD offers the call to the one agent who
// speaks it although a longer-idle agent of the same queue is ready.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { OfferEvent } from '../appliance/desk/desk-types.ts';
import { customer, startCallCenter, testConfig, type CallCenter } from './fixtures/calls/call-harness.ts';
import { sleep, waitFor } from './support/wait.ts';

let cc: CallCenter;
const offers: { agentId: string; offer: OfferEvent }[] = [];

function skillsConfig() {
  const config = testConfig();
  config.acd.skills.push('mandarin');
  // 1001 and 1003 both serve support; only 1003 speaks mandarin
  (config.acd.agents.find((a) => a.id === '1003')!.skills as Record<string, number>).mandarin = 6;
  const flow = config.ivr.flows[0]!;
  const menu = flow.nodes[0] as { options: Record<string, { next: string; label?: string }> };
  menu.options[3] = { next: 'mandarin', label: '中文' };
  Object.assign(flow, { variables: { lang: '' } });
  flow.nodes.push(
    { id: 'mandarin', type: 'set', assign: { lang: 'mandarin' }, next: 'support-lang' } as never,
    { id: 'support-lang', type: 'queue', queue: 'support', skillsVariable: 'lang' } as never,
  );
  return config;
}

before(async () => {
  cc = await startCallCenter(skillsConfig());
  cc.m.desk.on('offer', (agentId, offer) => offers.push({ agentId, offer }));
});
after(async () => {
  await cc?.close();
});

test('a flow that sets a language skill routes the caller to the one agent who has it, not to the longer-idle one', async () => {
  const desk = cc.m.desk;
  for (const a of ['1001', '1003']) assert.ok((await desk.login(a, { device: 'browser' })).ok);
  assert.ok(desk.setPresence('1001', 'ready').ok);
  await sleep(50); // 1001 has been idle longest: without the skill it would be offered first
  assert.ok(desk.setPresence('1003', 'ready').ok);
  offers.length = 0;
  const caller = customer(cc, '3', 3000);
  const first = await waitFor('the offer', () => offers[0], { timeoutMs: 8000 });
  assert.equal(first.agentId, '1003');
  assert.equal(offers.filter((o) => o.agentId === '1001').length, 0, '1001 lacks mandarin and is never offered the call');
  await caller;
});
