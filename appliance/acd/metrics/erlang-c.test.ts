import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { agentsNeeded, averageSpeedOfAnswer, erlangB, erlangC, erlangs, serviceLevel, StaffingInputError } from './erlang-c.ts';

const close = (actual: number, expected: number, tol: number, what: string) =>
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: ${actual} is not within ${tol} of ${expected}`);

describe('Erlang C', () => {
  test('the classic vector: 100 calls per 30 min at AHT 180 s is 10 erlangs; 14 agents give Pw 0.174 and SL(20 s) 0.888', () => {
    const a = erlangs(100, 1800, 180);
    assert.equal(a, 10);
    close(erlangC(14, a), 0.1741, 0.0005, 'Pw');
    close(serviceLevel(14, a, 20, 180), 0.8883, 0.0005, 'SL');
    close(averageSpeedOfAnswer(14, a, 180), 7.83, 0.01, 'ASA');
  });

  test('fewest agents for 80/20 at that load is 14 (13 give 0.796), for 75/20 it is 13', () => {
    const base = { calls: 100, intervalSeconds: 1800, ahtSeconds: 180, targetSeconds: 20 };
    const s80 = agentsNeeded({ ...base, targetServiceLevel: 0.8 });
    assert.equal(s80.agents, 14);
    close(s80.serviceLevel, 0.888, 0.001, 'SL at 14');
    close(s80.probabilityOfWaiting, 0.174, 0.001, 'Pw at 14');
    close(serviceLevel(13, 10, 20, 180), 0.796, 0.001, 'SL at 13');
    assert.equal(agentsNeeded({ ...base, targetServiceLevel: 0.75 }).agents, 13);
  });

  test('an occupancy ceiling can require more agents than the service level', () => {
    const s = agentsNeeded({ calls: 100, intervalSeconds: 1800, ahtSeconds: 180, targetServiceLevel: 0.5, targetSeconds: 20, maxOccupancy: 0.6 });
    assert.equal(s.agents, 17);
    assert.ok(s.occupancy <= 0.6);
  });

  test('Erlang B agrees with the closed form for small cases', () => {
    // B(2, 1) = (1/2) / (1 + 1 + 1/2) = 0.2
    close(erlangB(2, 1), 0.2, 1e-12, 'B(2,1)');
  });

  test('agents at or below the traffic always wait and never meet a service level', () => {
    assert.equal(erlangC(10, 10), 1);
    assert.equal(serviceLevel(9, 10, 20, 180), 0);
    assert.equal(averageSpeedOfAnswer(10, 10, 180), Infinity);
  });

  test('large traffic stays finite (no factorial overflow)', () => {
    const s = agentsNeeded({ calls: 20_000, intervalSeconds: 1800, ahtSeconds: 300, targetServiceLevel: 0.8, targetSeconds: 20 });
    assert.ok(Number.isFinite(s.probabilityOfWaiting) && s.agents > 3333 && s.agents < 3500, `${s.agents}`);
  });

  test('nonsense input is refused with a clear error', () => {
    assert.throws(() => agentsNeeded({ calls: 10, intervalSeconds: 0, ahtSeconds: 180, targetServiceLevel: 0.8, targetSeconds: 20 }), StaffingInputError);
    assert.throws(() => agentsNeeded({ calls: 10, intervalSeconds: 1800, ahtSeconds: 180, targetServiceLevel: 1.2, targetSeconds: 20 }), /between 0 and 1/);
  });
});
