// The state of one call in a flow, and the small mutable context one `step` works in.
import type { CompiledFlow } from './flow-validation.ts';
import type { FlowNode } from './flow-schema.ts';
import type { CallerChoice, FlowEndReason, IvrCommand } from './ivr-commands.ts';

/**
 * idle: before CallStarted. playing: a play node's prompt. prompting: a menu/collect prompt.
 * input: a menu/collect waits for digits. lookup: waiting for an HTTP lookup. ended: over.
 */
export type IvrPhase = 'idle' | 'playing' | 'prompting' | 'input' | 'lookup' | 'ended';

export interface IvrSession {
  /** The validated flow; shared and never mutated. */
  readonly compiled: CompiledFlow;
  readonly callId: string;
  readonly phase: IvrPhase;
  readonly nodeId: string | null;
  readonly variables: Readonly<Record<string, string>>;
  /** Type-ahead: digits pressed while nothing was reading them (see README). */
  readonly buffer: string;
  /** Digits of the current menu/collect entry. */
  readonly input: string;
  /** Failed entries (invalid or no input) at the current menu/collect node. */
  readonly attempts: number;
  readonly playbackId: string | null;
  readonly timerId: string | null;
  readonly lookupId: string | null;
  /** Makes playback, timer and lookup ids unique within the session. */
  readonly seq: number;
  readonly choices: readonly CallerChoice[];
  readonly startedAt: number | null;
  readonly endReason: FlowEndReason | null;
}

export interface IvrStepOptions {
  /** Node entries allowed for one event before the session is stopped (default 10,000). */
  maxSteps?: number;
}

export interface IvrStepResult {
  session: IvrSession;
  commands: IvrCommand[];
  /** Nodes entered while handling the event. */
  steps: number;
  /** Set when the event did not fit the session (stale id, after the end): nothing changed. */
  ignored?: string;
}

export const DEFAULT_MAX_STEPS = 10_000;
/** Type-ahead kept per call; more is dropped (a caller leaning on a key). */
export const MAX_TYPE_AHEAD = 32;
/** Longest variable value kept; longer values are cut. */
export const MAX_VALUE_LENGTH = 1000;

export function createSession(compiled: CompiledFlow, callId: string): IvrSession {
  return {
    compiled,
    callId,
    phase: 'idle',
    nodeId: null,
    variables: {},
    buffer: '',
    input: '',
    attempts: 0,
    playbackId: null,
    timerId: null,
    lookupId: null,
    seq: 0,
    choices: [],
    startedAt: null,
    endReason: null,
  };
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
export type WorkingSession = Mutable<Omit<IvrSession, 'variables' | 'choices'>> & { variables: Record<string, string>; choices: CallerChoice[] };

/** One step's working copy of the session, its output and its step count. */
export class StepContext {
  readonly s: WorkingSession;
  readonly out: IvrCommand[] = [];
  steps = 0;
  /** The node to enter next; the driver loop in step() enters it (no recursion). */
  pending: string | null = null;

  constructor(
    session: IvrSession,
    readonly now: number,
    readonly maxSteps: number,
  ) {
    this.s = { ...session, variables: { ...session.variables }, choices: [...session.choices] };
  }

  get node(): FlowNode {
    const node = this.s.nodeId === null ? undefined : this.s.compiled.nodes.get(this.s.nodeId);
    if (!node) throw new Error(`IVR session ${this.s.callId} is at no node`); // cannot happen in a running session
    return node;
  }

  nextId(kind: 'p' | 't' | 'l'): string {
    this.s.seq += 1;
    return `${this.s.callId}/${kind}${this.s.seq}`;
  }

  emit(command: IvrCommand): void {
    this.out.push(command);
  }

  startTimer(ms: number): void {
    this.cancelTimer();
    this.s.timerId = this.nextId('t');
    this.emit({ type: 'StartTimer', timerId: this.s.timerId, at: this.now + ms });
  }

  cancelTimer(): void {
    if (this.s.timerId === null) return;
    this.emit({ type: 'CancelTimer', timerId: this.s.timerId });
    this.s.timerId = null;
  }

  stopPlayback(): void {
    if (this.s.playbackId === null) return;
    this.emit({ type: 'StopPlayback', playbackId: this.s.playbackId });
    this.s.playbackId = null;
  }

  /** Stops whatever the current node started: playback, timer, lookup. */
  leave(): void {
    this.stopPlayback();
    this.cancelTimer();
    if (this.s.lookupId !== null) {
      this.emit({ type: 'CancelLookup', lookupId: this.s.lookupId });
      this.s.lookupId = null;
    }
    this.s.input = '';
  }

  goto(nodeId: string): void {
    this.leave();
    this.pending = nodeId;
  }

  bufferDigit(digit: string): void {
    if (this.s.buffer.length < MAX_TYPE_AHEAD) this.s.buffer += digit;
  }

  /** Ends the session: the hand-off (if any), then FlowEnded, and nothing after. */
  end(reason: FlowEndReason, handOff?: IvrCommand): void {
    this.leave();
    this.pending = null;
    if (handOff) this.emit(handOff);
    this.emit({ type: 'FlowEnded', reason, nodeId: this.s.nodeId });
    this.s.phase = 'ended';
    this.s.endReason = reason;
  }

  freeze(): IvrSession {
    return this.s;
  }
}
