// RTP fixed header (RFC 3550 §5.1): parse and write. Pure; payload views share the input buffer.

export interface RtpPacket {
  payloadType: number;
  marker: boolean;
  sequenceNumber: number;
  timestamp: number;
  ssrc: number;
  payload: Uint8Array;
  csrcs?: number[];
}

export type RtpParseResult = { ok: true; packet: RtpPacket } | { ok: false; reason: string };

const HEADER = 12;

/** Parses one RTP packet; header extensions and padding (§5.3.1, §5.1 P bit) are skipped. */
export function parseRtp(data: Uint8Array): RtpParseResult {
  if (data.length < HEADER) return { ok: false, reason: `${data.length} bytes is shorter than the RTP header` };
  const b0 = data[0]!;
  if (b0 >> 6 !== 2) return { ok: false, reason: `RTP version ${b0 >> 6}, expected 2` };
  const b1 = data[1]!;
  // RFC 5761 §4: payload types 64-95 with the marker set are RTCP packet types on a muxed port.
  if ((b1 & 0x7f) >= 64 && (b1 & 0x7f) <= 95) return { ok: false, reason: 'RTCP packet' };
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const csrcCount = b0 & 0x0f;
  let offset = HEADER + 4 * csrcCount;
  if (data.length < offset) return { ok: false, reason: 'truncated CSRC list' };
  const csrcs: number[] = [];
  for (let i = 0; i < csrcCount; i++) csrcs.push(view.getUint32(HEADER + 4 * i));
  if (b0 & 0x10) {
    if (data.length < offset + 4) return { ok: false, reason: 'truncated header extension' };
    offset += 4 + 4 * view.getUint16(offset + 2);
    if (data.length < offset) return { ok: false, reason: 'truncated header extension' };
  }
  let end = data.length;
  if (b0 & 0x20) {
    const padding = data[data.length - 1]!;
    if (padding === 0 || end - padding < offset) return { ok: false, reason: 'bad padding length' };
    end -= padding;
  }
  const packet: RtpPacket = {
    payloadType: b1 & 0x7f,
    marker: (b1 & 0x80) !== 0,
    sequenceNumber: view.getUint16(2),
    timestamp: view.getUint32(4),
    ssrc: view.getUint32(8),
    payload: data.subarray(offset, end),
  };
  if (csrcs.length) packet.csrcs = csrcs;
  return { ok: true, packet };
}

/** Writes a packet (no extension, no padding) into a new buffer. */
export function serializeRtp(packet: RtpPacket): Buffer {
  const csrcs = packet.csrcs ?? [];
  if (csrcs.length > 15) throw new RangeError('at most 15 CSRCs fit in an RTP header');
  const headerLength = HEADER + 4 * csrcs.length;
  const out = Buffer.allocUnsafe(headerLength + packet.payload.length);
  out[0] = 0x80 | csrcs.length;
  out[1] = (packet.marker ? 0x80 : 0) | (packet.payloadType & 0x7f);
  out.writeUInt16BE(packet.sequenceNumber & 0xffff, 2);
  out.writeUInt32BE(packet.timestamp >>> 0, 4);
  out.writeUInt32BE(packet.ssrc >>> 0, 8);
  csrcs.forEach((c, i) => out.writeUInt32BE(c >>> 0, HEADER + 4 * i));
  out.set(packet.payload, headerLength);
  return out;
}

/** Signed distance from sequence number `a` to `b` modulo 2^16 (RFC 3550 Appendix A.1). */
export function seqDelta(a: number, b: number): number {
  const d = (b - a) & 0xffff;
  return d >= 0x8000 ? d - 0x10000 : d;
}

/** Signed distance from timestamp `a` to `b` modulo 2^32. */
export function timestampDelta(a: number, b: number): number {
  const d = (b - a) >>> 0;
  return d >= 0x80000000 ? d - 0x100000000 : d;
}
