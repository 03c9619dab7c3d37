// The G.711 mixer for three-way calls and supervisor listen/whisper/barge. Who hears whom is
// a matrix (listener -> sources) built from one table per mode; each 20 ms tick decodes every
// participant's frame once, sums the sources of each listener in 32 bits, saturates to 16
// bits and encodes once per listener. A listener with a single source gets that source's
// bytes untouched (no requantisation). Pure.
import { G711_SILENCE, clip16, decodeG711, encodeG711, type G711Codec } from './g711.ts';

export type MixMode = 'three-way' | 'barge' | 'whisper' | 'listen';
export type PartyRole = 'caller' | 'agent' | 'supervisor';

/** listener id -> ids of the participants it hears. */
export type HearingMatrix = ReadonlyMap<string, readonly string[]>;

/**
 * Who each role hears in each supervisor mode. Listen: the supervisor hears both, nobody
 * hears the supervisor. Whisper: the agent hears the supervisor, the caller does not. Barge:
 * all hear all.
 */
const SUPERVISOR_MODES: Readonly<Record<Exclude<MixMode, 'three-way'>, Readonly<Record<PartyRole, readonly PartyRole[]>>>> = {
  listen: { caller: ['agent'], agent: ['caller'], supervisor: ['caller', 'agent'] },
  whisper: { caller: ['agent'], agent: ['caller', 'supervisor'], supervisor: ['caller', 'agent'] },
  barge: { caller: ['agent', 'supervisor'], agent: ['caller', 'supervisor'], supervisor: ['caller', 'agent'] },
};

/** The matrix of a supervised call: participants by role (several supervisors may join). */
export function supervisorMatrix(mode: Exclude<MixMode, 'three-way'>, parties: { caller: string; agent: string; supervisors: readonly string[] }): HearingMatrix {
  const table = SUPERVISOR_MODES[mode];
  const idsOf = (role: PartyRole): readonly string[] => (role === 'caller' ? [parties.caller] : role === 'agent' ? [parties.agent] : parties.supervisors);
  const matrix = new Map<string, string[]>();
  for (const role of ['caller', 'agent', 'supervisor'] as const) {
    for (const listener of idsOf(role)) {
      const sources = table[role].flatMap(idsOf).filter((id) => id !== listener);
      // supervisors who may speak into the call hear each other too
      if (role === 'supervisor' && mode !== 'listen') sources.push(...parties.supervisors.filter((s) => s !== listener));
      matrix.set(listener, sources);
    }
  }
  return matrix;
}

/** A conference (three-way call or more): everyone hears everyone else. */
export function conferenceMatrix(participants: readonly string[]): HearingMatrix {
  return new Map(participants.map((p) => [p, participants.filter((q) => q !== p)]));
}

export function matrixFor(mode: MixMode, parties: { caller: string; agent: string; supervisors: readonly string[] }): HearingMatrix {
  if (mode === 'three-way') return conferenceMatrix([parties.caller, parties.agent, ...parties.supervisors]);
  return supervisorMatrix(mode, parties);
}

/**
 * Sums the frames each listener hears. Absent frames are silence; every output has
 * `frameSize` samples, saturated to 16 bits.
 */
export function mixPcm(frames: ReadonlyMap<string, Int16Array>, matrix: HearingMatrix, frameSize = 160): Map<string, Int16Array> {
  const out = new Map<string, Int16Array>();
  const acc = new Int32Array(frameSize);
  for (const [listener, sources] of matrix) {
    acc.fill(0);
    for (const source of sources) {
      const f = frames.get(source);
      if (!f) continue;
      const n = Math.min(frameSize, f.length);
      for (let i = 0; i < n; i++) acc[i]! += f[i]!;
    }
    const mixed = new Int16Array(frameSize);
    for (let i = 0; i < frameSize; i++) mixed[i] = clip16(acc[i]!);
    out.set(listener, mixed);
  }
  return out;
}

/**
 * One tick of the G.711 mixer: payloads of this 20 ms by participant in, payload per
 * listener out. Listeners hearing one present source get its bytes as they came; listeners
 * hearing nobody present get a silent frame.
 */
export function mixG711(codec: G711Codec, payloads: ReadonlyMap<string, Uint8Array>, matrix: HearingMatrix, frameSize = 160): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  const decoded = new Map<string, Int16Array>();
  const decode = (id: string): Int16Array | undefined => {
    let pcm = decoded.get(id);
    if (!pcm) {
      const bytes = payloads.get(id);
      if (!bytes) return undefined;
      pcm = decodeG711(codec, bytes);
      decoded.set(id, pcm);
    }
    return pcm;
  };
  const acc = new Int32Array(frameSize);
  for (const [listener, sources] of matrix) {
    const present = sources.filter((s) => payloads.has(s));
    if (present.length === 0) {
      out.set(listener, new Uint8Array(frameSize).fill(G711_SILENCE[codec]));
      continue;
    }
    if (present.length === 1) {
      out.set(listener, payloads.get(present[0]!)!);
      continue;
    }
    acc.fill(0);
    for (const source of present) {
      const pcm = decode(source)!;
      const n = Math.min(frameSize, pcm.length);
      for (let i = 0; i < n; i++) acc[i]! += pcm[i]!;
    }
    out.set(listener, encodeG711(codec, acc));
  }
  return out;
}
