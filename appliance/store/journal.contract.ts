// The journal's contract, run against every way of opening one (file, :memory:).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Journal } from './journal.ts';

export function journalContract(kind: string, open: () => Journal): void {
  describe(`journal contract (${kind})`, () => {
    test('append resolves with a seq that grows in call order, across streams', async () => {
      const j = open();
      const made = await Promise.all([
        j.append('cdr', { call: 1 }, 10),
        j.append('agent.state', { agent: 'a', state: 'ready' }, 11),
        j.append('cdr', { call: 2 }, 12),
      ]);
      assert.deepEqual(made.map((e) => e.seq), [1, 2, 3]);
      assert.deepEqual(made[1], { seq: 2, stream: 'agent.state', ts: 11, data: { agent: 'a', state: 'ready' } });
      await j.close();
    });

    test('query filters by stream, seq and time, in seq order, up to the limit', async () => {
      const j = open();
      for (let i = 0; i < 10; i++) await j.append(i % 2 ? 'odd' : 'even', { i }, 1000 + i);
      assert.deepEqual(j.query({ stream: 'odd' }).map((e) => (e.data as { i: number }).i), [1, 3, 5, 7, 9]);
      assert.deepEqual(j.query({ afterSeq: 7 }).map((e) => e.seq), [8, 9, 10]);
      assert.deepEqual(j.query({ since: 1003, until: 1006 }).map((e) => e.ts), [1003, 1004, 1005]);
      assert.deepEqual(j.query({ stream: 'even', limit: 2 }).map((e) => e.seq), [1, 3]);
      assert.equal(j.count(), 10);
      assert.equal(j.count('odd'), 5);
      await j.close();
    });

    test('query orders by seq even when timestamps go backwards, and sees each entry once', async () => {
      const j = open();
      await j.append('agent.state', { n: 1 }, 5000);
      await j.append('agent.state', { n: 2 }, 4000); // the wall clock was stepped back
      await j.append('agent.state', { n: 3 }, 4500);
      assert.deepEqual(j.query().map((e) => (e.data as { n: number }).n), [1, 2, 3]);
      assert.deepEqual(j.query({ since: 4000, until: 5000 }).map((e) => e.ts), [4000, 4500]);
      const seqs = j.query().map((e) => e.seq);
      assert.deepEqual(j.query({ afterSeq: seqs[0] }).map((e) => e.seq), seqs.slice(1));
      await j.close();
    });

    test('data comes back as it went in, nested values included', async () => {
      const j = open();
      const data = { caller: '+8613800000000', legs: [{ id: 'a', ms: 1500 }], tags: ['vip'], note: '客户要求回电', none: null };
      await j.append('cdr', data);
      assert.deepEqual(j.query({ stream: 'cdr' })[0]?.data, data);
      await j.close();
    });

    test('refuses a bad stream name, a bad timestamp and data JSON cannot hold, storing nothing', async () => {
      const j = open();
      await assert.rejects(j.append('Bad Stream', {}), /stream/);
      await assert.rejects(j.append('cdr', {}, -5), /ts/);
      await assert.rejects(j.append('cdr', undefined), /not JSON/);
      const cyclic: Record<string, unknown> = {};
      cyclic.self = cyclic;
      await assert.rejects(j.append('cdr', cyclic), /cannot be stored/);
      assert.equal(j.count(), 0);
      await j.close();
    });

    test('a query with a nonsensical limit is refused, not run', () => {
      const j = open();
      assert.throws(() => j.query({ limit: 0 }));
      assert.throws(() => j.query({ limit: 1e9 }));
      void j.close();
    });

    test('append after close is refused', async () => {
      const j = open();
      await j.close();
      await assert.rejects(j.append('cdr', {}), /closed/);
    });
  });
}
