import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateConfigDocument } from '../../protocol/config-document.ts';

const acd = { site: 's', skills: ['x'], agents: [{ id: '1001', skills: { x: 1 } }], queues: [{ id: 'q', skills: [{ skill: 'x' }] }] };

test('the configuration document takes a voicemail section and checks its boxes against the ACD agents', () => {
  const ok = validateConfigDocument({ schema: 1, acd, voicemail: { maxSeconds: 60, boxes: [{ id: 'sales', agents: ['1001'], greeting: '请留言' }] } });
  assert.ok(ok.ok, JSON.stringify(ok));
  assert.equal(ok.config.voicemail?.maxSeconds, 60);
  const bad = validateConfigDocument({ schema: 1, acd, voicemail: { boxes: [{ id: 'sales', agents: ['9999'] }, { id: 'sales' }] } });
  assert.equal(bad.ok, false);
  assert.deepEqual(!bad.ok && bad.issues, [
    { path: 'voicemail.boxes.0.agents.0', message: 'unknown ACD agent 9999' },
    { path: 'voicemail.boxes.1.id', message: 'duplicate voicemail box sales' },
  ]);
  const shape = validateConfigDocument({ schema: 1, voicemail: { maxSeconds: 1, boxes: [{ id: '../x' }] } });
  assert.equal(shape.ok, false);
  assert.deepEqual(!shape.ok && shape.issues.map((i) => i.path).sort(), ['voicemail.boxes.0.id', 'voicemail.maxSeconds']);
});
