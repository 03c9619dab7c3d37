import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { AGENT_TRANSITIONS, deriveAgentState } from './agent-states.ts';
import { AcdHarness, ofType } from './harness.ts';
import type { AcdConfigInput } from './config.ts';
import type { AcdEventInput } from './events.ts';

const base = (extra: Partial<AcdConfigInput> = {}): AcdConfigInput => ({
  skills: ['en'],
  agents: [{ id: 'a', skills: { en: 5 } }, { id: 'b', skills: { en: 5 } }],
  queues: [{ id: 'q', skills: [{ skill: 'en' }], wrapUpSeconds: 30, offerTimeoutSeconds: 15 }],
  ...extra,
});

const login = (id = 'a'): AcdEventInput => ({ type: 'AgentLoggedIn', agentId: id });
const ready = (id = 'a'): AcdEventInput => ({ type: 'AgentStateChanged', agentId: id, state: 'ready' });
const notReady = (reason?: string): AcdEventInput => ({ type: 'AgentStateChanged', agentId: 'a', state: 'not-ready', ...(reason ? { reason } : {}) });
const away: AcdEventInput = { type: 'AgentStateChanged', agentId: 'a', state: 'away' };
const logout = (force = false): AcdEventInput => ({ type: 'AgentLoggedOut', agentId: 'a', force });
const arrive: AcdEventInput = { type: 'ContactArrived', contactId: 'c', queueId: 'q', channel: 'voice' };
const accept: AcdEventInput = { type: 'OfferAccepted', contactId: 'c', agentId: 'a' };
const reject: AcdEventInput = { type: 'OfferRejected', contactId: 'c', agentId: 'a' };
const hold: AcdEventInput = { type: 'ContactHeld', contactId: 'c' };
const retrieve: AcdEventInput = { type: 'ContactRetrieved', contactId: 'c' };
const end: AcdEventInput = { type: 'ContactEnded', contactId: 'c' };

const toReady = [login(), ready()];
const toReserved = [...toReady, arrive];
const toBusy = [...toReserved, accept];
const toHold = [...toBusy, hold];
const toWrap = [...toBusy, end];

interface Row {
  name: string;
  setup: AcdEventInput[];
  act: AcdEventInput | 'ring-timeout' | 'wrap-timer';
  expect: string | 'refused';
  reason?: string;
  config?: Partial<AcdConfigInput>;
  /** Table rows (part:from:trigger) this behaviour proves. */
  covers?: string;
}

const rows: Row[] = [
  { name: 'logged-out + login -> not-ready (login)', covers: 'presence:logged-out:login', setup: [], act: login(), expect: 'not-ready', reason: 'login' },
  { name: 'logged-out + login with readyOnLogin -> ready', setup: [], act: login(), expect: 'ready', config: { readyOnLogin: true } },
  { name: 'logged-out + ready is refused', setup: [], act: ready(), expect: 'refused' },
  { name: 'logged-out + not-ready is refused', setup: [], act: notReady('break'), expect: 'refused' },
  { name: 'logged-out + away is refused', setup: [], act: away, expect: 'refused' },
  { name: 'logged-out + logout is refused', setup: [], act: logout(), expect: 'refused' },
  { name: 'logged-out + second login is refused', setup: [login()], act: login(), expect: 'refused' },
  { name: 'ready + not-ready(break) -> not-ready (break)', covers: 'presence:ready:not-ready', setup: toReady, act: notReady('break'), expect: 'not-ready', reason: 'break' },
  { name: 'ready + not-ready with an unknown reason is refused', setup: toReady, act: notReady('lunchtime'), expect: 'refused' },
  { name: 'ready + away -> away', covers: 'presence:ready:away', setup: toReady, act: away, expect: 'away' },
  { name: 'ready + logout -> logged-out', covers: 'presence:ready:logout', setup: toReady, act: logout(), expect: 'logged-out' },
  { name: 'ready + ready is refused', setup: toReady, act: ready(), expect: 'refused' },
  { name: 'not-ready + ready -> ready', covers: 'presence:not-ready:ready', setup: [login()], act: ready(), expect: 'ready' },
  { name: 'not-ready + not-ready(meal) changes the reason', covers: 'presence:not-ready:not-ready', setup: [login(), notReady('break')], act: notReady('meal'), expect: 'not-ready', reason: 'meal' },
  { name: 'not-ready + away -> away', covers: 'presence:not-ready:away', setup: [login()], act: away, expect: 'away' },
  { name: 'not-ready + logout -> logged-out', covers: 'presence:not-ready:logout', setup: [login()], act: logout(), expect: 'logged-out' },
  { name: 'away + ready -> ready', covers: 'presence:away:ready', setup: [login(), away], act: ready(), expect: 'ready' },
  { name: 'away + not-ready(training) -> not-ready', covers: 'presence:away:not-ready', setup: [login(), away], act: notReady('training'), expect: 'not-ready', reason: 'training' },
  { name: 'away + logout -> logged-out', covers: 'presence:away:logout', setup: [login(), away], act: logout(), expect: 'logged-out' },
  { name: 'away + away is refused', setup: [login(), away], act: away, expect: 'refused' },
  { name: 'ready + offer -> reserved', setup: toReady, act: arrive, expect: 'reserved' },
  { name: 'reserved + accept -> busy', covers: 'work:reserved:accept', setup: toReserved, act: accept, expect: 'busy' },
  { name: 'reserved + reject -> ready', covers: 'work:reserved:reject', setup: toReserved, act: reject, expect: 'ready' },
  { name: 'reserved + reject with rejectMakesNotReady -> not-ready (rejected)', covers: 'presence:ready:rejected', setup: toReserved, act: reject, expect: 'not-ready', reason: 'rejected', config: { rejectMakesNotReady: true } },
  { name: 'reserved + ring-no-answer -> not-ready (missed)', covers: 'work:reserved:timeout presence:ready:missed', setup: toReserved, act: 'ring-timeout', expect: 'not-ready', reason: 'missed' },
  { name: 'reserved + OfferTimedOut from the channel -> not-ready (missed)', setup: toReserved, act: { type: 'OfferTimedOut', contactId: 'c', agentId: 'a' }, expect: 'not-ready', reason: 'missed' },
  { name: 'reserved + customer abandons -> ready', covers: 'work:reserved:abandon', setup: toReserved, act: { type: 'ContactAbandoned', contactId: 'c' }, expect: 'ready' },
  { name: 'reserved + logout without force is refused', setup: toReserved, act: logout(), expect: 'refused' },
  { name: 'reserved + forced logout withdraws the offer -> logged-out', covers: 'work:reserved:withdraw', setup: toReserved, act: logout(true), expect: 'logged-out' },
  { name: 'reserved + hold is refused', setup: toReserved, act: hold, expect: 'refused' },
  { name: 'reserved, then away, then ring-no-answer -> not-ready (missed)', covers: 'presence:away:missed', setup: [...toReserved, away], act: 'ring-timeout', expect: 'not-ready', reason: 'missed' },
  { name: 'reserved, then not-ready, then ring-no-answer -> not-ready (missed)', covers: 'presence:not-ready:missed', setup: [...toReserved, notReady('break')], act: 'ring-timeout', expect: 'not-ready', reason: 'missed' },
  { name: 'reserved, then not-ready, then reject with rejectMakesNotReady -> not-ready (rejected)', covers: 'presence:not-ready:rejected', setup: [...toReserved, notReady('break')], act: reject, expect: 'not-ready', reason: 'rejected', config: { rejectMakesNotReady: true } },
  { name: 'reserved, then away, then reject with rejectMakesNotReady -> not-ready (rejected)', covers: 'presence:away:rejected', setup: [...toReserved, away], act: reject, expect: 'not-ready', reason: 'rejected', config: { rejectMakesNotReady: true } },
  { name: 'busy + hold -> hold', covers: 'work:busy:hold', setup: toBusy, act: hold, expect: 'hold' },
  { name: 'busy + retrieve is refused', setup: toBusy, act: retrieve, expect: 'refused' },
  { name: 'busy + end -> wrap-up', covers: 'work:busy:end', setup: toBusy, act: end, expect: 'wrap-up' },
  { name: 'busy + end with no wrap-up time -> ready', setup: toBusy, act: end, expect: 'ready', config: { queues: [{ id: 'q', skills: [{ skill: 'en' }], wrapUpSeconds: 0 }] } },
  { name: 'busy + customer hangs up (abandon after answer) -> wrap-up', setup: toBusy, act: { type: 'ContactAbandoned', contactId: 'c' }, expect: 'wrap-up' },
  { name: 'busy + not-ready keeps busy until the work is done', setup: toBusy, act: notReady('break'), expect: 'busy' },
  { name: 'busy + forced logout releases the contact -> logged-out', covers: 'work:busy:release', setup: toBusy, act: logout(true), expect: 'logged-out' },
  { name: 'hold + retrieve -> busy', covers: 'work:hold:retrieve', setup: toHold, act: retrieve, expect: 'busy' },
  { name: 'hold + hold is refused', setup: toHold, act: hold, expect: 'refused' },
  { name: 'hold + end -> wrap-up', covers: 'work:hold:end', setup: toHold, act: end, expect: 'wrap-up' },
  { name: 'hold + forced logout -> logged-out', covers: 'work:hold:release', setup: toHold, act: logout(true), expect: 'logged-out' },
  { name: 'wrap-up + extend -> wrap-up', covers: 'work:wrap-up:extend', setup: toWrap, act: { type: 'WrapUpExtended', agentId: 'a', contactId: 'c', seconds: 60 }, expect: 'wrap-up' },
  { name: 'wrap-up + agent completes -> ready', covers: 'work:wrap-up:complete', setup: toWrap, act: { type: 'WrapUpEnded', agentId: 'a' }, expect: 'ready' },
  { name: 'wrap-up + timer -> ready', setup: toWrap, act: 'wrap-timer', expect: 'ready' },
  { name: 'wrap-up after a not-ready request -> not-ready', setup: [...toBusy, notReady('meeting'), end], act: { type: 'WrapUpEnded', agentId: 'a' }, expect: 'not-ready', reason: 'meeting' },
  { name: 'wrap-up + forced logout -> logged-out', covers: 'work:wrap-up:release', setup: toWrap, act: logout(true), expect: 'logged-out' },
  { name: 'wrap-up + hold is refused', setup: toWrap, act: hold, expect: 'refused' },
  { name: 'ready + WrapUpEnded with nothing to wrap is refused', setup: toReady, act: { type: 'WrapUpEnded', agentId: 'a' }, expect: 'refused' },
];

describe('agent state transitions', () => {
  for (const row of rows) {
    test(row.name, () => {
      const h = new AcdHarness(base(row.config));
      for (const e of row.setup) {
        const out = h.send(e);
        assert.equal(ofType(out, 'Refused').length, 0, `setup step ${e.type} was refused: ${JSON.stringify(out)}`);
      }
      const before = h.agentState('a');
      const out = row.act === 'ring-timeout' ? h.advance(15_000) : row.act === 'wrap-timer' ? h.advance(30_000) : h.send(row.act);
      if (row.expect === 'refused') {
        assert.equal(ofType(out, 'Refused').length, 1, JSON.stringify(out));
        assert.equal(h.agentState('a'), before, 'a refused event changes nothing');
        assert.equal(ofType(out, 'RecordAgentState').length, 0);
        return;
      }
      assert.equal(ofType(out, 'Refused').length, 0, JSON.stringify(out));
      assert.equal(h.agentState('a'), row.expect);
      const agent = h.state.agents.get('a')!;
      if (row.reason) assert.equal(agent.reason, row.reason);
      if (before !== row.expect) {
        const rec = ofType(out, 'RecordAgentState').find((r) => r.record.agentId === 'a');
        assert.ok(rec, 'a change of state is recorded');
        assert.equal(rec.record.to, row.expect);
        if (row.reason && row.expect === 'not-ready') assert.equal(rec.record.reason, row.reason);
      }
    });
  }

  test('every row of the table is exercised by a behaviour test above', () => {
    const covered = new Set(rows.flatMap((r) => (r.covers ?? '').split(' ')));
    for (const [part, table] of Object.entries(AGENT_TRANSITIONS)) {
      for (const [from, triggers] of Object.entries(table as Record<string, object>)) {
        for (const t of Object.keys(triggers)) assert.ok(covered.has(`${part}:${from}:${t}`), `${part} ${from} + ${t} untested`);
      }
    }
  });

  test('the shown state prefers talking over ringing over hold over wrap-up', () => {
    assert.equal(deriveAgentState('ready', []), 'ready');
    assert.equal(deriveAgentState('not-ready', ['wrap-up', 'hold']), 'hold');
    assert.equal(deriveAgentState('ready', ['wrap-up', 'reserved', 'busy']), 'busy');
    assert.equal(deriveAgentState('ready', ['wrap-up', 'reserved']), 'reserved');
    assert.equal(deriveAgentState('logged-out', ['busy']), 'logged-out');
  });

  test('a forced logout puts the ringing contact back and offers it to another agent', () => {
    const h = new AcdHarness(base());
    for (const e of toReserved) h.send(e);
    h.send(login('b'));
    h.send(ready('b'));
    const out = h.send(logout(true));
    assert.deepEqual(ofType(out, 'CancelOffer')[0], { type: 'CancelOffer', contactId: 'c', agentId: 'a', reason: 'logout' });
    assert.equal(ofType(out, 'OfferToAgent')[0]?.agentId, 'b');
  });
});
