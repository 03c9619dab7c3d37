// mediasoup RTP parameters for the appliance's G.711 calls: the router's codecs, what a SIP
// peer sends (producer) and can receive (consumer capabilities), and the reverse lookups.
// Pure (types only from mediasoup).
import type { RtpCapabilities, RtpCodecCapability, RtpParameters } from 'mediasoup/node/lib/types.js';
import { G711_PAYLOAD_TYPE, type G711Codec } from './g711.ts';

/** Router codecs: PCMU and PCMA on their static payload types, telephone-event on `tePt`. */
export function routerCodecs(tePt: number): RtpCodecCapability[] {
  return [
    { kind: 'audio', mimeType: 'audio/PCMU', clockRate: 8000, channels: 1, preferredPayloadType: 0 },
    { kind: 'audio', mimeType: 'audio/PCMA', clockRate: 8000, channels: 1, preferredPayloadType: 8 },
    { kind: 'audio', mimeType: 'audio/telephone-event', clockRate: 8000, channels: 1, preferredPayloadType: tePt },
  ];
}

/** What a SIP peer (or the appliance's own player) sends: its codec and telephone-event PTs. */
export function g711ProducerParameters(codec: G711Codec, payloadType: number, ssrc: number, telephoneEvent?: number): RtpParameters {
  const codecs: RtpParameters['codecs'] = [{ mimeType: `audio/${codec}`, payloadType, clockRate: 8000, channels: 1 }];
  if (telephoneEvent !== undefined) codecs.push({ mimeType: 'audio/telephone-event', payloadType: telephoneEvent, clockRate: 8000, channels: 1 });
  return { codecs, encodings: [{ ssrc }], rtcp: { reducedSize: false, mux: false } };
}

/**
 * What a SIP peer can receive. Consumers send the router's payload types, so telephone-event
 * is offered only when the peer negotiated the same number (else it would misread the events).
 */
export function g711ReceiveCapabilities(codec: G711Codec, telephoneEvent: number | undefined, routerTePt: number): RtpCapabilities {
  const codecs: RtpCodecCapability[] = [{ kind: 'audio', mimeType: `audio/${codec}`, clockRate: 8000, channels: 1, preferredPayloadType: G711_PAYLOAD_TYPE[codec] }];
  if (telephoneEvent === routerTePt) codecs.push({ kind: 'audio', mimeType: 'audio/telephone-event', clockRate: 8000, channels: 1, preferredPayloadType: routerTePt });
  return { codecs, headerExtensions: [] };
}

/** The G.711 law of a mediasoup codec list's first audio codec, if it is one. */
export function g711CodecOf(parameters: RtpParameters): G711Codec | undefined {
  const mime = parameters.codecs[0]?.mimeType.toLowerCase();
  return mime === 'audio/pcmu' ? 'PCMU' : mime === 'audio/pcma' ? 'PCMA' : undefined;
}

/** Law of a payload type as the router numbers it (static PTs, RFC 3551). */
export function codecOfRouterPt(payloadType: number): G711Codec | undefined {
  return payloadType === 0 ? 'PCMU' : payloadType === 8 ? 'PCMA' : undefined;
}

export function randomSsrc(): number {
  return (Math.floor(Math.random() * 0xfffffff0) + 1) >>> 0;
}
