import type { AcdCommand } from './commands.ts';
import { parseAcdConfig } from './config.ts';
import type { AcdEvent, EventOf } from './events.ts';
import { presenceAfter, workAfter, type PresenceTrigger, type WorkTrigger } from './agent-states.ts';
import { canTake } from './capacity.ts';
import { hasSkills, installConfig, servesAt, type AcdState, type AgentRt, type ContactRt, type Work } from './state.ts';
import {
  abandonContact, announce, cancelTimer, complete, finish, firstTimedRule, noAgentFor, offer, overflowWaiting,
  place, recordAnswered, refresh, refuse, startTimer, timerIds, type Ctx,
} from './routing.ts';

export interface AcdDecision {
  state: AcdState;
  commands: AcdCommand[];
}

/**
 * The ACD core: one event in, the next state and the commands out. No I/O and no clock: `now`
 * (ms since epoch) comes with the event, randomness from a seed in the state. For speed the
 * state is updated in place and returned; the caller hands it back on the next call and keeps
 * no other reference to the previous one (see README.md).
 */
export function decide(state: AcdState, event: AcdEvent, now: number): AcdDecision {
  const ctx: Ctx = { state, now, out: [], touched: new Set(), freed: new Set() };
  HANDLERS[event.type](ctx, event as never);
  finish(ctx);
  return { state, commands: ctx.out };
}

type Handlers = { [T in AcdEvent['type']]: (ctx: Ctx, e: EventOf<T>) => void };

const HANDLERS: Handlers = {
  ContactArrived: (ctx, e) => {
    const { state, now } = ctx;
    if (state.contacts.has(e.contactId)) return refuse(ctx, e.type, `contact '${e.contactId}' is already in the ACD`);
    const unknown = e.skills?.find((s) => !state.config.skills.includes(s.skill));
    if (unknown) return refuse(ctx, e.type, `contact '${e.contactId}' asks for unknown skill '${unknown.skill}'; known: ${state.config.skills.join(', ')}`);
    const q = state.queues.get(e.queueId);
    if (!q) {
      ctx.out.push({ type: 'Abandon', contactId: e.contactId, reason: 'unknown-queue' });
      ctx.out.push({
        type: 'RecordContact',
        record: { kind: 'abandoned', contactId: e.contactId, queueId: e.queueId, channel: e.channel, at: now, waitMs: 0 },
      });
      return;
    }
    const c: ContactRt = {
      id: e.contactId, seq: ++state.seq, channel: e.channel, priority: e.priority, customerId: e.customerId,
      skills: e.skills !== undefined && e.skills.length > 0 ? e.skills : undefined, arrivedAt: now, queue: q, queuedAt: now, status: 'new', key: q.agingPerMs * now - e.priority, placed: false,
      agentId: undefined, stickyAgentId: undefined, excluded: undefined,
    };
    state.contacts.set(c.id, c);
    const sticky = q.cfg.sticky ? stickyAgentFor(ctx, e) : undefined;
    if (sticky && q.cfg.sticky && servesAt(sticky.profile, q.cfg) !== undefined && hasSkills(sticky, c) && sticky.presence !== 'logged-out') {
      c.stickyAgentId = sticky.id;
      if (canTake(sticky, c.channel)) return offer(ctx, c, sticky);
      if (q.cfg.sticky.timeoutSeconds > 0) {
        c.status = 'sticky';
        sticky.sticky.push(c);
        startTimer(ctx, timerIds.sticky(c.id), now + q.cfg.sticky.timeoutSeconds * 1000, { kind: 'sticky', contactId: c.id });
        return;
      }
    }
    place(ctx, c, q, true);
  },

  ContactAbandoned: (ctx, e) => {
    const c = ctx.state.contacts.get(e.contactId);
    if (!c) return refuse(ctx, e.type, `unknown contact '${e.contactId}'`);
    if (c.status === 'connected') return endContact(ctx, c);
    if (c.status === 'offered') {
      const agent = ctx.state.agents.get(c.agentId!)!;
      workStep(ctx, agent, c, 'abandon');
      ctx.out.push({ type: 'CancelOffer', contactId: c.id, agentId: agent.id, reason: 'abandoned' });
      refresh(ctx, agent);
    }
    abandonContact(ctx, c);
  },

  AgentLoggedIn: (ctx, e) => {
    const agent = ctx.state.agents.get(e.agentId);
    if (!agent) return refuse(ctx, e.type, `unknown agent '${e.agentId}'`);
    if (!presenceStep(ctx, agent, 'login', e.type)) return;
    agent.reason = 'login';
    agent.idleSince = ctx.now;
    for (const q of agent.queues) q.loggedIn++;
    if (ctx.state.config.readyOnLogin) presenceStep(ctx, agent, 'ready', e.type);
    refresh(ctx, agent);
  },

  AgentLoggedOut: (ctx, e) => {
    const { state } = ctx;
    const agent = state.agents.get(e.agentId);
    if (!agent) return refuse(ctx, e.type, `unknown agent '${e.agentId}'`);
    if (agent.presence === 'logged-out') return refuse(ctx, e.type, `agent '${agent.id}' is not logged in`);
    if (agent.work.size > 0 && !e.force) {
      return refuse(ctx, e.type, `agent '${agent.id}' still has ${agent.work.size} contact(s); log out with force`);
    }
    presenceStep(ctx, agent, 'logout', e.type);
    agent.reason = undefined;
    refresh(ctx, agent);
    for (const w of [...agent.work.values()]) {
      if (w.phase === 'reserved') {
        workStep(ctx, agent, w.contact, 'withdraw');
        ctx.out.push({ type: 'CancelOffer', contactId: w.contact.id, agentId: agent.id, reason: 'logout' });
        requeue(ctx, w.contact, undefined);
      } else {
        // The call itself goes on outside the ACD; its work is counted up to now.
        if (w.phase !== 'wrap-up') w.wrapSince = ctx.now;
        workStep(ctx, agent, w.contact, 'release');
        complete(ctx, agent, w);
      }
    }
    for (const c of [...agent.sticky]) fallBack(ctx, c);
    for (const q of agent.queues) {
      q.loggedIn--;
      overflowForNoAgents(ctx, q.id);
    }
  },

  AgentStateChanged: (ctx, e) => {
    const agent = ctx.state.agents.get(e.agentId);
    if (!agent) return refuse(ctx, e.type, `unknown agent '${e.agentId}'`);
    if (e.reason !== undefined && (e.state !== 'not-ready' || !ctx.state.reasons.has(e.reason))) {
      return refuse(ctx, e.type, `reason '${e.reason}' is not a configured not-ready reason`);
    }
    if (agent.presence === e.state && e.state !== 'not-ready') return refuse(ctx, e.type, `agent '${agent.id}' is already ${e.state}`);
    if (!presenceStep(ctx, agent, e.state, e.type)) return;
    agent.reason = e.reason;
    if (e.state === 'ready') agent.idleSince = ctx.now;
    refresh(ctx, agent);
  },

  OfferAccepted: (ctx, e) => {
    const found = offered(ctx, e);
    if (!found) return;
    const { agent, contact, work } = found;
    workStep(ctx, agent, contact, 'accept');
    work.answeredAt = ctx.now;
    contact.status = 'connected';
    cancelTimer(ctx, timerIds.ring(contact.id));
    if (contact.customerId !== undefined) ctx.state.lastAgent.set(contact.customerId, { agentId: agent.id, at: ctx.now });
    recordAnswered(ctx, contact, agent);
    refresh(ctx, agent);
  },

  OfferRejected: (ctx, e) => {
    const found = offered(ctx, e);
    if (!found) return;
    const { agent, contact } = found;
    workStep(ctx, agent, contact, 'reject');
    if (ctx.state.config.rejectMakesNotReady && presenceStep(ctx, agent, 'rejected', e.type)) agent.reason = 'rejected';
    refresh(ctx, agent);
    requeue(ctx, contact, agent);
  },

  OfferTimedOut: (ctx, e) => {
    const found = offered(ctx, e);
    if (found) ringNoAnswer(ctx, found.agent, found.contact);
  },

  ContactHeld: (ctx, e) => {
    const found = connected(ctx, e);
    if (!found || !workStep(ctx, found.agent, found.contact, 'hold', e.type)) return;
    found.work.holdSince = ctx.now;
  },

  ContactRetrieved: (ctx, e) => {
    const found = connected(ctx, e);
    if (!found || !workStep(ctx, found.agent, found.contact, 'retrieve', e.type)) return;
    found.work.holdMs += ctx.now - found.work.holdSince;
  },

  ContactEnded: (ctx, e) => {
    const c = ctx.state.contacts.get(e.contactId);
    if (!c || c.status !== 'connected') return refuse(ctx, e.type, `contact '${e.contactId}' is not connected`);
    endContact(ctx, c);
  },

  WrapUpExtended: (ctx, e) => {
    const agent = ctx.state.agents.get(e.agentId);
    const w = agent?.work.get(e.contactId);
    if (!agent || !w || w.phase !== 'wrap-up') return refuse(ctx, e.type, `agent '${e.agentId}' has no wrap-up for '${e.contactId}'`);
    workStep(ctx, agent, w.contact, 'extend');
    const seconds = e.seconds ?? w.queue.cfg.wrapUpSeconds;
    startTimer(ctx, timerIds.wrap(w.contact.id), ctx.now + seconds * 1000, { kind: 'wrap', contactId: w.contact.id, agentId: agent.id });
  },

  WrapUpEnded: (ctx, e) => {
    const agent = ctx.state.agents.get(e.agentId);
    const list = agent ? [...agent.work.values()].filter((w) => w.phase === 'wrap-up' && (e.contactId === undefined || w.contact.id === e.contactId)) : [];
    if (!agent || list.length === 0) return refuse(ctx, e.type, `agent '${e.agentId}' has no matching wrap-up`);
    for (const w of list) {
      workStep(ctx, agent, w.contact, 'complete');
      complete(ctx, agent, w);
    }
  },

  TimerFired: (ctx, e) => {
    const { state } = ctx;
    const t = state.timers.get(e.timerId);
    if (!t) return; // cancelled while in flight: nothing to do
    state.timers.delete(e.timerId);
    const c = state.contacts.get(t.contactId);
    if (!c) return;
    if (t.kind === 'ring' || t.kind === 'wrap') {
      const agent = state.agents.get(t.agentId);
      const w = agent?.work.get(c.id);
      if (!agent || !w) return;
      if (t.kind === 'ring' && w.phase === 'reserved') ringNoAnswer(ctx, agent, c);
      if (t.kind === 'wrap' && w.phase === 'wrap-up') {
        workStep(ctx, agent, c, 'complete');
        complete(ctx, agent, w);
      }
    } else if (t.kind === 'overflow' && c.status === 'waiting') {
      const timed = firstTimedRule(c.queue); // absent if a new configuration dropped the rule
      if (timed) overflowWaiting(ctx, c, timed.rule, 'wait-time');
    } else if (t.kind === 'sticky' && c.status === 'sticky') {
      fallBack(ctx, c);
    } else if (t.kind === 'announce' && c.status === 'waiting') {
      announce(ctx, c, 'periodic');
      const every = c.queue.cfg.announcements.everySeconds;
      if (every > 0) startTimer(ctx, e.timerId, ctx.now + every * 1000, t);
    }
  },

  ConfigChanged: (ctx, e) => {
    const { state } = ctx;
    const parsed = parseAcdConfig(e.config, { customStrategies: state.strategies.keys() });
    if (!parsed.ok) return refuse(ctx, e.type, parsed.error.message);
    const config = parsed.config;
    const queues = new Set(config.queues.map((q) => q.id));
    const agents = new Set(config.agents.map((a) => a.id));
    for (const c of state.contacts.values()) {
      if (!queues.has(c.queue.id)) return refuse(ctx, e.type, `queue '${c.queue.id}' still has contacts; it cannot be removed`);
    }
    for (const a of state.agents.values()) {
      if (a.presence !== 'logged-out' && !agents.has(a.id)) return refuse(ctx, e.type, `agent '${a.id}' is logged in; it cannot be removed`);
    }
    installConfig(state, config);
    state.index.reset(state);
    for (const a of state.agents.values()) if (a.presence !== 'logged-out') refresh(ctx, a);
    for (const q of state.queues.values()) if (q.waiting > 0) overflowForNoAgents(ctx, q.id);
  },

  DayStarted: (ctx) => {
    for (const a of ctx.state.agents.values()) {
      a.handledToday = 0;
      a.busyMsToday = 0;
      if (a.presence !== 'logged-out') refresh(ctx, a);
    }
  },
};

function stickyAgentFor(ctx: Ctx, e: EventOf<'ContactArrived'>): AgentRt | undefined {
  const { state, now } = ctx;
  let id = e.preferredAgentId;
  if (id === undefined && e.customerId !== undefined) {
    const last = state.lastAgent.get(e.customerId);
    if (last && now - last.at <= state.config.stickyMemorySeconds * 1000) id = last.agentId;
  }
  return id === undefined ? undefined : state.agents.get(id);
}

function presenceStep(ctx: Ctx, agent: AgentRt, trigger: PresenceTrigger, event: string): boolean {
  const next = presenceAfter(agent.presence, trigger);
  if (next === undefined) {
    refuse(ctx, event, `agent '${agent.id}' cannot go from ${agent.presence} by ${trigger}`);
    return false;
  }
  agent.presence = next;
  ctx.touched.add(agent);
  return true;
}

/** Applies one row of the work table; `done` removes the contact from the agent. */
function workStep(ctx: Ctx, agent: AgentRt, c: ContactRt, trigger: WorkTrigger, event?: string): boolean {
  const w = agent.work.get(c.id)!;
  const next = workAfter(w.phase, trigger);
  if (next === undefined) {
    if (event) refuse(ctx, event, `contact '${c.id}' cannot go from ${w.phase} by ${trigger}`);
    return false;
  }
  if (next === 'done') {
    if (w.phase === 'reserved') agent.work.delete(c.id);
    // Other phases are removed by `complete`, which needs the times first.
  } else w.phase = next;
  ctx.touched.add(agent);
  return true;
}

function offered(ctx: Ctx, e: { type: string; contactId: string; agentId: string }) {
  const contact = ctx.state.contacts.get(e.contactId);
  const agent = ctx.state.agents.get(e.agentId);
  const work = agent?.work.get(e.contactId);
  if (!contact || !agent || !work || work.phase !== 'reserved') {
    refuse(ctx, e.type, `contact '${e.contactId}' is not offered to agent '${e.agentId}'`);
    return undefined;
  }
  return { contact, agent, work };
}

function connected(ctx: Ctx, e: { type: string; contactId: string }): { contact: ContactRt; agent: AgentRt; work: Work } | undefined {
  const contact = ctx.state.contacts.get(e.contactId);
  const agent = contact?.agentId === undefined ? undefined : ctx.state.agents.get(contact.agentId);
  const work = agent?.work.get(e.contactId);
  if (!contact || contact.status !== 'connected' || !agent || !work) {
    refuse(ctx, e.type, `contact '${e.contactId}' is not connected`);
    return undefined;
  }
  return { contact, agent, work };
}

/** Ring-no-answer: the agent goes not ready ("missed"), the contact goes back to its place. */
function ringNoAnswer(ctx: Ctx, agent: AgentRt, c: ContactRt): void {
  workStep(ctx, agent, c, 'timeout');
  cancelTimer(ctx, timerIds.ring(c.id));
  ctx.out.push({ type: 'CancelOffer', contactId: c.id, agentId: agent.id, reason: 'timeout' });
  if (presenceStep(ctx, agent, 'missed', 'OfferTimedOut')) agent.reason = 'missed';
  refresh(ctx, agent);
  requeue(ctx, c, agent);
}

/** Back to the queue at its old position (a sticky contact never queued enters it now). */
function requeue(ctx: Ctx, c: ContactRt, exclude: AgentRt | undefined): void {
  cancelTimer(ctx, timerIds.ring(c.id));
  if (exclude) (c.excluded ??= new Set()).add(exclude.id);
  c.agentId = undefined;
  place(ctx, c, c.queue, !c.placed);
}

function fallBack(ctx: Ctx, c: ContactRt): void {
  const agent = ctx.state.agents.get(c.stickyAgentId!);
  if (agent) agent.sticky = agent.sticky.filter((x) => x !== c);
  cancelTimer(ctx, timerIds.sticky(c.id));
  place(ctx, c, c.queue, true);
}

function endContact(ctx: Ctx, c: ContactRt): void {
  const agent = ctx.state.agents.get(c.agentId!)!;
  const w = agent.work.get(c.id)!;
  if (w.phase === 'hold') w.holdMs += ctx.now - w.holdSince;
  workStep(ctx, agent, c, 'end');
  w.wrapSince = ctx.now;
  const seconds = w.queue.cfg.wrapUpSeconds;
  if (seconds > 0) {
    startTimer(ctx, timerIds.wrap(c.id), ctx.now + seconds * 1000, { kind: 'wrap', contactId: c.id, agentId: agent.id });
    refresh(ctx, agent); // wrap-up may release capacity (wrapUpHoldsCapacity: false)
  } else {
    workStep(ctx, agent, c, 'complete');
    complete(ctx, agent, w);
  }
}

/**
 * The "no agents" rule for contacts already waiting: all of them when the queue has no one
 * logged in, else those whose own skills no logged-in agent of the queue has.
 */
function overflowForNoAgents(ctx: Ctx, queueId: string): void {
  const { state } = ctx;
  const q = state.queues.get(queueId)!;
  if (q.waiting === 0 || (q.loggedIn > 0 && q.skilledWaiting === 0)) return;
  const rule = q.cfg.overflow.find((r) => 'noAgentsLoggedIn' in r.when);
  if (!rule) return;
  for (const c of state.index.waitingIn(state, q)) {
    if (noAgentFor(state, q, c)) overflowWaiting(ctx, c, rule, 'no-agents');
  }
}

