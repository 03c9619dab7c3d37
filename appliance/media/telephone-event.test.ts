import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  TelephoneEventReceiver, digitOfEvent, eventOfDigit, parseTelephoneEvent, planTelephoneEvent, serializeTelephoneEvent,
  type TelephoneEventOutput,
} from './telephone-event.ts';

const ev = (event: number, end: boolean, duration: number, volume = 10) => serializeTelephoneEvent({ event, end, volume, duration });
const ends = (out: TelephoneEventOutput[]) => out.filter((o) => o.type === 'end');

/** A sender's packets for one digit: updates every 20 ms, then three end packets. */
function send(rx: TelephoneEventReceiver, event: number, ts: number, atMs: number, updates = 5): TelephoneEventOutput[] {
  const out: TelephoneEventOutput[] = [];
  for (let i = 0; i < updates; i++) out.push(...rx.receive(ts, i === 0, ev(event, false, (i + 1) * 160), atMs + 20 * i));
  for (let i = 0; i < 3; i++) out.push(...rx.receive(ts, false, ev(event, true, updates * 160), atMs + 20 * (updates + i)));
  return out;
}

describe('telephone-event payload (RFC 4733 §2.3)', () => {
  test('reads event, end bit, volume and duration', () => {
    assert.deepEqual(parseTelephoneEvent(Uint8Array.of(11, 0x8a, 0x03, 0x20)), { event: 11, end: true, volume: 10, duration: 800 });
    assert.deepEqual(parseTelephoneEvent(Uint8Array.of(5, 0x3f, 0, 0)), { event: 5, end: false, volume: 63, duration: 0 });
    assert.equal(parseTelephoneEvent(Uint8Array.of(1, 2, 3)), undefined);
  });

  test('ignores the reserved bit and round-trips through serialize', () => {
    assert.equal(parseTelephoneEvent(Uint8Array.of(1, 0x4a, 0, 160))!.volume, 10);
    const e = { event: 10, end: true, volume: 7, duration: 65535 };
    assert.deepEqual(parseTelephoneEvent(serializeTelephoneEvent(e)), e);
  });

  test('maps DTMF event codes to digits and back (§3.2)', () => {
    assert.equal([...Array(17).keys()].map((e) => digitOfEvent(e)).join(''), '0123456789*#ABCD!');
    assert.equal(digitOfEvent(17), undefined);
    assert.equal(eventOfDigit('#'), 11);
    assert.equal(eventOfDigit('d'), 15);
    assert.throws(() => eventOfDigit('x'), RangeError);
  });
});

describe('TelephoneEventReceiver', () => {
  test('reports one digit per event although the end packet arrives three times', () => {
    const rx = new TelephoneEventReceiver();
    const out = send(rx, 5, 1000, 0);
    assert.deepEqual(out.map((o) => `${o.type} ${o.digit}`), ['begin 5', 'end 5']);
    const end = ends(out)[0]!;
    assert.equal(end.type === 'end' && end.durationMs, 100);
    assert.equal(end.type === 'end' && end.reason, 'end-bit');
    assert.equal(end.type === 'end' && end.volume, 10);
  });

  test('reports the same digit pressed twice as two events (timestamps differ)', () => {
    const rx = new TelephoneEventReceiver();
    const out = [...send(rx, 1, 1000, 0), ...send(rx, 1, 2600, 200)];
    assert.deepEqual(ends(out).map((o) => o.digit), ['1', '1']);
  });

  test('ignores duplicated and late update packets of a finished event', () => {
    const rx = new TelephoneEventReceiver();
    send(rx, 9, 500, 0);
    assert.deepEqual(rx.receive(500, false, ev(9, false, 320), 300), []);
    assert.deepEqual(rx.receive(500, true, ev(9, false, 160), 310), []);
    assert.equal(rx.active, false);
  });

  test('ends an event whose end packets were all lost when the next event starts', () => {
    const rx = new TelephoneEventReceiver();
    const out = [...rx.receive(100, true, ev(3, false, 160), 0), ...rx.receive(100, false, ev(3, false, 320), 20)];
    out.push(...send(rx, 4, 2000, 100));
    assert.deepEqual(out.map((o) => `${o.type} ${o.digit}${o.type === 'end' ? ` ${o.reason} ${o.durationMs}` : ''}`), [
      'begin 3', 'end 3 next-event 40', 'begin 4', 'end 4 end-bit 100',
    ]);
  });

  test('ends a silent event on the virtual clock once its packets stop', () => {
    const rx = new TelephoneEventReceiver({ endTimeoutMs: 200 });
    rx.receive(100, true, ev(7, false, 160), 0);
    assert.deepEqual(rx.tick(199), []);
    const out = rx.tick(200);
    assert.equal(out.length, 1);
    assert.equal(out[0]!.type === 'end' && out[0]!.reason, 'timeout');
    assert.deepEqual(rx.receive(100, false, ev(7, true, 320), 210), [], 'its late end packet is a duplicate');
  });

  test('reports a digit whose first packets were lost, from the end packet alone', () => {
    const rx = new TelephoneEventReceiver();
    const out = rx.receive(800, false, ev(11, true, 640), 0);
    assert.deepEqual(out.map((o) => `${o.type} ${o.digit}`), ['begin #', 'end #']);
  });

  test('joins the segments of an event longer than the duration field (§2.5.1.3)', () => {
    const rx = new TelephoneEventReceiver();
    const out = [...rx.receive(0, true, ev(0, false, 65535), 0)];
    out.push(...rx.receive(65535, false, ev(0, false, 800), 8200));
    out.push(...rx.receive(65535, false, ev(0, true, 1600), 8300));
    assert.deepEqual(out.map((o) => o.type), ['begin', 'end']);
    assert.equal(out[1]!.type === 'end' && out[1]!.durationMs, Math.round(((65535 + 1600) * 1000) / 8000));
  });

  test('ignores non-DTMF events and short payloads', () => {
    const rx = new TelephoneEventReceiver();
    assert.deepEqual(rx.receive(1, true, ev(70, true, 160), 0), []);
    assert.deepEqual(rx.receive(2, true, Uint8Array.of(1, 2), 0), []);
  });
});

describe('planTelephoneEvent', () => {
  test('sends updates every 20 ms with a growing duration, then the end packet three times', () => {
    const plan = planTelephoneEvent('#', { durationMs: 100, volume: 8 });
    assert.equal(plan.length, 8);
    assert.deepEqual(plan.map((p) => p.atMs), [0, 20, 40, 60, 80, 100, 120, 140]);
    assert.deepEqual(plan.map((p) => p.marker), [true, false, false, false, false, false, false, false]);
    const parsed = plan.map((p) => parseTelephoneEvent(p.payload)!);
    assert.deepEqual(parsed.map((p) => p.duration), [160, 320, 480, 640, 800, 800, 800, 800]);
    assert.deepEqual(parsed.map((p) => p.end), [false, false, false, false, false, true, true, true]);
    assert.ok(parsed.every((p) => p.event === 11 && p.volume === 8));
  });

  test('a receiver turns a planned digit back into exactly that digit and duration', () => {
    const rx = new TelephoneEventReceiver();
    const out = planTelephoneEvent('7', { durationMs: 160 }).flatMap((p) => rx.receive(4242, p.marker, p.payload, p.atMs));
    assert.deepEqual(ends(out).map((o) => o.type === 'end' && `${o.digit} ${o.durationMs}`), ['7 160']);
  });
});
