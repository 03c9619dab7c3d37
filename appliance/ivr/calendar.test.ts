import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { calendarStatus, inTimeWindow, isTimeZone, localTime, parseRange } from './calendar.ts';
import { CalendarSchema } from './flow-schema.ts';
import { callerMatches, compileCallerPattern } from './caller-pattern.ts';
import { isTemplate, renderTemplate, templateReferences } from './templates.ts';

describe('local time through Intl', () => {
  test('gives the wall-clock date, weekday and minute in the zone', () => {
    assert.deepEqual(localTime(Date.parse('2025-09-30T16:00:00Z'), 'Asia/Shanghai'), { date: '2025-10-01', weekday: 'wed', minutes: 0 });
    assert.deepEqual(localTime(Date.parse('2025-09-30T16:00:00Z'), 'UTC'), { date: '2025-09-30', weekday: 'tue', minutes: 960 });
  });

  test('midnight is minute 0, never 24:00', () => {
    assert.equal(localTime(Date.parse('2025-01-01T00:00:00Z'), 'UTC').minutes, 0);
  });

  test('follows daylight saving time in a zone that has it', () => {
    assert.equal(localTime(Date.parse('2025-03-09T06:59:00Z'), 'America/New_York').minutes, 1 * 60 + 59); // 01:59 EST
    assert.equal(localTime(Date.parse('2025-03-09T07:00:00Z'), 'America/New_York').minutes, 3 * 60); // 03:00 EDT
  });

  test('knows IANA zones and refuses others', () => {
    assert.ok(isTimeZone('Asia/Shanghai'));
    assert.ok(isTimeZone('UTC'));
    assert.ok(!isTimeZone('Asia/Atlantis'));
    assert.ok(!isTimeZone(''));
  });
});

describe('calendar', () => {
  const calendar = CalendarSchema.parse({
    weekly: { mon: ['09:00-18:00'], sat: ['09:00-12:00'] },
    holidays: [{ from: '2025-01-01' }, { from: '2025-01-28', to: '2025-02-04' }],
    specialWorkdays: [{ date: '2025-01-26', hours: ['10:00-16:00'] }],
  });
  const at = (iso: string) => calendarStatus(calendar, Date.parse(iso), 'Asia/Shanghai');

  test('tells which rule decided the day', () => {
    assert.deepEqual([at('2025-01-06T02:00:00Z').day, at('2025-01-06T02:00:00Z').open], ['weekly', true]);
    assert.deepEqual([at('2025-01-01T02:00:00Z').day, at('2025-01-01T02:00:00Z').open], ['holiday', false]);
    assert.deepEqual([at('2025-02-03T02:00:00Z').day, at('2025-02-03T02:00:00Z').open], ['holiday', false]); // a Monday inside a range
    assert.deepEqual([at('2025-01-26T03:00:00Z').day, at('2025-01-26T03:00:00Z').open], ['special-workday', true]); // Sunday 11:00
    assert.equal(at('2025-01-26T01:30:00Z').open, false); // Sunday 09:30, before the special hours
  });

  test('a range is open from its start minute up to, not including, its end minute', () => {
    assert.equal(at('2025-01-06T00:59:00Z').open, false); // 08:59
    assert.equal(at('2025-01-06T01:00:00Z').open, true); // 09:00
    assert.equal(at('2025-01-06T09:59:00Z').open, true); // 17:59
    assert.equal(at('2025-01-06T10:00:00Z').open, false); // 18:00
  });

  test('a calendar with its own zone uses it instead of the flow zone', () => {
    const london = CalendarSchema.parse({ timeZone: 'Europe/London', weekly: { mon: ['09:00-17:00'] } });
    assert.equal(calendarStatus(london, Date.parse('2025-01-06T09:30:00Z'), 'Asia/Shanghai').open, true);
  });

  test('parses ranges and refuses reversed or out-of-day ones', () => {
    assert.deepEqual(parseRange('09:00-24:00'), [540, 1440]);
    assert.equal(parseRange('18:00-09:00'), undefined);
    assert.equal(parseRange('24:00-24:00'), undefined);
    assert.equal(parseRange('9:00-10:00'), undefined);
  });

  test('a time window checks the weekday of the instant', () => {
    const mon1000 = Date.parse('2025-01-06T02:00:00Z');
    assert.equal(inTimeWindow(mon1000, 'Asia/Shanghai', '09:00', '12:00', ['mon']), true);
    assert.equal(inTimeWindow(mon1000, 'Asia/Shanghai', '09:00', '12:00', ['sat', 'sun']), false);
  });
});

describe('caller patterns', () => {
  test('match dial-plan patterns', () => {
    assert.ok(callerMatches('13812345678', ['_1[3-9]XXXXXXXXX']));
    assert.ok(!callerMatches('12812345678', ['_1[3-9]XXXXXXXXX']));
    assert.ok(callerMatches('075512345678', ['_0755.']));
    assert.ok(!callerMatches('0755', ['_0755.']), '. needs at least one more character');
    assert.ok(callerMatches('0755', ['_0755!']));
    assert.ok(callerMatches('+8613800138000', ['_+86.']));
    assert.ok(callerMatches('2345', ['_NXXX']) && !callerMatches('1345', ['_NXXX']));
    assert.ok(callerMatches('10086', ['10086']) && !callerMatches('100860', ['10086']));
  });

  test('refuse malformed patterns', () => {
    for (const bad of ['', '_', '_13[', '_13[a-z]', 'abc', '_1?']) assert.equal(compileCallerPattern(bad), undefined, bad);
  });
});

describe('templates', () => {
  test('render variables, escape $$, and leave unknown ones empty', () => {
    assert.equal(renderTemplate('Hi ${name}, $$${amount} ${missing}.', { name: 'Li', amount: '5' }), 'Hi Li, $5 .');
  });

  test('encode values where they land, not the template text', () => {
    assert.equal(renderTemplate('http://crm/x?a=${v}&b=1', { v: 'a&b=2' }, encodeURIComponent), 'http://crm/x?a=a%26b%3D2&b=1');
  });

  test('list references and refuse a stray $', () => {
    assert.deepEqual(templateReferences('${a} ${b} ${a} $$ $${c}'), ['a', 'b']);
    assert.ok(isTemplate('Cost $$5 ${x}'));
    assert.ok(!isTemplate('Cost $5'));
    assert.ok(!isTemplate('${1abc}'));
  });

  test('do not read inherited properties as variables', () => {
    assert.equal(renderTemplate('${constructor}', {}), '');
  });
});
