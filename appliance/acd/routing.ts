import type { AcdCommand, ContactRecord, OverflowReason } from './commands.ts';
import type { OverflowRule } from './config.ts';
import { canTake } from './capacity.ts';
import { deriveAgentState } from './agent-states.ts';
import { nextRandom } from './prng.ts';
import { hasSkills, type AcdState, type AgentRt, type ContactRt, type QueueRt, type TimerPurpose, type Work } from './state.ts';

/** One decision in progress: the state it mutates, the clock and the commands so far. */
export interface Ctx {
  readonly state: AcdState;
  readonly now: number;
  readonly out: AcdCommand[];
  /** Agents whose derived state may have changed (reported at the end). */
  readonly touched: Set<AgentRt>;
  /** Agents that may be able to take more work (dispatched at the end). */
  readonly freed: Set<AgentRt>;
}

export const timerIds = {
  ring: (contactId: string) => `ring:${contactId}`,
  wrap: (contactId: string) => `wrap:${contactId}`,
  overflow: (contactId: string) => `overflow:${contactId}`,
  sticky: (contactId: string) => `sticky:${contactId}`,
  announce: (contactId: string) => `announce:${contactId}`,
};

/** Weight of the newest handle time in the queue's running estimate. */
const AHT_ALPHA = 0.1;

export function refuse(ctx: Ctx, event: string, reason: string): void {
  ctx.out.push({ type: 'Refused', event, reason });
}

export function startTimer(ctx: Ctx, timerId: string, at: number, purpose: TimerPurpose): void {
  ctx.state.timers.set(timerId, purpose);
  ctx.out.push({ type: 'StartTimer', timerId, at });
}

export function cancelTimer(ctx: Ctx, timerId: string): void {
  if (ctx.state.timers.delete(timerId)) ctx.out.push({ type: 'CancelTimer', timerId });
}

/** Re-index an agent after any change; its random key is drawn again from the seeded stream. */
export function refresh(ctx: Ctx, agent: AgentRt): void {
  const r = nextRandom(ctx.state.seed);
  ctx.state.seed = r.seed;
  agent.randomKey = r.value;
  ctx.state.index.agentChanged(ctx.state, agent);
  ctx.touched.add(agent);
  if (agent.presence === 'ready') ctx.freed.add(agent);
}

function record(ctx: Ctx, c: ContactRt, kind: ContactRecord['kind'], extra: Partial<ContactRecord> = {}): void {
  const r: ContactRecord = {
    kind, contactId: c.id, queueId: c.queue.id, channel: c.channel, at: ctx.now, waitMs: ctx.now - c.arrivedAt, ...extra,
  };
  ctx.out.push({ type: 'RecordContact', record: r });
}

/** Removes a contact from the ACD for good, with every timer it had. */
export function dropContact(ctx: Ctx, c: ContactRt): void {
  if (c.status === 'waiting') leaveQueue(ctx, c);
  if (c.status === 'sticky') unstick(ctx, c);
  for (const id of [timerIds.ring(c.id), timerIds.wrap(c.id), timerIds.overflow(c.id), timerIds.sticky(c.id), timerIds.announce(c.id)]) {
    cancelTimer(ctx, id);
  }
  ctx.state.contacts.delete(c.id);
}

export function abandonContact(ctx: Ctx, c: ContactRt): void {
  record(ctx, c, 'abandoned');
  dropContact(ctx, c);
}

function leaveQueue(ctx: Ctx, c: ContactRt): void {
  ctx.state.index.contactLeft(c);
  c.queue.waiting--;
  if (c.skills !== undefined) c.queue.skilledWaiting--;
  cancelTimer(ctx, timerIds.overflow(c.id));
  cancelTimer(ctx, timerIds.announce(c.id));
}

function unstick(ctx: Ctx, c: ContactRt): void {
  const agent = c.stickyAgentId === undefined ? undefined : ctx.state.agents.get(c.stickyAgentId);
  if (agent) agent.sticky = agent.sticky.filter((x) => x !== c);
  cancelTimer(ctx, timerIds.sticky(c.id));
}

export function offer(ctx: Ctx, c: ContactRt, agent: AgentRt): void {
  if (c.status === 'waiting') leaveQueue(ctx, c);
  else if (c.status === 'sticky') unstick(ctx, c);
  const { now, state } = ctx;
  c.status = 'offered';
  c.agentId = agent.id;
  const work: Work = { contact: c, queue: c.queue, phase: 'reserved', offeredAt: now, answeredAt: 0, holdMs: 0, holdSince: 0, wrapSince: 0 };
  agent.work.set(c.id, work);
  agent.lastOfferSeq.set(c.queue.id, ++state.offerSeq);
  refresh(ctx, agent);
  const timeout = c.queue.cfg.offerTimeoutSeconds;
  const cmd: AcdCommand = { type: 'OfferToAgent', contactId: c.id, agentId: agent.id, queueId: c.queue.id, channel: c.channel };
  if (timeout > 0) cmd.expiresAt = now + timeout * 1000;
  ctx.out.push(cmd);
  if (timeout > 0) startTimer(ctx, timerIds.ring(c.id), now + timeout * 1000, { kind: 'ring', contactId: c.id, agentId: agent.id });
}

/**
 * Puts a contact where it belongs in `q`: straight to the best idle agent, else waiting, unless
 * an overflow rule sends it on. `fresh` is entry into the queue (arrival, overflow, sticky
 * fallback); otherwise it is a requeue after a failed offer and keeps its place, which follows
 * from its fixed key.
 */
export function place(ctx: Ctx, c: ContactRt, q: QueueRt, fresh: boolean): void {
  const { state, now } = ctx;
  c.queue = q;
  c.status = 'new';
  c.agentId = undefined;
  c.placed = true;
  const agent = state.index.bestAgent(state, c);
  if (agent) {
    offer(ctx, c, agent);
    return;
  }
  for (const rule of q.cfg.overflow) {
    const w = rule.when;
    if (('noAgentsLoggedIn' in w && noAgentFor(state, q, c)) || (fresh && 'queueLongerThan' in w && q.waiting >= w.queueLongerThan)) {
      overflow(ctx, c, rule, 'noAgentsLoggedIn' in w ? 'no-agents' : 'queue-length');
      return;
    }
  }
  const timed = firstTimedRule(q);
  if (timed && c.queuedAt + timed.seconds * 1000 <= now) {
    overflow(ctx, c, timed.rule, 'wait-time');
    return;
  }
  c.status = 'waiting';
  state.index.contactWaiting(c);
  q.waiting++;
  if (c.skills !== undefined) q.skilledWaiting++;
  if (timed) startTimer(ctx, timerIds.overflow(c.id), c.queuedAt + timed.seconds * 1000, { kind: 'overflow', contactId: c.id });
  const ann = q.cfg.announcements;
  if (fresh && ann.onEnqueue) announce(ctx, c, 'enqueued');
  if (ann.everySeconds > 0) startTimer(ctx, timerIds.announce(c.id), now + ann.everySeconds * 1000, { kind: 'announce', contactId: c.id });
}

/**
 * No logged-in agent of the queue could ever take this contact: the queue is unstaffed, or no
 * one staffing it has the contact's own skills. Either way the "no agents" overflow applies.
 * Scans the agents only for a contact with skills in a staffed queue.
 */
export function noAgentFor(state: AcdState, q: QueueRt, c: ContactRt): boolean {
  if (q.loggedIn === 0) return true;
  if (c.skills === undefined) return false;
  for (const a of state.agents.values()) {
    if (a.presence !== 'logged-out' && a.levels.has(q.id) && hasSkills(a, c)) return false;
  }
  return true;
}

export function firstTimedRule(q: QueueRt): { rule: OverflowRule; seconds: number } | undefined {
  let best: { rule: OverflowRule; seconds: number } | undefined;
  for (const rule of q.cfg.overflow) {
    if ('afterSeconds' in rule.when && (best === undefined || rule.when.afterSeconds < best.seconds)) {
      best = { rule, seconds: rule.when.afterSeconds };
    }
  }
  return best;
}

/** Sends a contact that is not indexed (being placed, or just taken out) to the rule's target. */
export function overflow(ctx: Ctx, c: ContactRt, rule: OverflowRule, reason: OverflowReason): void {
  const from = c.queue;
  ctx.out.push({ type: 'Overflow', contactId: c.id, fromQueueId: from.id, to: rule.to, reason });
  if ('queue' in rule.to) {
    const target = ctx.state.queues.get(rule.to.queue)!;
    c.queuedAt = ctx.now;
    c.key = contactKeyFor(target, c);
    place(ctx, c, target, true);
    return;
  }
  record(ctx, c, 'overflowed', { target: rule.to });
  dropContact(ctx, c);
}

function contactKeyFor(q: QueueRt, c: ContactRt): number {
  return q.agingPerMs * c.arrivedAt - c.priority;
}

/** Overflow of a contact that is waiting (indexed) in its queue. */
export function overflowWaiting(ctx: Ctx, c: ContactRt, rule: OverflowRule, reason: OverflowReason): void {
  leaveQueue(ctx, c);
  c.status = 'new';
  overflow(ctx, c, rule, reason);
}

/** Estimated wait: contacts ahead times recent handle time, shared by the staffed agents. */
export function estimatedWaitSeconds(q: QueueRt, position: number): number | undefined {
  if (q.loggedIn === 0) return undefined;
  return Math.ceil((position * q.ahtMs) / q.loggedIn / 1000);
}

export function announce(ctx: Ctx, c: ContactRt, kind: 'enqueued' | 'periodic'): void {
  const position = ctx.state.index.position(ctx.state, c);
  const cmd: AcdCommand = { type: 'PlayAnnouncement', contactId: c.id, queueId: c.queue.id, kind, position };
  const ewt = estimatedWaitSeconds(c.queue, position);
  if (ewt !== undefined) cmd.estimatedWaitSeconds = ewt;
  ctx.out.push(cmd);
}

export function recordAnswered(ctx: Ctx, c: ContactRt, agent: AgentRt): void {
  record(ctx, c, 'answered', { agentId: agent.id });
}

/** The contact's work with this agent is done: record, learn the handle time, free the slot. */
export function complete(ctx: Ctx, agent: AgentRt, w: Work): void {
  const { now } = ctx;
  const c = w.contact;
  const holdMs = w.holdMs + (w.phase === 'hold' ? now - w.holdSince : 0);
  const endTalk = w.wrapSince || now;
  const talkMs = Math.max(0, endTalk - w.answeredAt - holdMs);
  const wrapUpMs = w.wrapSince ? now - w.wrapSince : 0;
  const handle = talkMs + holdMs + wrapUpMs;
  record(ctx, c, 'handled', { agentId: agent.id, talkMs, holdMs, wrapUpMs, waitMs: w.answeredAt - c.arrivedAt });
  w.queue.ahtMs += AHT_ALPHA * (handle - w.queue.ahtMs);
  agent.handledToday++;
  agent.busyMsToday += handle;
  agent.idleSince = now;
  agent.work.delete(c.id);
  cancelTimer(ctx, timerIds.wrap(c.id));
  dropContact(ctx, c);
  refresh(ctx, agent);
}

/** Gives a free agent work until it has no capacity left: its sticky contacts first. */
export function dispatchAgent(ctx: Ctx, agent: AgentRt): void {
  const { state } = ctx;
  for (;;) {
    if (agent.presence !== 'ready') return;
    const sticky = agent.sticky.find((c) => canTake(agent, c.channel) && hasSkills(agent, c));
    const c = sticky ?? state.index.bestContact(state, agent, ctx.now);
    if (c === undefined) return;
    offer(ctx, c, agent);
  }
}

/** Runs after every event: dispatch freed agents, then report agents whose state changed. */
export function finish(ctx: Ctx): void {
  for (const agent of ctx.freed) dispatchAgent(ctx, agent);
  for (const agent of ctx.touched) {
    const next = deriveAgentState(agent.presence, [...agent.work.values()].map((w) => w.phase));
    if (next === agent.state) continue;
    const rec = { agentId: agent.id, at: ctx.now, from: agent.state, to: next } as const;
    agent.state = next;
    ctx.out.push({ type: 'RecordAgentState', record: next === 'not-ready' && agent.reason ? { ...rec, reason: agent.reason } : rec });
  }
}
