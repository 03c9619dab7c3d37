import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { FlowInvalidError, compileFlow, validateFlow, type FlowIssue, type FlowIssueCode } from './flow-validation.ts';
import { flowOf, tts, type NodeInput } from './ivr-test-flows.ts';
import type { FlowInput } from './flow-schema.ts';

const bye: NodeInput = { id: 'bye', type: 'hangup' };

function issuesOf(flow: unknown): FlowIssue[] {
  const result = validateFlow(flow);
  assert.equal(result.ok, false, 'the flow should be refused');
  return result.ok ? [] : result.issues;
}

function refuses(flow: unknown, code: FlowIssueCode, nodeId: string | undefined, message: RegExp): void {
  const issues = issuesOf(flow);
  const hit = issues.find((i) => i.code === code && i.nodeId === nodeId && message.test(i.message));
  assert.ok(hit, `expected ${code} on ${nodeId} matching ${message}, got ${JSON.stringify(issues)}`);
}

describe('flow validation', () => {
  test('accepts a small valid flow and indexes its nodes', () => {
    const result = validateFlow(flowOf([{ id: 'hi', type: 'play', prompt: tts('Hi'), next: 'bye' }, bye]));
    assert.ok(result.ok);
    assert.deepEqual([...result.compiled.nodes.keys()], ['hi', 'bye']);
  });

  test('fills defaults (menu retries, timeouts, barge-in)', () => {
    const { flow } = compileFlow(flowOf([{ id: 'm', type: 'menu', prompt: tts('M'), options: { '1': { next: 'bye' } }, onInvalid: 'bye', onTimeout: 'bye' }, bye]));
    const menu = flow.nodes[0]!;
    assert.equal(menu.type, 'menu');
    if (menu.type === 'menu') assert.deepEqual([menu.retries, menu.firstDigitTimeoutMs, menu.interDigitTimeoutMs, menu.bargeIn, menu.typeAhead], [2, 5000, 2000, true, true]);
  });

  test('refuses a malformed node, naming its id and field', () => {
    refuses(flowOf([{ id: 'm', type: 'menu', prompt: tts('M'), options: { '12345': { next: 'bye' } }, onInvalid: 'bye', onTimeout: 'bye' }, bye]), 'schema', 'm', /node "m" options\.12345: .*1-4 DTMF digits/);
    refuses(flowOf([{ id: 'c', type: 'collect', prompt: tts('C'), variable: 'x', minDigits: 5, maxDigits: 2, next: 'bye', onInvalid: 'bye', onTimeout: 'bye' }, bye]), 'schema', 'c', /minDigits must not exceed maxDigits/);
    refuses(flowOf([{ id: 'p', type: 'play', prompt: tts('Cost ${'), next: 'bye' }, bye]), 'schema', 'p', /malformed template/);
    refuses(flowOf([{ id: 'p', type: 'play', prompt: [{ file: '../../etc/passwd' }], next: 'bye' }, bye]), 'schema', 'p', /relative path/);
    refuses(flowOf([{ id: 'l', type: 'lookup', url: 'file:///etc/passwd', map: {}, onSuccess: 'bye', onFailure: 'bye', onTimeout: 'bye' }, bye]), 'schema', 'l', /http/);
    refuses(flowOf([{ id: 'w', type: 'condition', rules: [{ when: { kind: 'caller', patterns: ['_13[a]'] }, next: 'bye' }], otherwise: 'bye' }, bye]), 'schema', 'w', /caller pattern/);
    refuses(flowOf([{ id: 'w', type: 'condition', rules: [{ when: { kind: 'var', var: 'caller', op: 'matches', value: '([' }, next: 'bye' }], otherwise: 'bye' }, bye]), 'schema', 'w', /regular expression/);
  });

  test('refuses an unknown time zone, a bad hours range and a flow-level field error', () => {
    refuses(flowOf([bye], { timeZone: 'Mars/Olympus' }), 'schema', undefined, /timeZone: is not an IANA time zone/);
    refuses(flowOf([bye], { calendars: { office: { weekly: { mon: ['18:00-09:00'] } } } }), 'schema', undefined, /calendars\.office\.weekly\.mon\.0/);
    refuses({ ...flowOf([bye]), nodes: [] }, 'schema', undefined, /nodes/);
    refuses('not a flow', 'schema', undefined, /\(flow\)/);
  });

  test('refuses duplicate node ids', () => {
    refuses(flowOf([{ id: 'a', type: 'play', prompt: tts('A'), next: 'bye' }, bye, { id: 'a', type: 'hangup' }]), 'duplicate-id', 'a', /"a" is used by more than one node/);
  });

  test('refuses an entry that names no node', () => {
    refuses(flowOf([bye], { entry: 'start' }), 'missing-entry', undefined, /entry "start" is not a node/);
  });

  test('refuses a dangling branch, naming the node, the branch and the target', () => {
    refuses(
      flowOf([{ id: 'm', type: 'menu', prompt: tts('M'), options: { '1': { next: 'sales' }, '2': { next: 'bye' } }, onInvalid: 'bye', onTimeout: 'bye' }, bye]),
      'dangling-branch',
      'm',
      /node "m" option "1" goes to "sales", which is not a node/,
    );
    refuses(flowOf([{ id: 'a', type: 'agent', agent: '${x}', ifEmpty: 'nowhere' }], { variables: { x: '' } }), 'dangling-branch', 'a', /ifEmpty goes to "nowhere"/);
  });

  test('refuses a node that cannot be reached from the entry', () => {
    refuses(flowOf([bye, { id: 'orphan', type: 'play', prompt: tts('O'), next: 'bye' }]), 'unreachable', 'orphan', /"orphan" cannot be reached from the entry "bye"/);
  });

  test('refuses a loop of condition and set nodes that never waits', () => {
    const flow = flowOf([
      { id: 'hi', type: 'play', prompt: tts('Hi'), next: 'count' },
      { id: 'count', type: 'set', assign: { n: '${n}1' }, next: 'check' },
      { id: 'check', type: 'condition', rules: [{ when: { kind: 'var', var: 'n', op: 'eq', value: '111' }, next: 'bye' }], otherwise: 'count' },
      bye,
    ], { variables: { n: '' } });
    refuses(flow, 'loop-without-wait', 'count', /"count" → "check" → "count" form a loop that never waits/);
  });

  test('refuses a loop through an ifEmpty branch, which passes through at once', () => {
    const flow = flowOf([
      { id: 'a', type: 'agent', agent: '${agentId}', ifEmpty: 'b' },
      { id: 'b', type: 'condition', rules: [{ when: { kind: 'var', var: 'agentId', op: 'empty' }, next: 'a' }], otherwise: 'a' },
    ], { variables: { agentId: '' } });
    refuses(flow, 'loop-without-wait', 'a', /loop that never waits/);
  });

  test('accepts loops that wait: a menu that repeats itself, a prompt in the loop', () => {
    const flow = flowOf([
      { id: 'm', type: 'menu', prompt: tts('M'), options: { '9': { next: 'm' }, '1': { next: 'count' } }, onInvalid: 'bye', onTimeout: 'bye' },
      { id: 'count', type: 'set', assign: { n: '${n}1' }, next: 'again' },
      { id: 'again', type: 'play', prompt: tts('Again'), next: 'm' },
      bye,
    ], { variables: { n: '' } });
    assert.ok(validateFlow(flow).ok);
  });

  test('refuses a node from which no ending can be reached', () => {
    const flow = flowOf([
      { id: 'm', type: 'menu', prompt: tts('M'), options: { '1': { next: 'music' }, '2': { next: 'bye' } }, onInvalid: 'bye', onTimeout: 'bye' },
      { id: 'music', type: 'play', prompt: [{ file: 'moh.wav' }], next: 'music' },
      bye,
    ]);
    refuses(flow, 'no-ending', 'music', /from node "music" no ending .* can be reached/);
  });

  test('refuses a read of a variable that is neither built in, declared nor assigned', () => {
    refuses(flowOf([{ id: 'p', type: 'play', prompt: tts('Hello ${customerName}'), next: 'bye' }, bye]), 'unknown-variable', 'p', /reads variable "customerName"/);
    refuses(flowOf([{ id: 'q', type: 'queue', queue: 'sales', priorityVariable: 'vip' }]), 'unknown-variable', 'q', /"vip"/);
    refuses(flowOf([{ id: 'c', type: 'condition', rules: [{ when: { kind: 'not', of: { kind: 'var', var: 'lvl', op: 'empty' } }, next: 'bye' }], otherwise: 'bye' }, bye]), 'unknown-variable', 'c', /"lvl"/);
    refuses(flowOf([{ id: 'l', type: 'lookup', url: 'http://crm/${account}', map: {}, onSuccess: 'bye', onFailure: 'bye', onTimeout: 'bye' }, bye]), 'unknown-variable', 'l', /"account"/);
  });

  test('accepts variables that are built in, declared, collected, set or mapped by a lookup', () => {
    const flow = flowOf([
      { id: 'c', type: 'collect', prompt: tts('${caller} ${callee} ${callId} ${lang}'), variable: 'account', next: 'l', onInvalid: 'bye', onTimeout: 'bye' },
      { id: 'l', type: 'lookup', url: 'http://crm/${account}', map: { name: 'name' }, onSuccess: 's', onFailure: 'bye', onTimeout: 'bye' },
      { id: 's', type: 'set', assign: { greeting: 'Hi ${name}' }, next: 'p' },
      { id: 'p', type: 'play', prompt: tts('${greeting}'), next: 'bye' },
      bye,
    ], { variables: { lang: 'zh' } });
    assert.ok(validateFlow(flow).ok);
  });

  test('refuses a condition on a calendar the flow does not define', () => {
    refuses(flowOf([{ id: 'h', type: 'condition', rules: [{ when: { kind: 'calendar', calendar: 'office' }, next: 'bye' }], otherwise: 'bye' }, bye]), 'unknown-calendar', 'h', /calendar "office"/);
  });

  test('refuses a lookup that requires a variable it does not map', () => {
    refuses(flowOf([{ id: 'l', type: 'lookup', url: 'http://crm/', map: { name: 'n' }, required: ['level'], onSuccess: 'bye', onFailure: 'bye', onTimeout: 'bye' }, bye]), 'bad-reference', 'l', /requires "level"/);
  });

  test('refuses a date that is both a holiday and a special working day, and a holiday that ends before it starts', () => {
    const calendars: FlowInput['calendars'] = { office: { weekly: {}, holidays: [{ from: '2025-10-01', to: '2025-10-08' }, { from: '2025-05-05', to: '2025-05-01' }], specialWorkdays: [{ date: '2025-10-03', hours: ['09:00-18:00'] }] } };
    const issues = issuesOf(flowOf([bye], { calendars }));
    assert.ok(issues.some((i) => /2025-10-03 is both a holiday and a special working day/.test(i.message)));
    assert.ok(issues.some((i) => /holiday 2025-05-05 ends \(2025-05-01\) before it starts/.test(i.message)));
  });

  test('reports every issue at once, and compileFlow throws them as FlowInvalidError', () => {
    const flow = flowOf([{ id: 'p', type: 'play', prompt: tts('${nope}'), next: 'gone' }, bye], { entry: 'p' });
    assert.deepEqual(issuesOf(flow).map((i) => i.code).sort(), ['dangling-branch', 'no-ending', 'unknown-variable', 'unreachable']);
    assert.throws(() => compileFlow(flow), (error: unknown) => error instanceof FlowInvalidError && error.flowId === 'test' && error.issues.length === 4 && /flow test is invalid: /.test(error.message));
  });
});
