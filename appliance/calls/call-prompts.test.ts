import { test } from 'node:test';
import assert from 'node:assert/strict';
import { announcementItems, screenPop } from './call-prompts.ts';
import { callSettingsFrom, queuesOf, recordingModeOf } from './call-settings.ts';
import type { Cdr } from '../cdr/cdr-store.ts';

test('a queue announcement says how many wait ahead and the wait in whole minutes, in Chinese then English', () => {
  assert.deepEqual(announcementItems(3, 150), [
    { tts: '您前面还有2位客户，预计等待3分钟。', language: 'zh-CN' },
    { tts: 'You are number 3 in the queue, about 3 minutes.', language: 'en-US' },
  ]);
  assert.deepEqual(announcementItems(1, undefined).map((i) => 'tts' in i && i.tts), ['您前面还有0位客户。', 'You are number 1 in the queue.']);
  assert.equal((announcementItems(2, 10)[1] as { tts: string }).tts, 'You are number 2 in the queue, about 1 minute.', 'never "0 minutes"');
});

test('the screen pop shows the customer record and the talk time of past calls', () => {
  const past = { callId: 'a', direction: 'inbound', customer: '139', did: '4001', startedAt: 1000, contacts: [], legs: [], choices: [], recordingPaths: {},
    queueId: 'sales', agentId: '1001', disposition: 'resolved',
    segments: [{ kind: 'talk', start: 10, end: 70 }, { kind: 'hold', start: 20, end: 30 }, { kind: 'talk', start: 100, end: 120 }, { kind: 'talk', start: 200 }] } as Cdr;
  assert.deepEqual(screenPop({ phone: '139', vip: true, tags: ['x'] }, [past]), {
    customer: { phone: '139', vip: true, tags: ['x'] },
    recentContacts: [{ callId: 'a', startedAt: 1000, direction: 'inbound', queueId: 'sales', agentId: '1001', disposition: 'resolved', talkMs: 80 }],
  });
  assert.deepEqual(screenPop(undefined, []), { recentContacts: [] });
});

test('settings: an agent serves the queues whose every skill it has at the minimum level; recording mode per queue', () => {
  const s = callSettingsFrom({
    acd: {
      site: 's', seed: 1, skills: ['a', 'b'], reasonCodes: [], capacityProfiles: {}, readyOnLogin: false, rejectMakesNotReady: false, strategyPlugins: [], stickyMemorySeconds: 1,
      agents: [{ id: '1', skills: { a: 3, b: 1 }, seniority: 0, capacity: 'default' }],
      queues: [
        { id: 'qa', skills: [{ skill: 'a', minLevel: 3 }] }, { id: 'qab', skills: [{ skill: 'a', minLevel: 1 }, { skill: 'b', minLevel: 2 }] },
      ],
    } as never,
    recording: { mode: 'all', queues: { qab: 'none' }, announce: true, pauseOnHold: true },
  });
  assert.deepEqual(queuesOf(s, '1').map((q) => q.id), ['qa']);
  assert.deepEqual(queuesOf(s, 'nobody'), []);
  assert.equal(recordingModeOf(s, 'qa'), 'all');
  assert.equal(recordingModeOf(s, 'qab'), 'none');
  assert.equal(s.queues.get('qa')!.offerTimeoutSeconds, 20, 'ACD defaults apply');
});
