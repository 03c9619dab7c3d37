import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { IvrHarness, summarize } from './ivr-harness.ts';
import { flowOf, tts, withEndings, type NodeInput } from './ivr-test-flows.ts';
import type { FlowInput } from './flow-schema.ts';

type Action =
  | ['start', { caller?: string; variables?: Record<string, string> }?]
  | ['ended']
  | ['digits', string]
  | ['wait', number]
  | ['lookupOk', Record<string, string>]
  | ['lookupFail', 'timeout' | 'http-status' | 'network' | 'invalid-response']
  | ['hangup'];

interface Case {
  name: string;
  nodes: NodeInput[];
  flow?: Partial<FlowInput>;
  at?: string;
  script: Action[];
  /** Summaries of every command except StartTimer/CancelTimer, in order. */
  expect: string[];
}

function run(c: Pick<Case, 'nodes' | 'flow' | 'at' | 'script'>): IvrHarness {
  const h = new IvrHarness(flowOf(withEndings(c.nodes), c.flow), c.at ? { now: Date.parse(c.at) } : {});
  for (const action of c.script) {
    switch (action[0]) {
      case 'start':
        h.start(action[1]?.caller, undefined, action[1]?.variables);
        break;
      case 'ended':
        h.promptEnded();
        break;
      case 'digits':
        h.digits(action[1]);
        break;
      case 'wait':
        h.advance(action[1]);
        break;
      case 'lookupOk':
        h.send({ type: 'LookupResult', lookupId: h.lookupId, variables: action[1] });
        break;
      case 'lookupFail':
        h.send({ type: 'LookupFailed', lookupId: h.lookupId, reason: action[1] });
        break;
      case 'hangup':
        h.send({ type: 'CallerHungUp' });
        break;
    }
  }
  return h;
}

const visible = (h: IvrHarness) => h.log.filter((c) => c.type !== 'StartTimer' && c.type !== 'CancelTimer').map(summarize);

function table(cases: Case[]): void {
  for (const c of cases) test(c.name, () => assert.deepEqual(visible(run(c)), c.expect));
}

const menu = (extra: Partial<Extract<NodeInput, { type: 'menu' }>> = {}): NodeInput => ({
  id: 'menu',
  type: 'menu',
  name: 'Main',
  prompt: tts('Menu'),
  invalidPrompt: tts('Invalid'),
  timeoutPrompt: tts('No input'),
  options: { '1': { next: 'sales', label: 'Sales' }, '2': { next: 'support' } },
  onInvalid: 'bye',
  onTimeout: 'vm',
  ...extra,
});
const collect = (extra: Partial<Extract<NodeInput, { type: 'collect' }>> = {}): NodeInput => ({
  id: 'acct',
  type: 'collect',
  prompt: tts('Account number'),
  invalidPrompt: tts('Too short'),
  variable: 'account',
  minDigits: 4,
  maxDigits: 6,
  next: 'say',
  onInvalid: 'bye',
  onTimeout: 'vm',
  ...extra,
});
const say: NodeInput = { id: 'say', type: 'play', prompt: tts('Account ${account}'), next: 'sales' };

describe('menu', () => {
  table([
    {
      name: 'a digit during a barge-in prompt stops it and takes the option',
      nodes: [menu()],
      script: [['start'], ['digits', '1']],
      expect: ['Play "Menu"', 'StopPlayback', 'Choice menu=1 (Sales)', 'TransferToQueue sales priority=0 skills=', 'FlowEnded transferred-to-queue'],
    },
    {
      name: 'without barge-in a digit during the prompt is read when the prompt ends',
      nodes: [menu({ bargeIn: false })],
      script: [['start'], ['digits', '2']],
      expect: ['Play "Menu"'],
    },
    {
      name: 'without barge-in the kept digit chooses once the prompt has ended',
      nodes: [menu({ bargeIn: false })],
      script: [['start'], ['digits', '2'], ['ended']],
      expect: ['Play "Menu"', 'Choice menu=2', 'TransferToQueue support priority=0 skills=', 'FlowEnded transferred-to-queue'],
    },
    {
      name: 'an invalid digit plays the invalid prompt then the menu again',
      nodes: [menu()],
      script: [['start'], ['ended'], ['digits', '7']],
      expect: ['Play "Menu"', 'Play "Invalid" + "Menu"'],
    },
    {
      name: 'when the retries are used up by invalid digits the invalid branch is taken',
      nodes: [menu({ retries: 1 })],
      script: [['start'], ['digits', '7'], ['digits', '8']],
      expect: ['Play "Menu"', 'StopPlayback', 'Play "Invalid" + "Menu"', 'StopPlayback', 'HangUp bye', 'FlowEnded hung-up'],
    },
    {
      name: 'no digit within the first-digit timeout replays with the timeout prompt, then takes the timeout branch',
      nodes: [menu({ retries: 1, firstDigitTimeoutMs: 4000 })],
      script: [['start'], ['ended'], ['wait', 3999], ['wait', 1], ['ended'], ['wait', 4000]],
      expect: ['Play "Menu"', 'Play "No input" + "Menu"', 'Voicemail general', 'FlowEnded voicemail'],
    },
    {
      name: 'invalid entries and timeouts share the retry count',
      nodes: [menu({ retries: 1 })],
      script: [['start'], ['digits', '9'], ['ended'], ['wait', 5000]],
      expect: ['Play "Menu"', 'StopPlayback', 'Play "Invalid" + "Menu"', 'Voicemail general', 'FlowEnded voicemail'],
    },
    {
      name: 'a key that is the prefix of a longer key waits the inter-digit timeout, then takes the short key',
      nodes: [menu({ options: { '1': { next: 'sales' }, '12': { next: 'support' } } })],
      script: [['start'], ['digits', '1'], ['wait', 1999], ['wait', 1]],
      expect: ['Play "Menu"', 'StopPlayback', 'Choice menu=1', 'TransferToQueue sales priority=0 skills=', 'FlowEnded transferred-to-queue'],
    },
    {
      name: 'the longer key is taken when its last digit comes within the inter-digit timeout',
      nodes: [menu({ options: { '1': { next: 'sales' }, '12': { next: 'support' } } })],
      script: [['start'], ['digits', '1'], ['wait', 1500], ['digits', '2']],
      expect: ['Play "Menu"', 'StopPlayback', 'Choice menu=12', 'TransferToQueue support priority=0 skills=', 'FlowEnded transferred-to-queue'],
    },
    {
      name: 'a digit pressed during a play node is read by the next menu at once, without its prompt',
      nodes: [{ id: 'hello', type: 'play', prompt: tts('Hello'), next: 'menu' }, menu()],
      script: [['start'], ['digits', '2'], ['ended']],
      expect: ['Play "Hello"', 'Choice menu=2', 'TransferToQueue support priority=0 skills=', 'FlowEnded transferred-to-queue'],
    },
    {
      name: 'a menu with typeAhead off drops digits pressed before it and plays its prompt',
      nodes: [{ id: 'hello', type: 'play', prompt: tts('Hello'), next: 'menu' }, menu({ typeAhead: false })],
      script: [['start'], ['digits', '2'], ['ended']],
      expect: ['Play "Hello"', 'Play "Menu"'],
    },
    {
      name: 'a digit stops a barge-in play node and counts in the next menu',
      nodes: [{ id: 'hello', type: 'play', prompt: tts('Hello'), bargeIn: true, next: 'menu' }, menu()],
      script: [['start'], ['digits', '1']],
      expect: ['Play "Hello"', 'StopPlayback', 'Choice menu=1 (Sales)', 'TransferToQueue sales priority=0 skills=', 'FlowEnded transferred-to-queue'],
    },
    {
      name: 'a wrong type-ahead digit counts as an invalid entry and the rest of the type-ahead is dropped',
      nodes: [{ id: 'hello', type: 'play', prompt: tts('Hello'), next: 'menu' }, menu()],
      script: [['start'], ['digits', '91'], ['ended']],
      expect: ['Play "Hello"', 'Play "Invalid" + "Menu"'],
    },
    {
      name: 'a repeat option re-enters the menu with its retries restored',
      nodes: [menu({ retries: 1, options: { '1': { next: 'sales' }, '9': { next: 'menu' } } })],
      script: [['start'], ['digits', '5'], ['digits', '9'], ['digits', '5'], ['digits', '5']],
      expect: ['Play "Menu"', 'StopPlayback', 'Play "Invalid" + "Menu"', 'StopPlayback', 'Choice menu=9', 'Play "Menu"', 'StopPlayback', 'Play "Invalid" + "Menu"', 'StopPlayback', 'HangUp bye', 'FlowEnded hung-up'],
    },
  ]);

  test('the first-digit timer starts when the prompt ends and lasts firstDigitTimeoutMs', () => {
    const h = run({ nodes: [menu({ firstDigitTimeoutMs: 4000 })], at: '2025-01-06T02:00:00Z', script: [['start']] });
    assert.equal(h.timers.size, 0, 'no timer while the prompt plays');
    h.advance(10_000);
    h.promptEnded();
    assert.deepEqual([...h.timers.values()], [Date.parse('2025-01-06T02:00:10Z') + 4000]);
  });
});

describe('collect digits', () => {
  table([
    {
      name: 'the terminator ends the entry and is not stored',
      nodes: [collect(), say],
      script: [['start'], ['digits', '12345#']],
      expect: ['Play "Account number"', 'StopPlayback', 'Choice acct=12345', 'Play "Account 12345"'],
    },
    {
      name: 'the entry ends by itself at maxDigits',
      nodes: [collect(), say],
      script: [['start'], ['ended'], ['digits', '123456']],
      expect: ['Play "Account number"', 'Choice acct=123456', 'Play "Account 123456"'],
    },
    {
      name: 'the inter-digit timeout ends an entry that has minDigits',
      nodes: [collect({ interDigitTimeoutMs: 3000 }), say],
      script: [['start'], ['ended'], ['digits', '1234'], ['wait', 2999], ['wait', 1]],
      expect: ['Play "Account number"', 'Choice acct=1234', 'Play "Account 1234"'],
    },
    {
      name: 'fewer than minDigits before the terminator is an invalid entry and is asked again',
      nodes: [collect(), say],
      script: [['start'], ['ended'], ['digits', '12#']],
      expect: ['Play "Account number"', 'Play "Too short" + "Account number"'],
    },
    {
      name: 'fewer than minDigits at the inter-digit timeout is an invalid entry',
      nodes: [collect({ retries: 0 }), say],
      script: [['start'], ['ended'], ['digits', '12'], ['wait', 3000]],
      expect: ['Play "Account number"', 'HangUp bye', 'FlowEnded hung-up'],
    },
    {
      name: 'no digit at all takes the timeout branch once the retries are used up',
      nodes: [collect({ retries: 1 }), say],
      script: [['start'], ['ended'], ['wait', 5000], ['ended'], ['wait', 5000]],
      expect: ['Play "Account number"', 'Play "Account number"', 'Voicemail general', 'FlowEnded voicemail'],
    },
    {
      name: 'without a terminator # is an ordinary digit',
      nodes: [collect({ terminator: null, minDigits: 2, maxDigits: 3 }), say],
      script: [['start'], ['digits', '1#2']],
      expect: ['Play "Account number"', 'StopPlayback', 'Choice acct=1#2', 'Play "Account 1#2"'],
    },
    {
      name: 'a sensitive entry is masked in the choice record but stored in the variable',
      nodes: [collect({ sensitive: true }), say],
      script: [['start'], ['digits', '9876#']],
      expect: ['Play "Account number"', 'StopPlayback', 'Choice acct=****', 'Play "Account 9876"'],
    },
  ]);
});

const officeCalendar = {
  office: {
    weekly: { mon: ['09:00-12:00', '13:00-18:00'], tue: ['00:00-24:00'], wed: ['09:00-18:00'], sun: [] },
    holidays: [{ from: '2025-10-01', to: '2025-10-08', name: 'National Day' }],
    specialWorkdays: [{ date: '2025-09-28', hours: ['09:00-18:00'] }],
  },
};
const hours: NodeInput = { id: 'hours', type: 'condition', rules: [{ when: { kind: 'calendar', calendar: 'office' }, next: 'sales' }], otherwise: 'vm' };
const open = ['TransferToQueue sales priority=0 skills=', 'FlowEnded transferred-to-queue'];
const closed = ['Voicemail general', 'FlowEnded voicemail'];

describe('conditions', () => {
  const calendarCase = (name: string, at: string, expect: string[]): Case => ({ name, nodes: [hours], flow: { calendars: officeCalendar }, at, script: [['start']], expect });
  table([
    calendarCase('the calendar is open on a weekday within its hours (local time)', '2025-01-06T01:00:00Z', open), // Mon 09:00 Shanghai
    calendarCase('the calendar is closed in a lunch break between two ranges', '2025-01-06T04:30:00Z', closed), // Mon 12:30
    calendarCase('a range ends before its end minute', '2025-01-06T10:00:00Z', closed), // Mon 18:00
    calendarCase('a weekday without hours is closed', '2025-01-05T03:00:00Z', closed), // Sun 11:00
    calendarCase('a holiday is closed even within weekly hours', '2025-10-07T03:00:00Z', closed), // Tue 11:00, holiday
    calendarCase('a special working day is open on a Sunday', '2025-09-28T03:00:00Z', open),
    calendarCase('a special working day uses its own hours', '2025-09-28T11:00:00Z', closed), // Sun 19:00
    calendarCase('23:59 local on the eve of a holiday is still the working day (UTC is 15:59)', '2025-09-30T15:59:00Z', open),
    calendarCase('00:00 local on a holiday is closed although it is still the eve in UTC', '2025-09-30T16:00:00Z', closed),
    {
      name: 'a calendar in its own time zone follows daylight saving time (New York 09:30 EDT)',
      nodes: [hours],
      flow: { calendars: { office: { timeZone: 'America/New_York', weekly: { mon: ['09:00-17:00'] } } } },
      at: '2025-03-10T13:30:00Z',
      script: [['start']],
      expect: open,
    },
    {
      name: 'the same UTC time before the change is 08:30 EST and closed',
      nodes: [hours],
      flow: { calendars: { office: { timeZone: 'America/New_York', weekly: { mon: ['09:00-17:00'] } } } },
      at: '2025-03-03T13:30:00Z',
      script: [['start']],
      expect: closed,
    },
    {
      name: 'a time window may wrap over midnight',
      nodes: [{ id: 'night', type: 'condition', rules: [{ when: { kind: 'time', from: '22:00', to: '06:00' }, next: 'vm' }], otherwise: 'sales' }],
      at: '2025-01-06T20:00:00Z', // Tue 04:00 Shanghai
      script: [['start']],
      expect: closed,
    },
    {
      name: 'a caller pattern picks the first matching rule',
      nodes: [
        {
          id: 'who',
          type: 'condition',
          rules: [
            { when: { kind: 'caller', patterns: ['_0755XXXXXXXX'] }, next: 'support' },
            { when: { kind: 'caller', patterns: ['_1[3-9]XXXXXXXXX', '10086'] }, next: 'sales' },
          ],
          otherwise: 'bye',
        },
      ],
      script: [['start', { caller: '13912345678' }]],
      expect: open,
    },
    {
      name: 'a caller matching no pattern takes otherwise',
      nodes: [{ id: 'who', type: 'condition', rules: [{ when: { kind: 'caller', patterns: ['_1[3-9]XXXXXXXXX'] }, next: 'sales' }], otherwise: 'bye' }],
      script: [['start', { caller: '12345' }]],
      expect: ['HangUp bye', 'FlowEnded hung-up'],
    },
    {
      name: 'variables compare as numbers and combine with all/not',
      nodes: [
        {
          id: 'vip',
          type: 'condition',
          rules: [
            {
              when: { kind: 'all', of: [{ kind: 'var', var: 'level', op: 'ge', value: 3 }, { kind: 'not', of: { kind: 'var', var: 'region', op: 'in', value: ['HK', 'MO'] } }] },
              next: 'sales',
            },
          ],
          otherwise: 'bye',
        },
      ],
      flow: { variables: { level: '', region: '' } },
      script: [['start', { variables: { level: '10', region: 'GD' } }]],
      expect: open,
    },
    {
      name: 'a text compared with lt is false, not a string comparison',
      nodes: [{ id: 'v', type: 'condition', rules: [{ when: { kind: 'var', var: 'level', op: 'lt', value: 5 }, next: 'sales' }], otherwise: 'bye' }],
      flow: { variables: { level: 'abc' } },
      script: [['start']],
      expect: ['HangUp bye', 'FlowEnded hung-up'],
    },
  ]);
});

describe('variables', () => {
  table([
    {
      name: 'set renders templates in order and prompts use the result',
      nodes: [
        { id: 's', type: 'set', assign: { full: '${first} ${last}', greeting: 'Hello ${full}, costs $$5' }, next: 'p' },
        { id: 'p', type: 'play', prompt: [{ tts: '${greeting}' }, { file: 'beep.wav' }], next: 'bye' },
      ],
      flow: { variables: { first: 'Li', last: 'Lei' } },
      script: [['start']],
      expect: ['Play "Hello Li Lei, costs $5" + beep.wav'],
    },
    {
      name: 'channel variables override declared defaults and caller/callee are built in',
      nodes: [{ id: 'p', type: 'play', prompt: tts('${lang} ${caller} ${callee}'), next: 'bye' }],
      flow: { variables: { lang: 'zh' } },
      script: [['start', { caller: '10010', variables: { lang: 'en' } }]],
      expect: ['Play "en 10010 4008001234"'],
    },
  ]);
});
