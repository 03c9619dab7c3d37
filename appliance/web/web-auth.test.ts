import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Low, Memory } from 'lowdb';
import { WebAuth, type AgentDirectory } from './web-auth.ts';
import { WebUserStore, type WebUsersDoc } from './web-users.ts';

async function rig(directory: AgentDirectory) {
  const users = await WebUserStore.open({ db: new Low<WebUsersDoc>(new Memory(), { users: [] }), hashParams: { N: 1024, r: 8, p: 1 } });
  await users.create({ username: 'lead', password: 'lead-password', role: 'supervisor', agentId: '1001' });
  return new WebAuth({ users, agents: directory });
}

test('an agent of the desk directory logs in with its own password; a wrong one and an unknown id are refused alike', async () => {
  const auth = await rig({ knowsAgent: (id) => id === '1002', verifyPassword: (id, pw) => id === '1002' && pw === 'agent-pw-1002' });
  const ok = await auth.login('1002', 'agent-pw-1002', '10.0.0.1');
  assert.ok(ok.ok);
  assert.deepEqual({ username: ok.user.username, role: ok.user.role, agentId: ok.user.agentId }, { username: '1002', role: 'agent', agentId: '1002' });
  assert.deepEqual(await auth.login('1002', 'wrong', '10.0.0.1'), { ok: false, reason: 'invalid-credentials' });
  assert.deepEqual(await auth.login('9999', 'agent-pw-1002', '10.0.0.1'), { ok: false, reason: 'invalid-credentials' });
});

test('a local user shadows an agent id of the same name, and a directory agent never passes for a local user', async () => {
  const auth = await rig({ knowsAgent: () => true, verifyPassword: () => true });
  assert.deepEqual(await auth.login('lead', 'anything', '10.0.0.1'), { ok: false, reason: 'invalid-credentials' }, 'the local password decides');
  const lead = await auth.login('lead', 'lead-password', '10.0.0.1');
  assert.ok(lead.ok && lead.user.role === 'supervisor');
  const agent = await auth.login('1001', 'x', '10.0.0.1');
  assert.ok(agent.ok);
  assert.equal(auth.authenticate(agent.token)?.user.role, 'agent');
});

test('an agent removed from the directory loses its session; while the desk is away the session only waits', async () => {
  let known = true;
  let available = true;
  const auth = await rig({ knowsAgent: () => known, verifyPassword: () => true, available: () => available });
  const r = await auth.login('1003', 'pw', '10.0.0.1');
  assert.ok(r.ok);
  available = false;
  assert.equal(auth.authenticate(r.token), undefined, 'not served while telephony is down');
  available = true;
  assert.ok(auth.authenticate(r.token), 'back when telephony is');
  known = false;
  assert.equal(auth.authenticate(r.token), undefined);
  known = true;
  assert.equal(auth.authenticate(r.token), undefined, 'revoked for good once the agent was gone');
});
