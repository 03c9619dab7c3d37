// The IVR interpreter: a pure function from (session, event, now) to a new session and
// commands. Transitions are in one table (phase × event); entering nodes is in enterNode.
// Every node entry counts as a step; more than maxSteps in one event stops the session.
import type { FlowNode, NodeOf } from './flow-schema.ts';
import type { IvrCommand } from './ivr-commands.ts';
import type { IvrEvent, IvrEventOf, IvrEventType } from './ivr-events.ts';
import { DEFAULT_MAX_STEPS, MAX_VALUE_LENGTH, StepContext, type IvrPhase, type IvrSession, type IvrStepOptions, type IvrStepResult } from './ivr-session.ts';
import { enterInput, inputDigit, inputTimeout, promptDigit, promptEnded, type InputNode } from './digit-input.ts';
import { evaluatePredicate } from './predicates.ts';
import { renderPrompt } from './prompts.ts';
import { jsonStringContent, renderTemplate } from './templates.ts';

/** A handler returns a reason when the event does not apply (stale id): nothing changes then. */
type Handler<E extends IvrEventType> = (ctx: StepContext, event: IvrEventOf<E>) => string | void;
type PhaseTable = { [E in IvrEventType]?: Handler<E> };

const hungUp: Handler<'CallerHungUp'> = (ctx) => ctx.end('caller-hung-up');

const TRANSITIONS: Record<IvrPhase, PhaseTable> = {
  idle: {
    CallStarted: start,
  },
  playing: {
    Digit: (ctx, e) => {
      const node = ctx.node as NodeOf<'play'>;
      ctx.bufferDigit(e.digit); // with barge-in the digit stops the prompt and is read by the next node
      if (node.bargeIn) ctx.goto(node.next);
    },
    PromptEnded: (ctx, e) => {
      if (e.playbackId !== ctx.s.playbackId) return `playback ${e.playbackId} is not playing`;
      ctx.s.playbackId = null;
      ctx.goto((ctx.node as NodeOf<'play'>).next);
    },
    CallerHungUp: hungUp,
  },
  prompting: {
    Digit: (ctx, e) => promptDigit(ctx, ctx.node as InputNode, e.digit),
    PromptEnded: (ctx, e) => {
      if (e.playbackId !== ctx.s.playbackId) return `playback ${e.playbackId} is not playing`;
      promptEnded(ctx, ctx.node as InputNode);
    },
    CallerHungUp: hungUp,
  },
  input: {
    Digit: (ctx, e) => inputDigit(ctx, ctx.node as InputNode, e.digit),
    TimerFired: (ctx, e) => {
      if (e.timerId !== ctx.s.timerId) return `timer ${e.timerId} is not running`;
      inputTimeout(ctx, ctx.node as InputNode);
    },
    CallerHungUp: hungUp,
  },
  lookup: {
    Digit: (ctx, e) => ctx.bufferDigit(e.digit),
    PromptEnded: (ctx, e) => {
      if (e.playbackId !== ctx.s.playbackId) return `playback ${e.playbackId} is not playing`;
      ctx.s.playbackId = null; // the hold prompt is over; keep waiting for the answer
    },
    TimerFired: (ctx, e) => {
      if (e.timerId !== ctx.s.timerId) return `timer ${e.timerId} is not running`;
      ctx.s.timerId = null;
      ctx.goto((ctx.node as NodeOf<'lookup'>).onTimeout);
    },
    LookupResult: (ctx, e) => {
      if (e.lookupId !== ctx.s.lookupId) return `lookup ${e.lookupId} is not pending`;
      ctx.s.lookupId = null;
      const node = ctx.node as NodeOf<'lookup'>;
      for (const name of Object.keys(node.map)) {
        if (Object.hasOwn(e.variables, name)) ctx.s.variables[name] = e.variables[name]!.slice(0, MAX_VALUE_LENGTH);
      }
      ctx.goto(node.onSuccess);
    },
    LookupFailed: (ctx, e) => {
      if (e.lookupId !== ctx.s.lookupId) return `lookup ${e.lookupId} is not pending`;
      ctx.s.lookupId = null;
      const node = ctx.node as NodeOf<'lookup'>;
      ctx.goto(e.reason === 'timeout' ? node.onTimeout : node.onFailure);
    },
    CallerHungUp: hungUp,
  },
  ended: {},
};

function start(ctx: StepContext, e: IvrEventOf<'CallStarted'>): void {
  const { flow } = ctx.s.compiled;
  ctx.s.variables = { ...flow.variables, ...e.variables, caller: e.caller, callee: e.callee, callId: ctx.s.callId };
  ctx.s.startedAt = ctx.now;
  ctx.pending = flow.entry;
}

/**
 * Handles one event. The returned session replaces the given one (which is not modified).
 * Events that do not fit (a stale timer, anything after the end) are ignored with a reason.
 */
export function step(session: IvrSession, event: IvrEvent, now: number, options: IvrStepOptions = {}): IvrStepResult {
  const handler = TRANSITIONS[session.phase][event.type] as Handler<IvrEventType> | undefined;
  if (!handler) return { session, commands: [], steps: 0, ignored: `${event.type} does not apply while ${session.phase}` };
  const ctx = new StepContext(session, now, options.maxSteps ?? DEFAULT_MAX_STEPS);
  const ignored = handler(ctx, event);
  if (typeof ignored === 'string') return { session, commands: [], steps: 0, ignored };
  while (ctx.pending !== null) {
    const id = ctx.pending;
    ctx.pending = null;
    ctx.steps += 1;
    if (ctx.steps > ctx.maxSteps) {
      ctx.end('step-limit', { type: 'HangUp', reason: `more than ${ctx.maxSteps} nodes entered for one event` });
      break;
    }
    enterNode(ctx, ctx.s.compiled.nodes.get(id)!);
  }
  return { session: ctx.freeze(), commands: ctx.out, steps: ctx.steps };
}

function enterNode(ctx: StepContext, node: FlowNode): void {
  ctx.s.nodeId = node.id;
  const vars = ctx.s.variables;
  switch (node.type) {
    case 'play':
      ctx.s.phase = 'playing';
      ctx.s.playbackId = ctx.nextId('p');
      ctx.emit({ type: 'Play', playbackId: ctx.s.playbackId, items: renderPrompt(node.prompt, vars), bargeIn: node.bargeIn });
      return;
    case 'menu':
    case 'collect':
      enterInput(ctx, node);
      return;
    case 'condition': {
      const rule = node.rules.find((r) => evaluatePredicate(r.when, vars, ctx.s.compiled.flow, ctx.now));
      ctx.pending = rule ? rule.next : node.otherwise;
      return;
    }
    case 'set':
      // In order, so a later assignment can use an earlier one.
      for (const [name, template] of Object.entries(node.assign)) vars[name] = renderTemplate(template, vars).slice(0, MAX_VALUE_LENGTH);
      ctx.pending = node.next;
      return;
    case 'lookup':
      enterLookup(ctx, node);
      return;
    default:
      enterEnding(ctx, node);
  }
}

function enterLookup(ctx: StepContext, node: NodeOf<'lookup'>): void {
  const vars = ctx.s.variables;
  ctx.s.phase = 'lookup';
  ctx.s.lookupId = ctx.nextId('l');
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(node.headers)) headers[name] = renderTemplate(value, vars);
  ctx.emit({
    type: 'HttpLookup',
    lookupId: ctx.s.lookupId,
    request: {
      method: node.method,
      url: renderTemplate(node.url, vars, encodeURIComponent),
      headers,
      ...(node.body !== undefined ? { body: renderTemplate(node.body, vars, jsonStringContent) } : {}),
      timeoutMs: node.timeoutMs,
      map: { ...node.map },
      required: [...node.required],
    },
  });
  ctx.startTimer(node.timeoutMs);
  if (node.holdPrompt) {
    ctx.s.playbackId = ctx.nextId('p');
    ctx.emit({ type: 'Play', playbackId: ctx.s.playbackId, items: renderPrompt(node.holdPrompt, vars), bargeIn: false });
  }
}

type EndingNode = NodeOf<'queue'> | NodeOf<'agent'> | NodeOf<'external'> | NodeOf<'voicemail'> | NodeOf<'hangup'>;

function enterEnding(ctx: StepContext, node: EndingNode): void {
  const vars = ctx.s.variables;
  const context = () => ({ variables: { ...vars }, choices: [...ctx.s.choices] });
  let target = '';
  let handOff: IvrCommand;
  switch (node.type) {
    case 'queue': {
      ctx.end('transferred-to-queue', { type: 'TransferToQueue', queueId: node.queue, priority: priorityOf(node, vars), skills: skillsOf(node, vars), ...context() });
      return;
    }
    case 'hangup':
      ctx.end('hung-up', { type: 'HangUp', reason: node.reason ?? 'flow' });
      return;
    case 'agent':
      target = renderTemplate(node.agent, vars).trim();
      handOff = { type: 'TransferToAgent', agentId: target, ...context() };
      break;
    case 'external': {
      target = renderTemplate(node.number, vars).trim();
      const callerId = node.callerId === undefined ? '' : renderTemplate(node.callerId, vars).trim();
      handOff = { type: 'TransferToExternal', number: target, ...(callerId !== '' ? { callerId } : {}), ...context() };
      break;
    }
    case 'voicemail':
      target = renderTemplate(node.box, vars).trim();
      handOff = { type: 'Voicemail', box: target, ...(node.greeting ? { greeting: renderPrompt(node.greeting, vars) } : {}), ...context() };
      break;
  }
  if (target !== '') {
    ctx.end(node.type === 'agent' ? 'transferred-to-agent' : node.type === 'external' ? 'transferred-external' : 'voicemail', handOff);
  } else if (node.ifEmpty !== undefined) {
    ctx.pending = node.ifEmpty;
  } else {
    ctx.end('hung-up', { type: 'HangUp', reason: `node ${node.id}: the ${node.type} target is empty` });
  }
}

function priorityOf(node: NodeOf<'queue'>, vars: Readonly<Record<string, string>>): number {
  const raw = node.priorityVariable === undefined ? undefined : vars[node.priorityVariable]?.trim();
  if (raw === undefined || !/^[+-]?\d{1,6}$/.test(raw)) return node.priority;
  return Math.max(-1000, Math.min(1000, Number(raw)));
}

function skillsOf(node: NodeOf<'queue'>, vars: Readonly<Record<string, string>>): string[] {
  const extra = node.skillsVariable === undefined ? [] : (vars[node.skillsVariable] ?? '').split(',');
  const skills = [...node.skills, ...extra.map((s) => s.trim()).filter((s) => s !== '' && s.length <= 64)];
  return [...new Set(skills)].slice(0, 20);
}
