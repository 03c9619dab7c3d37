// Runs IVR sessions for live calls: real timers, HTTP lookups, and a prompt player supplied
// by the call control (SIP leg + media). The call control tells the runner what happened on
// the call (digit, prompt ended, hung up) and hears back hand-offs and the end of the flow.
import { EventEmitter } from 'node:events';
import type { PromptItem } from './flow-schema.ts';
import type { CompiledFlow } from './flow-validation.ts';
import type { CallerChoice, FlowEndReason, IvrCommand, IvrCommandOf } from './ivr-commands.ts';
import { IvrEventSchema, type IvrEvent, type IvrEventInput } from './ivr-events.ts';
import { step } from './interpreter.ts';
import { createSession, type IvrSession } from './ivr-session.ts';
import { performLookup, type HttpLookupOptions, type LookupOutcome } from './http-lookup.ts';
import type { LookupRequest } from './ivr-commands.ts';

/** What the call control implements for the runner: play prompts on the caller's leg. */
export interface IvrPromptPlayer {
  /** Play the items in order; call runner.promptEnded(callId, playbackId) at the end (or on failure). */
  play(callId: string, playbackId: string, items: PromptItem[], bargeIn: boolean): void;
  stop(callId: string, playbackId: string): void;
}

export type HandOffCommand = IvrCommandOf<'TransferToQueue' | 'TransferToAgent' | 'TransferToExternal' | 'Voicemail' | 'HangUp'>;

export interface IvrRunnerEvents {
  /** Every command the interpreter gave, after the runner acted on it (logs, CDR segments). */
  command: [callId: string, command: IvrCommand];
  choice: [callId: string, choice: CallerChoice];
  /** Transfer, voicemail or hang-up: the call control takes the call from here. */
  handOff: [callId: string, command: HandOffCommand];
  /** The session is over and forgotten; `session` is its final state. */
  ended: [callId: string, reason: FlowEndReason, session: IvrSession];
  /** An event was refused at the edge (bad digit, unknown call): nothing changed. */
  refused: [callId: string, reason: string];
}

export type LookupFunction = (request: LookupRequest, options: { signal: AbortSignal }) => Promise<LookupOutcome>;

export interface IvrRunnerOptions {
  player: IvrPromptPlayer;
  now?: () => number;
  /** Defaults to performLookup with global fetch. */
  lookup?: LookupFunction;
  fetch?: HttpLookupOptions['fetch'];
  maxSteps?: number;
}

interface Running {
  session: IvrSession;
  timers: Map<string, NodeJS.Timeout>;
  lookups: Map<string, AbortController>;
}

export class IvrSessionExistsError extends Error {
  override readonly name = 'IvrSessionExistsError';
}

/** The call data given to start() does not fit the contract (e.g. a variable name with a dot). */
export class IvrCallInvalidError extends Error {
  override readonly name = 'IvrCallInvalidError';
}

export class IvrRunner extends EventEmitter<IvrRunnerEvents> {
  readonly #sessions = new Map<string, Running>();
  readonly #player: IvrPromptPlayer;
  readonly #now: () => number;
  readonly #lookup: LookupFunction;
  readonly #maxSteps: number | undefined;

  constructor(options: IvrRunnerOptions) {
    super();
    this.#player = options.player;
    this.#now = options.now ?? Date.now;
    const fetchImpl = options.fetch;
    this.#lookup = options.lookup ?? ((request, { signal }) => performLookup(request, { signal, ...(fetchImpl ? { fetch: fetchImpl } : {}) }));
    this.#maxSteps = options.maxSteps;
  }

  get size(): number {
    return this.#sessions.size;
  }

  session(callId: string): IvrSession | undefined {
    return this.#sessions.get(callId)?.session;
  }

  /**
   * Starts `flow` for a call that has just been answered. Throws IvrSessionExistsError or
   * IvrCallInvalidError (nothing is started then).
   */
  start(callId: string, flow: CompiledFlow, call: { caller: string; callee: string; variables?: Record<string, string> }): void {
    if (this.#sessions.has(callId)) throw new IvrSessionExistsError(`call ${callId} already runs a flow`);
    if (callId === '' || callId.length > 200) throw new IvrCallInvalidError('a call id must be 1-200 characters');
    const started = IvrEventSchema.safeParse({ type: 'CallStarted', caller: call.caller, callee: call.callee, variables: call.variables ?? {} });
    if (!started.success) {
      const issue = started.error.issues[0];
      throw new IvrCallInvalidError(`call ${callId}: ${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`);
    }
    const running: Running = { session: createSession(flow, callId), timers: new Map(), lookups: new Map() };
    this.#sessions.set(callId, running);
    this.#step(callId, running, started.data);
  }

  /** A DTMF digit from the caller (RFC 4733 or SIP INFO). */
  digit(callId: string, digit: string): void {
    this.#deliver(callId, { type: 'Digit', digit } as IvrEventInput);
  }

  promptEnded(callId: string, playbackId: string): void {
    this.#deliver(callId, { type: 'PromptEnded', playbackId });
  }

  hungUp(callId: string): void {
    this.#deliver(callId, { type: 'CallerHungUp' });
  }

  /** Drops every session without events (shutdown): timers cleared, lookups aborted. */
  close(): void {
    for (const callId of [...this.#sessions.keys()]) this.#forget(callId);
  }

  #deliver(callId: string, input: IvrEventInput): void {
    const running = this.#sessions.get(callId);
    if (!running) {
      this.emit('refused', callId, `no flow runs for call ${callId}`);
      return;
    }
    const parsed = IvrEventSchema.safeParse(input);
    if (!parsed.success) {
      this.emit('refused', callId, `bad ${input.type} event: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
      return;
    }
    this.#step(callId, running, parsed.data);
  }

  #step(callId: string, running: Running, event: IvrEvent): void {
    const result = step(running.session, event, this.#now(), this.#maxSteps === undefined ? {} : { maxSteps: this.#maxSteps });
    running.session = result.session;
    for (const command of result.commands) this.#act(callId, running, command);
  }

  #act(callId: string, running: Running, command: IvrCommand): void {
    switch (command.type) {
      case 'Play':
        this.#player.play(callId, command.playbackId, command.items, command.bargeIn);
        break;
      case 'StopPlayback':
        this.#player.stop(callId, command.playbackId);
        break;
      case 'StartTimer': {
        const delay = Math.max(0, command.at - this.#now());
        const handle = setTimeout(() => {
          running.timers.delete(command.timerId);
          if (this.#sessions.get(callId) === running) this.#step(callId, running, { type: 'TimerFired', timerId: command.timerId });
        }, delay);
        running.timers.set(command.timerId, handle);
        break;
      }
      case 'CancelTimer':
        clearTimeout(running.timers.get(command.timerId));
        running.timers.delete(command.timerId);
        break;
      case 'HttpLookup':
        this.#startLookup(callId, running, command);
        break;
      case 'CancelLookup':
        running.lookups.get(command.lookupId)?.abort();
        running.lookups.delete(command.lookupId);
        break;
      case 'RecordChoice':
        this.emit('choice', callId, command.choice);
        break;
      case 'FlowEnded':
        this.#forget(callId);
        this.emit('command', callId, command);
        this.emit('ended', callId, command.reason, running.session);
        return;
      default:
        this.emit('handOff', callId, command);
        break;
    }
    this.emit('command', callId, command);
  }

  #startLookup(callId: string, running: Running, command: IvrCommandOf<'HttpLookup'>): void {
    const controller = new AbortController();
    running.lookups.set(command.lookupId, controller);
    const finish = (outcome: LookupOutcome): void => {
      if (outcome.ok === false && outcome.reason === 'cancelled') return;
      if (running.lookups.get(command.lookupId) !== controller || this.#sessions.get(callId) !== running) return;
      running.lookups.delete(command.lookupId);
      this.#step(
        callId,
        running,
        outcome.ok
          ? { type: 'LookupResult', lookupId: command.lookupId, variables: outcome.variables }
          : { type: 'LookupFailed', lookupId: command.lookupId, reason: outcome.reason, detail: outcome.detail.slice(0, 500) },
      );
    };
    this.#lookup(command.request, { signal: controller.signal }).then(finish, (error: unknown) =>
      finish({ ok: false, reason: 'network', detail: error instanceof Error ? error.message : String(error) }),
    );
  }

  #forget(callId: string): void {
    const running = this.#sessions.get(callId);
    if (!running) return;
    this.#sessions.delete(callId);
    for (const handle of running.timers.values()) clearTimeout(handle);
    for (const controller of running.lookups.values()) controller.abort();
  }
}
