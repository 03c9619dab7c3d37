import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'sdp-transform';
import { createOffer, negotiate, readAnswer } from './sdp-offer-answer.ts';

const local = { ip: '192.0.2.10', port: 40000 };
const offer = (m: string, extra: string[] = [], c = '198.51.100.7') =>
  ['v=0', `o=- 1 1 IN IP4 ${c}`, 's=-', `c=IN IP4 ${c}`, 't=0 0', m, ...extra, ''].join('\r\n');

test('answers PCMU first with telephone-event at the payload type the offer used', () => {
  const r = negotiate(offer('m=audio 5004 RTP/AVP 8 0 96', ['a=rtpmap:8 PCMA/8000', 'a=rtpmap:0 PCMU/8000', 'a=rtpmap:96 telephone-event/8000', 'a=fmtp:96 0-16']), local);
  assert.ok(r.ok);
  if (!r.ok) return;
  assert.deepEqual(r.media, { remoteIp: '198.51.100.7', remotePort: 5004, codec: 'PCMU', payloadType: 0, telephoneEvent: 96, direction: 'sendrecv' });
  const a = parse(r.answer);
  assert.equal(a.media[0]!.payloads, '0 96');
  assert.equal(a.media[0]!.port, 40000);
  assert.equal(a.connection!.ip, '192.0.2.10');
});

test('falls back to PCMA when PCMU is not offered, using the static payload type without rtpmap', () => {
  const r = negotiate(offer('m=audio 5004 RTP/AVP 8'), local);
  assert.ok(r.ok && r.media.codec === 'PCMA' && r.media.payloadType === 8 && r.media.telephoneEvent === undefined);
});

test('answers a sendonly offer with recvonly, and treats c=0.0.0.0 as hold (RFC 3264 §8.4)', () => {
  const held = negotiate(offer('m=audio 5004 RTP/AVP 0', ['a=sendonly']), local);
  assert.ok(held.ok && held.media.direction === 'recvonly' && /a=recvonly/.test(held.answer));
  const old = negotiate(offer('m=audio 5004 RTP/AVP 0', [], '0.0.0.0'), local);
  assert.ok(old.ok && old.media.direction === 'recvonly');
});

test('refuses an offer with no G.711 with 488', () => {
  const r = negotiate(offer('m=audio 5004 RTP/AVP 18', ['a=rtpmap:18 G729/8000']), local);
  assert.deepEqual(r, { ok: false, status: 488, reason: 'no common codec (PCMU/PCMA)' });
  assert.equal(negotiate('garbage', local).ok, false);
});

test('reads the peer answer to our own offer', () => {
  const ours = createOffer(local, 'sendonly');
  assert.match(ours, /m=audio 40000 RTP\/AVP 0 8 101\r\n/);
  assert.match(ours, /a=sendonly/);
  const answer = negotiate(ours, { ip: '198.51.100.7', port: 6000 });
  assert.ok(answer.ok);
  if (answer.ok) assert.deepEqual(readAnswer(answer.answer), { remoteIp: '198.51.100.7', remotePort: 6000, codec: 'PCMU', payloadType: 0, telephoneEvent: 101, direction: 'sendonly', ptime: 20 });
});
