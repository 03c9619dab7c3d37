import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { AgentDesk, type DeskBackend } from './agent-desk.ts';
import { hashPassword, verifyPassword } from './agent-credentials.ts';
import { DeskSectionSchema } from './desk-config.ts';
import { validateConfigDocument } from '../../protocol/config-document.ts';

/** A backend that records what reached it; the desk must stop bad input before it. */
function fakeBackend(): DeskBackend & { calls: string[] } {
  const calls: string[] = [];
  const hash = hashPassword('correct horse');
  const done = (what: string) => {
    calls.push(what);
    return { ok: true } as const;
  };
  return {
    calls,
    knowsAgent: (id) => id === '1001',
    verifyPassword: (_id, pw) => verifyPassword(pw, hash),
    login: (id, o) => ({ ok: true, snapshot: { agentId: id, loggedIn: true, device: o.device ?? 'browser', state: { state: 'not-ready', since: 0 }, calls: [], wrapUps: [], reasonCodes: [], dispositions: [], queues: [] } }),
    logout: () => done('logout'),
    setPresence: (_id, p) => done(`presence ${JSON.stringify(p)}`),
    answer: (_id, c) => done(`answer ${c}`),
    reject: (_id, c) => done(`reject ${c}`),
    hangup: (_id, c) => done(`hangup ${c}`),
    hold: (_id, c) => done(`hold ${c}`),
    retrieve: (_id, c) => done(`retrieve ${c}`),
    transfer: (_id, c, t) => done(`transfer ${c} ${JSON.stringify(t)}`),
    dial: (_id, n) => {
      calls.push(`dial ${n}`);
      return { ok: true, callId: 'leg-9' };
    },
    completeWrapUp: (_id, c, o) => done(`wrap-up ${c} ${o.disposition}`),
    snapshot: (id) => ({ agentId: id, loggedIn: false, state: { state: 'logged-out', since: 0 }, calls: [], wrapUps: [], reasonCodes: [], dispositions: [], queues: [] }),
    rtpCapabilities: async () => ({ codecs: [] }),
    setRtpCapabilities: () => void calls.push('caps'),
    connectTransport: async () => done('connect'),
    produce: async () => {
      calls.push('produce');
      return { ok: true, id: 'p1' };
    },
  };
}

describe('agent desk edge', () => {
  test('refuses unknown agents and malformed requests before the call control sees them', async () => {
    const backend = fakeBackend();
    const desk = new AgentDesk(backend);
    assert.deepEqual(await desk.login('9999'), { ok: false, error: { code: 'unknown-agent', message: 'no agent 9999' } });
    assert.equal((await desk.login('1001', { device: 'pager' } as never)).ok, false);
    assert.equal(desk.setPresence('1001', { notReady: '' }).ok, false);
    assert.equal(desk.setPresence('1001', 'asleep' as never).ok, false);
    assert.equal((await desk.transfer('1001', 'leg-1', { queue: 'sales', agent: '1002' } as never)).ok, false, 'one target only');
    assert.equal((await desk.transfer('1001', 'leg-1', { number: 'sip:evil@example.com' })).ok, false);
    assert.equal((await desk.dial('1001', '139; rm -rf')).ok, false);
    assert.equal((await desk.completeWrapUp('1001', 'c1', { disposition: 'resolved', note: 'x'.repeat(2001) })).ok, false);
    assert.equal((await desk.produce('1001', 'leg-1', 't1', 'video' as never, { codecs: [] } as never)).ok, false);
    assert.equal((await desk.connectTransport('1001', 'leg-1', 't1', { fingerprints: [] } as never)).ok, false);
    assert.deepEqual(backend.calls, []);
  });

  test('passes valid requests through and returns the backend\'s results', async () => {
    const backend = fakeBackend();
    const desk = new AgentDesk(backend);
    assert.ok((await desk.login('1001', { device: 'phone' })).ok);
    assert.deepEqual(desk.setPresence('1001', { notReady: 'break' }), { ok: true });
    assert.deepEqual(await desk.transfer('1001', 'leg-1', { number: '+8613800138000' }), { ok: true });
    assert.deepEqual(await desk.dial('1001', '013800138000'), { ok: true, callId: 'leg-9' });
    assert.deepEqual(await desk.completeWrapUp('1001', 'c1', { disposition: 'resolved', note: 'ok' }), { ok: true });
    assert.deepEqual(backend.calls, ['presence {"notReady":"break"}', 'transfer leg-1 {"number":"+8613800138000"}', 'dial 013800138000', 'wrap-up c1 resolved']);
  });

  test('a backend that throws comes back as an unavailable refusal', async () => {
    const backend = fakeBackend();
    backend.hold = () => {
      throw new Error('media session gone');
    };
    const desk = new AgentDesk(backend);
    assert.deepEqual(await desk.hold('1001', 'leg-1'), { ok: false, error: { code: 'unavailable', message: 'media session gone' } });
  });

  test('checks passwords against scrypt hashes, and unknown agents look like wrong passwords', () => {
    const desk = new AgentDesk(fakeBackend());
    assert.equal(desk.verifyPassword('1001', 'correct horse'), true);
    assert.equal(desk.verifyPassword('1001', 'wrong horse'), false);
    assert.equal(desk.verifyPassword('9999', 'correct horse'), false);
    assert.equal(verifyPassword('x', 'plain-text-password'), false, 'a malformed hash never matches');
    assert.notEqual(hashPassword('same'), hashPassword('same'), 'salted');
  });
});

describe('desk configuration section', () => {
  test('refuses agents, desk phones and trunk groups the rest of the document does not define', () => {
    const hash = hashPassword('pw-12345678');
    const r = validateConfigDocument({
      schema: 1,
      sip: { registrarUsers: [{ username: '1001', password: 'pw-12345678' }] },
      acd: { skills: ['s'], agents: [{ id: '1001', skills: { s: 1 } }], queues: [{ id: 'q', skills: [{ skill: 's' }] }] },
      desk: { agents: [{ id: '1001', passwordHash: hash, phone: '1001' }, { id: '2002', passwordHash: hash, phone: '2002' }], outboundTrunkGroup: 'pstn' },
    });
    assert.equal(r.ok, false);
    assert.deepEqual(!r.ok && r.issues.map((i) => i.path).sort(), ['desk.agents.1.id', 'desk.agents.1.phone', 'desk.outboundTrunkGroup']);
    assert.equal(DeskSectionSchema.safeParse({ agents: [{ id: '1001', passwordHash: 'secret' }] }).success, false, 'a clear password is refused');
  });
});
