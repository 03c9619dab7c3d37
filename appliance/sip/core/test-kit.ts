// Test helpers for the pure core: a transport port that records what would be sent, and a
// builder for well-formed requests. Used by unit tests only.
import { parseSipMessage } from './sip-parser.ts';
import type { SipMessage } from './sip-message.ts';
import type { Endpoint, SipTransportPort, TransportProtocol } from './transport-port.ts';

export class RecordingTransport implements SipTransportPort {
  readonly sent: { message: SipMessage; to: Endpoint }[] = [];
  constructor(
    readonly protocol: TransportProtocol = 'UDP',
    readonly host = '192.0.2.10',
    readonly port = 5060,
    readonly reliable = protocol !== 'UDP',
  ) {}
  send(data: Buffer, to: Endpoint): void {
    const r = parseSipMessage(data, { stream: this.reliable });
    if (r.kind !== 'message') throw new Error(`stack sent an unparseable message: ${data.toString()}`);
    this.sent.push({ message: r.message, to });
  }
  take(): { message: SipMessage; to: Endpoint }[] {
    return this.sent.splice(0);
  }
}

export function requestText(method: string, opts: { branch?: string; callId?: string; cseq?: number; via?: string; extra?: string[]; body?: string; toTag?: string } = {}): string {
  const body = opts.body ?? '';
  return [
    `${method} sip:service@192.0.2.10 SIP/2.0`,
    `Via: ${opts.via ?? `SIP/2.0/UDP 198.51.100.7:5070;branch=${opts.branch ?? 'z9hG4bKabc'};rport`}`,
    'From: <sip:alice@example.com>;tag=from1',
    `To: <sip:service@192.0.2.10>${opts.toTag ? `;tag=${opts.toTag}` : ''}`,
    `Call-ID: ${opts.callId ?? 'call-1'}`,
    `CSeq: ${opts.cseq ?? 1} ${method === 'CANCEL' || method === 'ACK' ? method : method}`,
    'Max-Forwards: 70',
    'Contact: <sip:alice@198.51.100.7:5070>',
    ...(opts.extra ?? []),
    `Content-Length: ${Buffer.byteLength(body)}`,
    '',
    body,
  ].join('\r\n');
}
