import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BoardProfileError, parseBoardProfile } from './board-profile.ts';
import { builtinProfiles } from './builtin-profiles.ts';

const base = { id: 'x', name: 'x', cpu: { arch: 'x86_64', cores: 1 }, nics: [{ name: 'eth0', role: 'wan' }] };

test('every built-in profile passes its own schema', () => {
  assert.ok(builtinProfiles.size >= 4);
  for (const p of builtinProfiles.values()) assert.equal(parseBoardProfile(p).id, p.id);
});

test('refuses MFC/R2 on a CCS-framed E1 span and PRI on a CAS one', () => {
  assert.throws(
    () => parseBoardProfile({ ...base, spans: [{ span: 1, type: 'E1', framing: 'ccs', lineCoding: 'hdb3', signalling: 'mfc-r2' }] }),
    (err: Error) => err instanceof BoardProfileError && /MFC\/R2 needs CAS framing/.test(err.message),
  );
  assert.throws(() => parseBoardProfile({ ...base, spans: [{ span: 1, type: 'E1', framing: 'cas', lineCoding: 'hdb3', signalling: 'pri' }] }), /PRI on E1 needs CCS/);
});

test('refuses T1 with an E1 line code, duplicate and gapped span numbers', () => {
  assert.throws(() => parseBoardProfile({ ...base, spans: [{ span: 1, type: 'T1', framing: 'esf', lineCoding: 'hdb3', signalling: 'pri' }] }), /lineCoding/);
  const e1 = { type: 'E1', framing: 'ccs', lineCoding: 'hdb3', signalling: 'pri' };
  assert.throws(() => parseBoardProfile({ ...base, spans: [{ span: 1, ...e1 }, { span: 1, ...e1 }] }), /span 1 appears twice/);
  assert.throws(() => parseBoardProfile({ ...base, spans: [{ span: 2, ...e1 }] }), /numbered 1..1 without gaps/);
});

test('refuses analog ports without the analog card named and a span LED for a missing span', () => {
  assert.throws(() => parseBoardProfile({ ...base, ports: [{ port: 1, kind: 'fxs' }] }), /names its analog card/);
  assert.throws(() => parseBoardProfile({ ...base, leds: [{ name: 'l1', role: 'span', span: 3 }] }), /LED l1 shows a span the board does not have/);
});
