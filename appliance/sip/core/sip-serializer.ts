// Serializer (RFC 3261 §7): start line, one header per line, and a Content-Length always
// computed from the body bytes so that it can never disagree with what is sent.
import type { SipMessage } from './sip-message.ts';

export function serializeSipMessage(msg: SipMessage): Buffer {
  const start = msg.type === 'request' ? `${msg.method} ${msg.uri} SIP/2.0` : `SIP/2.0 ${msg.status} ${msg.reason}`;
  let out = start + '\r\n';
  for (const h of msg.headers) if (h.name !== 'Content-Length') out += `${h.name}: ${h.value}\r\n`;
  out += `Content-Length: ${Buffer.byteLength(msg.body, 'utf8')}\r\n\r\n${msg.body}`;
  return Buffer.from(out, 'utf8');
}
