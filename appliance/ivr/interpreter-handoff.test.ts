import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { IvrHarness, summarize } from './ivr-harness.ts';
import { flowOf, tts, withEndings, type NodeInput } from './ivr-test-flows.ts';
import { FlowSchema, type FlowInput } from './flow-schema.ts';
import type { IvrCommand, IvrCommandOf } from './ivr-commands.ts';
import { step } from './interpreter.ts';
import { createSession } from './ivr-session.ts';
import type { CompiledFlow } from './flow-validation.ts';

const harness = (nodes: NodeInput[], flow: Partial<FlowInput> = {}) => new IvrHarness(flowOf(withEndings(nodes), flow));
const visible = (commands: IvrCommand[]) => commands.filter((c) => c.type !== 'StartTimer' && c.type !== 'CancelTimer').map(summarize);
const only = <T extends IvrCommand['type']>(h: IvrHarness, type: T) => h.log.filter((c): c is IvrCommandOf<T> => c.type === type);

const lookup = (extra: Partial<Extract<NodeInput, { type: 'lookup' }>> = {}): NodeInput => ({
  id: 'crm',
  type: 'lookup',
  url: 'http://127.0.0.1:8080/customers?phone=${caller}',
  timeoutMs: 2000,
  map: { customerName: 'customer.name', level: 'customer.level' },
  onSuccess: 'hello',
  onFailure: 'support',
  onTimeout: 'vm',
  ...extra,
});
const hello: NodeInput = { id: 'hello', type: 'play', prompt: tts('Hello ${customerName}'), next: 'sales' };

describe('HTTP lookup', () => {
  test('emits the request with the caller number URL-encoded and a timer of timeoutMs', () => {
    const h = harness([lookup(), hello]);
    h.start('+86 138', '400');
    assert.deepEqual(h.lookups.get(h.lookupId), {
      method: 'GET',
      url: 'http://127.0.0.1:8080/customers?phone=%2B86%20138',
      headers: {},
      timeoutMs: 2000,
      map: { customerName: 'customer.name', level: 'customer.level' },
      required: [],
    });
    assert.deepEqual([...h.timers.values()], [h.now + 2000]);
  });

  test('a POST body escapes values as JSON string content', () => {
    const h = harness([lookup({ method: 'POST', body: '{"phone":"${caller}"}', headers: { 'X-Token': 'abc' } }), hello]);
    h.start('1"2', '400');
    const request = h.lookups.get(h.lookupId)!;
    assert.equal(request.body, '{"phone":"1\\"2"}');
    assert.deepEqual(JSON.parse(request.body!), { phone: '1"2' });
    assert.deepEqual(request.headers, { 'X-Token': 'abc' });
  });

  test('a result sets the mapped variables and takes the success branch', () => {
    const h = harness([lookup(), hello]);
    h.start();
    const out = h.send({ type: 'LookupResult', lookupId: h.lookupId, variables: { customerName: 'Wang', level: '3', other: 'ignored' } });
    assert.deepEqual(visible(out), ['Play "Hello Wang"']);
    assert.equal(h.session.variables.level, '3');
    assert.equal(h.session.variables.other, undefined, 'only mapped variables are taken');
    assert.equal(h.timers.size, 0, 'the lookup timer is cancelled');
  });

  test('a failure takes the failure branch', () => {
    const h = harness([lookup(), hello]);
    h.start();
    assert.deepEqual(visible(h.send({ type: 'LookupFailed', lookupId: h.lookupId, reason: 'http-status' })), ['TransferToQueue support priority=0 skills=', 'FlowEnded transferred-to-queue']);
  });

  test('a failure reported as timeout by the adapter takes the timeout branch', () => {
    const h = harness([lookup(), hello]);
    h.start();
    assert.deepEqual(visible(h.send({ type: 'LookupFailed', lookupId: h.lookupId, reason: 'timeout' })), ['Voicemail general', 'FlowEnded voicemail']);
  });

  test('its own timer takes the timeout branch, cancels the lookup, and a late result is ignored', () => {
    const h = harness([lookup(), hello]);
    h.start();
    const id = h.lookupId;
    assert.deepEqual(h.advance(1999), []);
    assert.deepEqual(visible(h.advance(1)), ['CancelLookup', 'Voicemail general', 'FlowEnded voicemail']);
    const before = h.session;
    const late = step(h.session, { type: 'LookupResult', lookupId: id, variables: { customerName: 'x' } }, h.now);
    assert.deepEqual(late.commands, []);
    assert.equal(late.session, before);
    assert.match(late.ignored ?? '', /ended/);
  });

  test('a hold prompt plays while waiting and stops when the answer comes; digits meanwhile are type-ahead', () => {
    const menu: NodeInput = { id: 'menu', type: 'menu', prompt: tts('Menu'), options: { '1': { next: 'sales' } }, onInvalid: 'bye', onTimeout: 'bye' };
    const h = harness([lookup({ holdPrompt: tts('Please hold'), onSuccess: 'menu' }), menu]);
    h.start();
    h.digits('1');
    const out = h.send({ type: 'LookupResult', lookupId: h.lookupId, variables: {} });
    assert.deepEqual(visible(h.log), ['HttpLookup GET http://127.0.0.1:8080/customers?phone=13800138000', 'Play "Please hold"', 'StopPlayback', 'Choice menu=1', 'TransferToQueue sales priority=0 skills=', 'FlowEnded transferred-to-queue']);
    assert.ok(out.length > 0);
  });
});

describe('transfers and endings', () => {
  test('a queue transfer takes priority and skills from variables and carries variables and choices', () => {
    const h = harness(
      [
        { id: 'menu', type: 'menu', name: 'Main', prompt: tts('Menu'), options: { '3': { next: 'q', label: 'English' } }, onInvalid: 'bye', onTimeout: 'bye' },
        { id: 'q', type: 'queue', queue: 'support', priority: 1, priorityVariable: 'vip', skills: ['voice'], skillsVariable: 'langs' },
      ],
      { variables: { vip: '', langs: '' } },
    );
    h.start('10086', '400', { vip: '7', langs: 'english, billing,,voice' });
    h.digits('3');
    const [transfer] = only(h, 'TransferToQueue');
    assert.deepEqual(transfer, {
      type: 'TransferToQueue',
      queueId: 'support',
      priority: 7,
      skills: ['voice', 'english', 'billing'],
      variables: { vip: '7', langs: 'english, billing,,voice', caller: '10086', callee: '400', callId: 'c1' },
      choices: [{ nodeId: 'menu', nodeName: 'Main', kind: 'menu', digits: '3', label: 'English', at: h.now }],
    });
  });

  test('a priority variable that is not an integer leaves the node priority; a large one is clamped', () => {
    const nodes: NodeInput[] = [{ id: 'q', type: 'queue', queue: 'sales', priority: 2, priorityVariable: 'p' }];
    const a = harness(nodes, { variables: { p: 'high' } });
    a.start();
    assert.equal(only(a, 'TransferToQueue')[0]!.priority, 2);
    const b = harness(nodes, { variables: { p: '99999' } });
    b.start();
    assert.equal(only(b, 'TransferToQueue')[0]!.priority, 1000);
  });

  test('an agent transfer renders its target from variables', () => {
    const h = harness([{ id: 'a', type: 'agent', agent: '${lastAgent}' }], { variables: { lastAgent: '1002' } });
    assert.deepEqual(visible(h.start()), ['TransferToAgent 1002', 'FlowEnded transferred-to-agent']);
  });

  test('an empty agent target takes ifEmpty, or hangs up without it', () => {
    const a = harness([{ id: 'a', type: 'agent', agent: '${lastAgent}', ifEmpty: 'support' }], { variables: { lastAgent: '' } });
    assert.deepEqual(visible(a.start()), ['TransferToQueue support priority=0 skills=', 'FlowEnded transferred-to-queue']);
    const b = harness([{ id: 'a', type: 'agent', agent: '${lastAgent}' }], { variables: { lastAgent: ' ' } });
    assert.deepEqual(visible(b.start()), ['HangUp node a: the agent target is empty', 'FlowEnded hung-up']);
  });

  test('an external transfer carries the number and caller id', () => {
    const h = harness([{ id: 'x', type: 'external', number: '9${caller}', callerId: '4008001234' }]);
    assert.deepEqual(visible(h.start('13800138000')), ['TransferToExternal 913800138000 as 4008001234', 'FlowEnded transferred-external']);
  });

  test('voicemail carries the box and its greeting', () => {
    const h = harness([{ id: 'v', type: 'voicemail', box: 'box-${callee}', greeting: tts('Leave a message') }]);
    h.start('1', '200');
    assert.deepEqual(only(h, 'Voicemail')[0]!.greeting, [{ tts: 'Leave a message' }]);
    assert.equal(only(h, 'Voicemail')[0]!.box, 'box-200');
  });

  test('the caller hanging up stops the prompt and ends the flow without a HangUp; later events do nothing', () => {
    const h = harness([{ id: 'menu', type: 'menu', prompt: tts('Menu'), options: { '1': { next: 'sales' } }, onInvalid: 'bye', onTimeout: 'bye' }]);
    h.start();
    assert.deepEqual(visible(h.send({ type: 'CallerHungUp' })), ['StopPlayback', 'FlowEnded caller-hung-up']);
    assert.deepEqual(h.digits('1'), []);
    assert.deepEqual(h.send({ type: 'CallerHungUp' }), []);
    assert.equal(h.session.endReason, 'caller-hung-up');
  });

  test('hanging up while waiting for input cancels the timer', () => {
    const h = harness([{ id: 'menu', type: 'menu', prompt: tts('Menu'), options: { '1': { next: 'sales' } }, onInvalid: 'bye', onTimeout: 'bye' }]);
    h.start();
    h.promptEnded();
    assert.equal(h.timers.size, 1);
    h.send({ type: 'CallerHungUp' });
    assert.equal(h.timers.size, 0);
  });
});

describe('stale and early events', () => {
  test('events before CallStarted are ignored', () => {
    const h = harness([{ id: 'p', type: 'play', prompt: tts('Hi'), next: 'bye' }]);
    assert.deepEqual(h.digits('1'), []);
    assert.equal(h.session.phase, 'idle');
  });

  test('a PromptEnded for an earlier playback is ignored', () => {
    const h = harness([
      { id: 'p1', type: 'play', prompt: tts('One'), bargeIn: true, next: 'p2' },
      { id: 'p2', type: 'play', prompt: tts('Two'), next: 'bye' },
    ]);
    h.start();
    const first = h.playing!;
    h.digits('5');
    const r = step(h.session, { type: 'PromptEnded', playbackId: first }, h.now);
    assert.deepEqual(r.commands, []);
    assert.match(r.ignored ?? '', /not playing/);
  });

  test('a stale timer is ignored', () => {
    const h = harness([{ id: 'menu', type: 'menu', prompt: tts('Menu'), options: { '1': { next: 'sales' } }, onInvalid: 'bye', onTimeout: 'bye' }]);
    h.start();
    h.promptEnded();
    const r = step(h.session, { type: 'TimerFired', timerId: 'c1/t999' }, h.now);
    assert.deepEqual(r.commands, []);
  });

  test('step leaves the given session untouched', () => {
    const h = harness([{ id: 's', type: 'set', assign: { a: '1' }, next: 'bye' }]);
    const before = h.session;
    const snapshot = JSON.stringify({ ...before, compiled: undefined });
    h.start();
    assert.equal(JSON.stringify({ ...before, compiled: undefined }), snapshot);
  });
});

describe('step guard', () => {
  test('a session entering more than maxSteps nodes for one event is hung up', () => {
    const chain: NodeInput[] = [0, 1, 2, 3, 4].map((i) => ({ id: `s${i}`, type: 'set', assign: { n: `${i}` }, next: i < 4 ? `s${i + 1}` : 'bye' }));
    const h = new IvrHarness(flowOf(withEndings(chain)), { maxSteps: 3 });
    assert.deepEqual(visible(h.start()), ['HangUp more than 3 nodes entered for one event', 'FlowEnded step-limit']);
    assert.equal(h.session.phase, 'ended');
  });

  test('stops even an unvalidated flow that loops without waiting', () => {
    const flow = FlowSchema.parse(
      flowOf([
        { id: 'a', type: 'condition', rules: [{ when: { kind: 'var', var: 'caller', op: 'notEmpty' }, next: 'b' }], otherwise: 'bye' },
        { id: 'b', type: 'set', assign: { x: '1' }, next: 'a' },
        { id: 'bye', type: 'hangup' },
      ]),
    );
    const compiled: CompiledFlow = { flow, nodes: new Map(flow.nodes.map((n) => [n.id, n])) };
    const r = step(createSession(compiled, 'loop'), { type: 'CallStarted', caller: '1', callee: '2', variables: {} }, 0);
    assert.equal(r.steps, 10_001);
    assert.deepEqual(r.commands.map((c) => c.type), ['HangUp', 'FlowEnded']);
  });
});
