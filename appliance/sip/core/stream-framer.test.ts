import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StreamFramer } from './stream-framer.ts';

const msg = (body: string) => `OPTIONS sip:a@b SIP/2.0\r\nl: ${Buffer.byteLength(body)}\r\n\r\n${body}`;

test('splits back-to-back messages by Content-Length, across arbitrary chunk boundaries', () => {
  const f = new StreamFramer();
  const all = Buffer.from('\r\n\r\n' + msg('hello') + msg('') + msg('x'.repeat(10)));
  const got: string[] = [];
  let pings = 0;
  for (let i = 0; i < all.length; i += 7) {
    const r = f.push(all.subarray(i, i + 7));
    got.push(...r.messages.map((m) => m.toString()));
    pings += r.pings;
  }
  assert.deepEqual(got, [msg('hello'), msg(''), msg('x'.repeat(10))]);
  assert.equal(f.buffered, 0);
  assert.ok(pings >= 0);
});

test('reports an error instead of buffering an endless header section', () => {
  const f = new StreamFramer(1000);
  const r = f.push(Buffer.from('INVITE sip:a@b SIP/2.0\r\nX: ' + 'a'.repeat(2000)));
  assert.equal(r.error, 'header section too large');
});

test('reports a missing Content-Length as an error', () => {
  const r = new StreamFramer().push(Buffer.from('OPTIONS sip:a@b SIP/2.0\r\nCall-ID: x\r\n\r\n'));
  assert.match(r.error ?? '', /Content-Length/);
});
