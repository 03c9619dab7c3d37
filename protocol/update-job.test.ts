import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MaintenanceWindow, UpdateDesired, UpdateStatus, windowState } from './update-job.ts';

// 2026-11-23 (a Monday) 00:00 in UTC+8 is 2026-11-22 16:00 UTC.
const mondayMidnightCst = Date.UTC(2026, 10, 22, 16, 0);
const at = (hours: number, minutes = 0) => mondayMidnightCst + (hours * 60 + minutes) * 60_000;
const win = (w: Partial<MaintenanceWindow>) => MaintenanceWindow.parse({ start: '02:00', end: '05:00', utcOffsetMinutes: 480, ...w });

describe('maintenance windows', () => {
  test('a window is open between its start and end in the site\'s wall-clock time', () => {
    assert.deepEqual(windowState(win({}), at(1, 59)), { open: false, opensAt: at(2) });
    assert.deepEqual(windowState(win({}), at(2)), { open: true, closesAt: at(5) });
    assert.deepEqual(windowState(win({}), at(5)), { open: false, opensAt: at(24 + 2) });
  });

  test('a window spanning midnight is open on both sides of it', () => {
    const w = win({ start: '22:00', end: '04:00' });
    assert.deepEqual(windowState(w, at(23)), { open: true, closesAt: at(24 + 4) });
    assert.deepEqual(windowState(w, at(3)), { open: true, closesAt: at(4) });
    assert.deepEqual(windowState(w, at(12)), { open: false, opensAt: at(22) });
  });

  test('a window limited to some days waits for the next allowed day', () => {
    // Saturdays only (6): from Monday it next opens five days later.
    assert.deepEqual(windowState(win({ days: [6] }), at(3)), { open: false, opensAt: at(5 * 24 + 2) });
    assert.deepEqual(windowState(win({ days: [1] }), at(3)), { open: true, closesAt: at(5) });
  });

  test('refuses a window that starts and ends at the same minute or has a bad time', () => {
    assert.equal(MaintenanceWindow.safeParse({ start: '02:00', end: '02:00', utcOffsetMinutes: 0 }).success, false);
    assert.equal(MaintenanceWindow.safeParse({ start: '24:00', end: '02:00', utcOffsetMinutes: 0 }).success, false);
  });
});

describe('update job payloads', () => {
  test('an install job needs an http URL, a token and the bundle\'s hash and size', () => {
    const good = { kind: 'install', campaign: 'c1', version: '1.2.0', url: 'http://fleet:8081/bundles/c1', token: 'a'.repeat(32), sha256: 'f'.repeat(64), size: 10, drainFirst: true, issuedAt: 1 };
    assert.equal(UpdateDesired.safeParse(good).success, true);
    assert.equal(UpdateDesired.safeParse({ ...good, url: 'file:///etc/passwd' }).success, false);
    assert.equal(UpdateDesired.safeParse({ ...good, version: '1.2' }).success, false);
    assert.equal(UpdateDesired.safeParse({ ...good, token: 'short' }).success, false);
    assert.equal(UpdateDesired.safeParse({ kind: 'none', issuedAt: 1, reason: 'aborted' }).success, true);
  });

  test('a status names one of the known states and the installed version', () => {
    assert.equal(UpdateStatus.safeParse({ ts: 1, state: 'downloading', campaign: 'c1', version: '1.2.0', installedVersion: '1.1.0', progress: { received: 5, total: 10 } }).success, true);
    assert.equal(UpdateStatus.safeParse({ ts: 1, state: 'exploded', installedVersion: '1.1.0' }).success, false);
    assert.equal(UpdateStatus.safeParse({ ts: 1, state: 'idle' }).success, false);
  });
});
