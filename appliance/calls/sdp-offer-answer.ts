// SDP offer/answer (RFC 3264) for the G.711 legs the appliance bridges: PCMU/PCMA and
// telephone-event (RFC 4733). Pure: parse with sdp-transform, decide, write the answer.
import { parse, write, type SessionDescription } from 'sdp-transform';

export type Direction = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';
export type G711 = 'PCMU' | 'PCMA';

export interface LocalMedia {
  ip: string;
  port: number;
  /** Codecs in order of preference. */
  codecs?: G711[];
  sessionId?: number;
  sessionVersion?: number;
}

/** What the media plane needs to send to and receive from the peer. */
export interface NegotiatedMedia {
  remoteIp: string;
  remotePort: number;
  codec: G711;
  payloadType: number;
  telephoneEvent?: number;
  /** Our direction as written in the answer. */
  direction: Direction;
  ptime?: number;
}

export type NegotiationResult =
  | { ok: true; answer: string; media: NegotiatedMedia }
  | { ok: false; status: 488; reason: string };

const staticPt: Record<G711, number> = { PCMU: 0, PCMA: 8 };

/** RFC 3264 §6.1: the answer's direction mirrors the offer's. */
export function answerDirection(offered: Direction): Direction {
  return offered === 'sendonly' ? 'recvonly' : offered === 'recvonly' ? 'sendonly' : offered;
}

function mediaDirection(sdp: SessionDescription, m: SessionDescription['media'][number]): Direction {
  return (m.direction ?? (sdp as { direction?: Direction }).direction ?? 'sendrecv') as Direction;
}

export function negotiate(offer: string, local: LocalMedia): NegotiationResult {
  let sdp: SessionDescription;
  try {
    sdp = parse(offer);
  } catch {
    return { ok: false, status: 488, reason: 'unparseable SDP' };
  }
  const audio = sdp.media.find((m) => m.type === 'audio' && m.port !== 0);
  if (!audio) return { ok: false, status: 488, reason: 'no audio stream' };
  const offeredPts = String(audio.payloads ?? '').split(/\s+/).map(Number).filter((n) => Number.isInteger(n));
  const nameOf = (pt: number) => audio.rtp.find((r) => r.payload === pt)?.codec.toUpperCase() ?? (pt === 0 ? 'PCMU' : pt === 8 ? 'PCMA' : '');
  let chosen: { codec: G711; pt: number } | undefined;
  for (const codec of local.codecs ?? ['PCMU', 'PCMA']) {
    const pt = offeredPts.find((p) => nameOf(p) === codec);
    if (pt !== undefined) {
      chosen = { codec, pt };
      break;
    }
  }
  if (!chosen) return { ok: false, status: 488, reason: 'no common codec (PCMU/PCMA)' };
  const te = audio.rtp.find((r) => r.codec.toLowerCase() === 'telephone-event' && r.rate === 8000 && offeredPts.includes(r.payload));
  const remoteIp = audio.connection?.ip ?? sdp.connection?.ip ?? '0.0.0.0';
  const offeredDir = remoteIp === '0.0.0.0' ? 'sendonly' : mediaDirection(sdp, audio);
  const direction = answerDirection(offeredDir);
  const media: NegotiatedMedia = { remoteIp, remotePort: audio.port, codec: chosen.codec, payloadType: chosen.pt, direction };
  if (te) media.telephoneEvent = te.payload;
  if (audio.ptime) media.ptime = audio.ptime;
  const answer = buildSdp(local, [{ codec: chosen.codec, pt: chosen.pt }], te?.payload, direction);
  return { ok: true, answer, media };
}

/** An offer of our own (outbound legs, re-INVITE for hold with direction sendonly). */
export function createOffer(local: LocalMedia, direction: Direction = 'sendrecv', telephoneEvent = 101): string {
  const codecs = (local.codecs ?? ['PCMU', 'PCMA']).map((c) => ({ codec: c, pt: staticPt[c] }));
  return buildSdp(local, codecs, telephoneEvent, direction);
}

/** Reads what a peer answered to our offer. */
export function readAnswer(answer: string): NegotiatedMedia | undefined {
  const r = negotiate(answer, { ip: '0.0.0.0', port: 0 });
  // answering the peer's answer mirrors its direction back, which is exactly our own direction
  return r.ok ? r.media : undefined;
}

function buildSdp(local: LocalMedia, codecs: { codec: G711; pt: number }[], telephoneEvent: number | undefined, direction: Direction): string {
  const pts = codecs.map((c) => c.pt);
  const rtp: { payload: number; codec: string; rate: number }[] = codecs.map((c) => ({ payload: c.pt, codec: c.codec, rate: 8000 }));
  const fmtp: { payload: number; config: string }[] = [];
  if (telephoneEvent !== undefined) {
    pts.push(telephoneEvent);
    rtp.push({ payload: telephoneEvent, codec: 'telephone-event', rate: 8000 });
    fmtp.push({ payload: telephoneEvent, config: '0-15' });
  }
  const ipVer = local.ip.includes(':') ? 6 : 4;
  const sdp: SessionDescription = {
    version: 0,
    origin: { username: 'cc', sessionId: local.sessionId ?? 1, sessionVersion: local.sessionVersion ?? 1, netType: 'IN', ipVer, address: local.ip },
    name: 'cc',
    connection: { version: ipVer, ip: local.ip },
    timing: { start: 0, stop: 0 },
    media: [{ type: 'audio', port: local.port, protocol: 'RTP/AVP', payloads: pts.join(' '), rtp, fmtp, direction, ptime: 20 }],
  };
  return write(sdp).replace(/\r?\n/g, '\r\n');
}
