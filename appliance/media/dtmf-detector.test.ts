import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { DtmfDetector, type DtmfOutput } from './dtmf-detector.ts';
import { planTelephoneEvent } from './telephone-event.ts';

/** Feeds one planned digit as RTP with payload type 101 starting at `atMs`. */
function press(d: DtmfDetector, digit: string, atMs: number, ts: number, ssrc = 1): DtmfOutput[] {
  return planTelephoneEvent(digit).flatMap((p) => d.rtp({ payloadType: 101, ssrc, timestamp: ts, marker: p.marker, payload: p.payload }, atMs + p.atMs));
}
const show = (out: DtmfOutput[]) => out.map((o) => `${o.type} ${o.digit} ${o.source}`);

describe('DtmfDetector', () => {
  test('reports key-down at the first packet and the digit at the end, once each', () => {
    const d = new DtmfDetector({ telephoneEventPayloadType: 101 });
    const out = press(d, '5', 0, 1000);
    assert.deepEqual(show(out), ['key-down 5 rfc4733', 'digit 5 rfc4733']);
    assert.equal(out[0]!.atMs, 0);
    assert.equal(out[1]!.type === 'digit' && out[1]!.durationMs, 100);
  });

  test('ignores audio packets and telephone-events on another payload type', () => {
    const d = new DtmfDetector({ telephoneEventPayloadType: 96 });
    assert.deepEqual(press(d, '1', 0, 0), []);
    assert.deepEqual(d.rtp({ payloadType: 0, ssrc: 1, timestamp: 0, marker: true, payload: new Uint8Array(160) }, 0), []);
  });

  test('takes a digit from SIP INFO when the gateway has no telephone-event', () => {
    const d = new DtmfDetector({ telephoneEventPayloadType: 101 });
    assert.deepEqual(show(d.info('#', 10, 160)), ['digit # sip-info']);
    assert.deepEqual(show(d.info('#', 400)), ['digit # sip-info'], 'the same source repeats are real presses');
  });

  test('reports a key press sent both as RFC 4733 and as INFO only once, whichever came first', () => {
    const a = new DtmfDetector({ telephoneEventPayloadType: 101 });
    assert.deepEqual(show([...press(a, '7', 0, 500), ...a.info('7', 130)]), ['key-down 7 rfc4733', 'digit 7 rfc4733']);
    const b = new DtmfDetector({ telephoneEventPayloadType: 101 });
    assert.deepEqual(show([...b.info('7', 0), ...press(b, '7', 30, 500)]), ['digit 7 sip-info']);
  });

  test('does not merge different digits, or the same digit pressed again later', () => {
    const d = new DtmfDetector({ telephoneEventPayloadType: 101 });
    const out = [...press(d, '1', 0, 0), ...d.info('2', 150), ...d.info('1', 2000)];
    assert.deepEqual(show(out).filter((s) => s.startsWith('digit')), ['digit 1 rfc4733', 'digit 2 sip-info', 'digit 1 sip-info']);
  });

  test('keeps one receiver per SSRC, so a new source does not confuse an event in progress', () => {
    const d = new DtmfDetector({ telephoneEventPayloadType: 101 });
    const out = [...press(d, '3', 0, 100, 1), ...press(d, '4', 300, 100, 2)];
    assert.deepEqual(show(out).filter((s) => s.startsWith('digit')), ['digit 3 rfc4733', 'digit 4 rfc4733']);
  });

  test('closes an event without end packets on tick', () => {
    const d = new DtmfDetector({ telephoneEventPayloadType: 101, endTimeoutMs: 100 });
    const first = planTelephoneEvent('9')[0]!;
    d.rtp({ payloadType: 101, ssrc: 1, timestamp: 0, marker: true, payload: first.payload }, 0);
    assert.deepEqual(d.tick(50), []);
    assert.deepEqual(show(d.tick(100)), ['digit 9 rfc4733']);
  });
});
