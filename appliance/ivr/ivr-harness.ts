// A virtual-clock driver for the pure interpreter, used by tests and the benchmark: it keeps
// the timers, playback and lookups the commands ask for, and fires timers in time order.
import type { CompiledFlow } from './flow-validation.ts';
import { compileFlow } from './flow-validation.ts';
import type { IvrCommand } from './ivr-commands.ts';
import { IvrEventSchema, type IvrEvent, type IvrEventInput } from './ivr-events.ts';
import { step } from './interpreter.ts';
import { createSession, type IvrSession, type IvrStepOptions } from './ivr-session.ts';

export interface IvrHarnessOptions extends IvrStepOptions {
  /** Virtual start time (ms since epoch). */
  now?: number;
  callId?: string;
}

export class IvrHarness {
  now: number;
  session: IvrSession;
  /** Every command, in order. */
  readonly log: IvrCommand[] = [];
  readonly timers = new Map<string, number>();
  readonly lookups = new Map<string, Extract<IvrCommand, { type: 'HttpLookup' }>['request']>();
  playing: string | null = null;
  maxStepsSeen = 0;
  readonly #options: IvrStepOptions;

  constructor(flow: CompiledFlow | unknown, options: IvrHarnessOptions = {}) {
    const compiled = isCompiled(flow) ? flow : compileFlow(flow);
    this.now = options.now ?? Date.UTC(2025, 0, 6, 2, 0); // Monday 10:00 in Asia/Shanghai
    this.session = createSession(compiled, options.callId ?? 'c1');
    this.#options = options.maxSteps === undefined ? {} : { maxSteps: options.maxSteps };
  }

  get ended(): boolean {
    return this.session.phase === 'ended';
  }

  send(input: IvrEventInput | IvrEvent): IvrCommand[] {
    const event = IvrEventSchema.parse(input);
    if (event.type === 'LookupResult' || event.type === 'LookupFailed') this.lookups.delete(event.lookupId); // answered
    if (event.type === 'PromptEnded' && event.playbackId === this.playing) this.playing = null;
    const result = step(this.session, event, this.now, this.#options);
    this.session = result.session;
    this.maxStepsSeen = Math.max(this.maxStepsSeen, result.steps);
    for (const command of result.commands) this.#apply(command);
    this.log.push(...result.commands);
    return result.commands;
  }

  start(caller = '13800138000', callee = '4008001234', variables: Record<string, string> = {}): IvrCommand[] {
    return this.send({ type: 'CallStarted', caller, callee, variables });
  }

  /** Presses each digit in turn (no time passes). */
  digits(digits: string): IvrCommand[] {
    return [...digits].flatMap((d) => this.send({ type: 'Digit', digit: d } as IvrEventInput));
  }

  /** The current playback reaches its end (nothing when nothing plays). */
  promptEnded(): IvrCommand[] {
    return this.playing === null ? [] : this.send({ type: 'PromptEnded', playbackId: this.playing });
  }

  /** Moves the clock by `ms`, firing due timers in time order. */
  advance(ms: number): IvrCommand[] {
    const until = this.now + ms;
    const out: IvrCommand[] = [];
    for (;;) {
      const due = [...this.timers].filter(([, at]) => at <= until).sort((a, b) => a[1] - b[1])[0];
      if (!due) break;
      this.now = Math.max(this.now, due[1]);
      this.timers.delete(due[0]);
      out.push(...this.send({ type: 'TimerFired', timerId: due[0] }));
    }
    this.now = until;
    return out;
  }

  /** The one pending lookup's id (throws when none or several). */
  get lookupId(): string {
    const ids = [...this.lookups.keys()];
    if (ids.length !== 1) throw new Error(`expected one pending lookup, have ${ids.length}`);
    return ids[0]!;
  }

  #apply(command: IvrCommand): void {
    switch (command.type) {
      case 'Play':
        this.playing = command.playbackId;
        break;
      case 'StopPlayback':
        if (this.playing === command.playbackId) this.playing = null;
        break;
      case 'StartTimer':
        this.timers.set(command.timerId, command.at);
        break;
      case 'CancelTimer':
        this.timers.delete(command.timerId);
        break;
      case 'HttpLookup':
        this.lookups.set(command.lookupId, command.request);
        break;
      case 'CancelLookup':
        this.lookups.delete(command.lookupId);
        break;
      default:
        break;
    }
  }
}

function isCompiled(flow: unknown): flow is CompiledFlow {
  return typeof flow === 'object' && flow !== null && (flow as { nodes?: unknown }).nodes instanceof Map;
}

/** One short line per command, for table-driven tests. */
export function summarize(command: IvrCommand): string {
  switch (command.type) {
    case 'Play':
      return `Play ${command.items.map((i) => ('tts' in i ? JSON.stringify(i.tts) : i.file)).join(' + ')}`;
    case 'StopPlayback':
      return 'StopPlayback';
    case 'StartTimer':
      return `StartTimer`;
    case 'CancelTimer':
      return 'CancelTimer';
    case 'HttpLookup':
      return `HttpLookup ${command.request.method} ${command.request.url}`;
    case 'CancelLookup':
      return 'CancelLookup';
    case 'RecordChoice':
      return `Choice ${command.choice.nodeId}=${command.choice.digits}${command.choice.label ? ` (${command.choice.label})` : ''}`;
    case 'TransferToQueue':
      return `TransferToQueue ${command.queueId} priority=${command.priority} skills=${command.skills.join(',')}`;
    case 'TransferToAgent':
      return `TransferToAgent ${command.agentId}`;
    case 'TransferToExternal':
      return `TransferToExternal ${command.number}${command.callerId ? ` as ${command.callerId}` : ''}`;
    case 'Voicemail':
      return `Voicemail ${command.box}`;
    case 'HangUp':
      return `HangUp ${command.reason}`;
    case 'FlowEnded':
      return `FlowEnded ${command.reason}`;
  }
}
