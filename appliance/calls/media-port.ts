// The hooks the media plane (mediasoup PlainTransport, media issue) implements for SIP legs.
// Signalling only decides addresses and codecs; this port reserves and wires RTP endpoints.
import type { LocalMedia, NegotiatedMedia } from './sdp-offer-answer.ts';

export interface MediaPort {
  /**
   * Reserves a local RTP address for a leg (written into our SDP). `with`: the leg joins the
   * media of that existing leg's call (ports that support it; others ignore the hint).
   */
  allocate(legId: string, options?: { with?: string }): LocalMedia;
  /** The peer's media for a leg is known or changed (answer, re-INVITE, hold). */
  update(legId: string, media: NegotiatedMedia): void;
  /** Two legs are to exchange media (bridged call). */
  bridge(legA: string, legB: string): void;
  release(legId: string): void;
}

/** Until the media plane lands: hands out ports from a range and records what it was told. */
export class RecordingMediaPort implements MediaPort {
  readonly log: string[] = [];
  private next: number;
  constructor(private readonly ip = '127.0.0.1', firstPort = 40000) {
    this.next = firstPort;
  }
  allocate(legId: string): LocalMedia {
    const port = this.next;
    this.next += 2; // RTP on even ports, RTCP beside (RFC 3550 §11)
    this.log.push(`allocate ${legId} ${port}`);
    return { ip: this.ip, port };
  }
  update(legId: string, media: NegotiatedMedia): void {
    this.log.push(`update ${legId} ${media.codec} ${media.remoteIp}:${media.remotePort} ${media.direction}`);
  }
  bridge(a: string, b: string): void {
    this.log.push(`bridge ${a} ${b}`);
  }
  release(legId: string): void {
    this.log.push(`release ${legId}`);
  }
}
