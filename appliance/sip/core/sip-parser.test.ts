import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { parseSipMessage } from './sip-parser.ts';
import { serializeSipMessage } from './sip-serializer.ts';
import { getHeader, getHeaders } from './sip-message.ts';
import { parseNameAddr, parseVia, parseCSeq } from './header-values.ts';
import { checkRequest } from './request-checks.ts';
import { tortureCases, applicationCases, acceptedCases } from '../../../test/fixtures/sip/rfc4475.ts';

const checks = { supportedOptions: ['replaces', 'norefersub'], acceptedTypes: ['application/sdp'] };

describe('RFC 4475 torture messages', () => {
  for (const c of tortureCases) {
    const verdict = c.expect === undefined ? 'parses' : c.expect === 'discard' ? 'is discarded' : `is refused with ${c.expect}`;
    test(`${c.name} (${c.section}) ${verdict}`, () => {
      const r = parseSipMessage(Buffer.from(c.text, 'utf8'));
      if (c.expect === undefined) assert.equal(r.kind, 'message', r.kind === 'invalid' ? r.reason : '');
      else {
        assert.equal(r.kind, 'invalid');
        if (r.kind === 'invalid' && typeof c.expect === 'number') assert.equal(r.status, c.expect, r.reason);
      }
    });
  }
  for (const c of applicationCases) {
    test(`${c.name} (${c.section}) parses and is refused with ${c.expect} by the UAS checks`, () => {
      const r = parseSipMessage(Buffer.from(c.text));
      assert.equal(r.kind, 'message', r.kind === 'invalid' ? r.reason : '');
      if (r.kind !== 'message' || r.message.type !== 'request') return;
      const rejection = checkRequest(r.message, checks);
      if (c.expect === 401) assert.equal(rejection, undefined); // the registrar challenges it (see registrar tests)
      else assert.equal(rejection?.status, c.expect);
    });
  }
  for (const c of acceptedCases) {
    test(`${c.name} (${c.section}) is accepted`, () => {
      const r = parseSipMessage(Buffer.from(c.text));
      assert.equal(r.kind, 'message', r.kind === 'invalid' ? r.reason : '');
      if (r.kind === 'message' && r.message.type === 'request') assert.equal(checkRequest(r.message, checks), undefined);
    });
  }
});

describe('SIP parser details', () => {
  const wsinv = tortureCases.find((c) => c.name === 'wsinv')!.text;

  test('unfolds lines, expands compact names and keeps unknown headers', () => {
    const r = parseSipMessage(Buffer.from(wsinv));
    assert.equal(r.kind, 'message');
    if (r.kind !== 'message' || r.message.type !== 'request') return;
    const m = r.message;
    assert.equal(getHeader(m, 'Max-Forwards'), '0068');
    assert.deepEqual(parseCSeq(getHeader(m, 'CSeq')!), { seq: 9, method: 'INVITE' });
    assert.equal(getHeader(m, 'NewFangledHeader'), 'newfangled value continued newfangled value');
    assert.equal(getHeader(m, 'Subject'), '');
    const vias = getHeaders(m, 'Via').map((v) => parseVia(v)!);
    assert.deepEqual(vias.map((v) => [v.transport, v.host, v.params.branch]), [
      ['UDP', '192.0.2.2', '390skdjuw'],
      ['TCP', 'spindle.example.com', 'z9hG4bK9ikj8'],
      ['UDP', '192.168.255.111', 'z9hG4bK30239'],
    ]);
    const to = parseNameAddr(getHeader(m, 'To')!)!;
    assert.equal(to.params.tag, '1918181833n');
    const from = parseNameAddr(getHeader(m, 'From')!)!;
    assert.equal(from.displayName, 'J Rosenberg \\"');
    assert.equal(from.params.tag, '98asjd8');
    const contact = parseNameAddr(getHeader(m, 'Contact')!)!;
    assert.deepEqual(contact.params, { newparam: 'newvalue', secondparam: null, q: '0.33' });
    assert.equal(m.body.length, 150);
  });

  test('reads only the first message of a datagram and drops the trailing octets', () => {
    const r = parseSipMessage(Buffer.from(tortureCases.find((c) => c.name === 'dblreq')!.text));
    assert.ok(r.kind === 'message' && r.message.type === 'request');
    if (r.kind === 'message' && r.message.type === 'request') {
      assert.equal(r.message.method, 'REGISTER');
      assert.equal(r.message.body, '');
    }
  });

  test('keeps the UTF-8 reason phrase of a response', () => {
    const r = parseSipMessage(Buffer.from(tortureCases.find((c) => c.name === 'unreason')!.text));
    assert.ok(r.kind === 'message' && r.message.type === 'response' && r.message.reason.endsWith('простое'));
  });

  test('refuses a CSeq whose method differs from the request line', () => {
    const r = parseSipMessage(Buffer.from(tortureCases.find((c) => c.name === 'cseqmethod')!.text));
    assert.ok(r.kind === 'invalid' && r.reason === 'CSeq Method Mismatch');
  });

  test('keeps enough of a refused request to build the 400 response', () => {
    const r = parseSipMessage(Buffer.from(tortureCases.find((c) => c.name === 'ncl')!.text));
    assert.ok(r.kind === 'invalid' && r.partial);
    if (r.kind === 'invalid') assert.equal(getHeader(r.partial!, 'Call-ID'), 'ncl.0ha0isndaksdj2193423r542w35');
  });

  test('treats bare CRLFs as a keepalive', () => {
    assert.equal(parseSipMessage(Buffer.from('\r\n\r\n')).kind, 'keepalive');
  });

  test('requires Content-Length on stream transports', () => {
    const text = tortureCases.find((c) => c.name === 'lwsdisp')!.text.replace('l: 0\r\n', '');
    const r = parseSipMessage(Buffer.from(text), { stream: true });
    assert.ok(r.kind === 'invalid' && r.status === 400);
    assert.equal(parseSipMessage(Buffer.from(text)).kind, 'message');
  });

  test('refuses a message larger than the limit with 513', () => {
    const text = tortureCases.find((c) => c.name === 'lwsdisp')!.text.replace('l: 0', `X-Big: ${'a'.repeat(100_000)}\r\nl: 0`);
    const r = parseSipMessage(Buffer.from(text));
    assert.ok(r.kind === 'invalid' && r.status === 513);
  });

  test('serializes what it parsed to an equivalent message', () => {
    for (const c of tortureCases.filter((t) => t.expect === undefined)) {
      const first = parseSipMessage(Buffer.from(c.text));
      assert.equal(first.kind, 'message');
      if (first.kind !== 'message') continue;
      const again = parseSipMessage(serializeSipMessage(first.message));
      assert.equal(again.kind, 'message', c.name);
      if (again.kind !== 'message') continue;
      assert.deepEqual(
        again.message.headers.filter((h) => h.name !== 'Content-Length'),
        first.message.headers.filter((h) => h.name !== 'Content-Length'),
        c.name,
      );
      assert.equal(again.message.body, first.message.body);
    }
  });
});

describe('header lookup', () => {
  test('finds a header by long, compact or differently cased name, and unknown headers case-insensitively', () => {
    const r = parseSipMessage(Buffer.from(tortureCases.find((c) => c.name === 'wsinv')!.text));
    assert.ok(r.kind === 'message');
    if (r.kind !== 'message') return;
    assert.equal(getHeader(r.message, 'call-id'), 'wsinv.ndaksdj@192.0.2.1');
    assert.equal(getHeader(r.message, 'i'), 'wsinv.ndaksdj@192.0.2.1');
    assert.equal(getHeaders(r.message, 'V').length, 3);
    assert.equal(getHeader(r.message, 'NEWFANGLEDHEADER'), 'newfangled value continued newfangled value');
  });
});
