import { test } from 'node:test';
import assert from 'node:assert/strict';
import { siteUtcOffsetMinutes } from './utc-offset.ts';

const jan = Date.parse('2026-01-15T12:00:00Z');
const jul = Date.parse('2026-07-15T12:00:00Z');

test('a Beijing calendar puts the start of the day at UTC+8 whatever the box runs in', () => {
  assert.equal(siteUtcOffsetMinutes({ office: { timeZone: 'Asia/Shanghai' } }, jan), 480);
});

test('offsets follow daylight saving and half hours', () => {
  assert.equal(siteUtcOffsetMinutes({ office: { timeZone: 'Europe/Berlin' } }, jan), 60);
  assert.equal(siteUtcOffsetMinutes({ office: { timeZone: 'Europe/Berlin' } }, jul), 120);
  assert.equal(siteUtcOffsetMinutes({ office: { timeZone: 'Asia/Kolkata' } }, jan), 330);
  assert.equal(siteUtcOffsetMinutes({ office: { timeZone: 'America/St_Johns' } }, jan), -210);
  assert.equal(siteUtcOffsetMinutes({ office: { timeZone: 'UTC' } }, jan), 0);
});

test('without a calendar the box local offset is used', () => {
  assert.equal(siteUtcOffsetMinutes(undefined, jan), -new Date(jan).getTimezoneOffset());
  assert.equal(siteUtcOffsetMinutes({ office: {} }, jan), -new Date(jan).getTimezoneOffset());
});
