// Voicemail on a call: the caller hears the box's greeting and a beep, then is recorded
// (through the media session's recorder, so the WAV is durable before its recording row) until
// they hang up, press #, or the box's longest message is reached; the message row goes into the
// voicemail store once the recording is committed. Reached from an IVR `voicemail` node or an
// ACD overflow to voicemail; the call core's `voicemail` phase gives the CDR its segment and
// the end reason 'voicemail'.
import type { Logger } from '../log/logger.ts';
import type { MediaSession } from '../media/media-session.ts';
import type { PlayItem } from '../media/prompt-library.ts';
import type { RecordingRow } from '../media/recording-store.ts';
import { resolveBox, type VoicemailBox, type VoicemailSection } from '../voicemail/voicemail-config.ts';
import type { VoicemailStore } from '../voicemail/voicemail-store.ts';
import type { CallCoreEvent } from './call-core.ts';
import type { LiveCall } from './live-call.ts';

export const DEFAULT_GREETING: readonly PlayItem[] = [
  { tts: '请在提示音后留言。', language: 'zh-CN' },
  { tts: 'Please leave a message after the tone.', language: 'en-US' },
];

/** The beep: half a second of the national dial tone (a steady tone in every plan). */
export const BEEP: readonly PlayItem[] = [{ silenceMs: 200 }, { tone: 'dial', durationMs: 500 }];

/** The digit that ends a message early. */
export const END_DIGIT = '#';

export interface VoicemailDeps {
  /** Absent: voicemail is not available and the call is released. */
  store?: VoicemailStore | undefined;
  section: () => VoicemailSection | undefined;
  step: (call: LiveCall, event: CallCoreEvent) => boolean;
  log: Logger;
  warn: (error: Error) => void;
}

/** What the caller hears before the beep: the flow's greeting, else the box's text, else the default (pure). */
export function greetingItems(box: VoicemailBox, flowGreeting: readonly PlayItem[] | undefined): PlayItem[] {
  const greeting = flowGreeting?.length ? [...flowGreeting]
    : box.greeting ? [{ tts: box.greeting, ...(box.language ? { language: box.language } : {}) }]
      : [...DEFAULT_GREETING];
  return [...greeting, ...BEEP];
}

/** The recording a message keeps: mono when recorded so, else the first layout (pure). */
export function messageRecording(rows: readonly RecordingRow[]): RecordingRow | undefined {
  return rows.find((r) => r.layout === 'mono') ?? rows[0];
}

/** Takes the call into a voicemail box; the call is released when that cannot be done. */
export function startVoicemail(deps: VoicemailDeps, call: LiveCall, boxId: string, flowGreeting?: readonly PlayItem[]): void {
  const decision = resolveBox(deps.section(), boxId);
  const session = call.session;
  if (!deps.store || !decision.ok || !session || session.closed) {
    deps.log.warn('voicemail not available; hanging up', { callId: call.id, box: boxId, reason: decision.ok ? 'no store or media' : decision.reason });
    return call.caller.session.bye();
  }
  if (!deps.step(call, { type: 'VoicemailStarted', box: boxId })) return call.caller.session.bye();
  const store = deps.store;
  const playbackId = `voicemail-greeting-${call.id}`;
  let recording = false;
  let timer: NodeJS.Timeout | undefined;
  let stopping = false;

  const finish = () => {
    if (stopping) return;
    stopping = true;
    if (timer) clearTimeout(timer);
    // the recording is committed first, then the caller is released
    void session.stopRecording().catch((e: Error) => deps.warn(e)).finally(() => call.caller.session.bye());
  };
  const onPromptEnded = (legId: string, id: string) => {
    if (legId !== call.id || id !== playbackId || recording || call.record.phase !== 'voicemail' || session.closed) return;
    recording = true;
    // the pending row first: a crash while recording still leaves a message (store.reconcile)
    const pending = { callId: call.id, box: boxId, caller: call.record.customer, did: call.record.did, startedAt: Date.now() };
    void store.begin(pending).then(() => {
      if (session.closed) throw new Error('the caller hung up before the recording started');
      return session.startRecording({ caller: call.id });
    }).then(() => {
      timer = setTimeout(finish, decision.maxSeconds * 1000);
      timer.unref();
    }).catch((e: Error) => {
      deps.warn(e);
      void store.abandon(call.id).catch(() => undefined);
      call.caller.session.bye();
    });
  };
  const onDigit = (legId: string, digit: string) => {
    if (legId === call.id && digit === END_DIGIT && recording) finish();
  };
  const onFinished = (rows: RecordingRow[]) => {
    const row = messageRecording(rows);
    if (!row || !recording) return;
    void store.put({
      id: row.id, box: boxId, callId: call.id, caller: call.record.customer, did: call.record.did, receivedAt: row.startedAt,
      durationMs: row.durationMs, recordingId: row.id, path: row.path,
    }).then(() => deps.log.info('voicemail message stored', { callId: call.id, box: boxId, durationMs: row.durationMs }), (e: Error) => deps.warn(e));
  };
  const cleanUp = () => {
    if (timer) clearTimeout(timer);
    session.off('prompt-ended', onPromptEnded);
    session.off('digit', onDigit);
    session.off('recording-finished', onFinished);
  };
  session.on('prompt-ended', onPromptEnded);
  session.on('digit', onDigit);
  session.on('recording-finished', onFinished);
  session.once('closed', () => setImmediate(cleanUp));
  play(deps, session, call.id, playbackId, greetingItems(decision.box, flowGreeting));
}

function play(deps: VoicemailDeps, session: MediaSession, legId: string, playbackId: string, items: PlayItem[]): void {
  // music on hold (an overflow from a queue) and any announcement stop before the greeting
  void session.setBackground(legId, undefined)
    .then(() => session.stopPlayback(legId))
    .then(() => session.play(legId, playbackId, items))
    .catch((e: Error) => deps.warn(e));
}
