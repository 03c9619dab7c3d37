import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { IvrCallInvalidError, IvrRunner, IvrSessionExistsError, type HandOffCommand, type IvrPromptPlayer } from './ivr-runner.ts';
import { compileFlow } from './flow-validation.ts';
import { flowOf, tts, type NodeInput } from './ivr-test-flows.ts';
import type { PromptItem } from './flow-schema.ts';

class FakePlayer implements IvrPromptPlayer {
  readonly plays: Array<{ callId: string; playbackId: string; items: PromptItem[] }> = [];
  readonly stops: string[] = [];
  play(callId: string, playbackId: string, items: PromptItem[]): void {
    this.plays.push({ callId, playbackId, items });
  }
  stop(_callId: string, playbackId: string): void {
    this.stops.push(playbackId);
  }
  get last() {
    return this.plays.at(-1)!;
  }
}

let server: Server;
let base = '';
let aborted = 0;

before(async () => {
  server = createServer((req, res) => {
    const path = new URL(req.url!, 'http://x').pathname;
    if (path === '/customer') res.writeHead(200).end(JSON.stringify({ name: 'Zhang', level: '5' }));
    else if (path === '/slow') {
      res.on('close', () => (aborted += res.writableEnded ? 0 : 1));
      setTimeout(() => res.end('{}'), 3000).unref();
    } else res.writeHead(503).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(() => {
  server.closeAllConnections();
  server.close();
});

const menu: NodeInput = { id: 'menu', type: 'menu', prompt: tts('Menu'), options: { '1': { next: 'sales' } }, firstDigitTimeoutMs: 100, retries: 0, onInvalid: 'bye', onTimeout: 'vm' };
const endings: NodeInput[] = [
  { id: 'sales', type: 'queue', queue: 'sales', priorityVariable: 'level' },
  { id: 'bye', type: 'hangup' },
  { id: 'vm', type: 'voicemail', box: 'general' },
];
const crm = (path: string, timeoutMs = 1000): NodeInput => ({ id: 'crm', type: 'lookup', url: `${base}${path}?phone=\${caller}`, timeoutMs, map: { name: 'name', level: 'level' }, onSuccess: 'hi', onFailure: 'bye', onTimeout: 'vm' });
const vars = { variables: { level: '0' } };
const hi: NodeInput = { id: 'hi', type: 'play', prompt: tts('Hi ${name}'), next: 'sales' };

function setup() {
  const player = new FakePlayer();
  const runner = new IvrRunner({ player });
  const handOffs: HandOffCommand[] = [];
  runner.on('handOff', (_id, command) => handOffs.push(command));
  return { player, runner, handOffs };
}

describe('IvrRunner', () => {
  test('plays prompts through the player and hands the call off on a digit', async () => {
    const { player, runner, handOffs } = setup();
    const flow = compileFlow(flowOf([{ id: 'hello', type: 'play', prompt: tts('Hello'), next: 'menu' }, menu, ...endings], vars));
    const choices: string[] = [];
    runner.on('choice', (_id, c) => choices.push(c.digits));
    runner.start('call-1', flow, { caller: '138', callee: '400', variables: { level: '4' } });
    assert.deepEqual(player.last.items, [{ tts: 'Hello' }]);
    runner.promptEnded('call-1', player.last.playbackId);
    assert.deepEqual(player.last.items, [{ tts: 'Menu' }]);
    const ended = once(runner, 'ended');
    runner.digit('call-1', '1');
    const [callId, reason] = await ended;
    assert.deepEqual([callId, reason], ['call-1', 'transferred-to-queue']);
    assert.deepEqual(player.stops, [player.last.playbackId], 'barge-in stopped the menu prompt');
    assert.equal(handOffs[0]?.type, 'TransferToQueue');
    assert.equal(handOffs[0]?.type === 'TransferToQueue' && handOffs[0].priority, 4);
    assert.deepEqual(choices, ['1']);
    assert.equal(runner.size, 0, 'the session is forgotten');
  });

  test('fires the first-digit timeout with a real timer', async () => {
    const { player, runner, handOffs } = setup();
    runner.start('call-2', compileFlow(flowOf([menu, ...endings], vars)), { caller: '1', callee: '2' });
    runner.promptEnded('call-2', player.last.playbackId);
    const [, reason] = await once(runner, 'ended');
    assert.equal(reason, 'voicemail');
    assert.equal(handOffs[0]?.type, 'Voicemail');
  });

  test('a lookup against a real server feeds its answer into the flow', async () => {
    const { player, runner, handOffs } = setup();
    runner.start('call-3', compileFlow(flowOf([crm('/customer'), hi, ...endings], vars)), { caller: '13800138000', callee: '400' });
    await new Promise<void>((resolve) => runner.on('command', (_id, c) => c.type === 'Play' && resolve())); // the play after the answer
    assert.deepEqual(player.last.items, [{ tts: 'Hi Zhang' }]);
    runner.promptEnded('call-3', player.last.playbackId);
    assert.equal(handOffs[0]?.type === 'TransferToQueue' && handOffs[0].priority, 5);
  });

  test('a failed lookup takes the failure branch', async () => {
    const { runner } = setup();
    runner.start('call-4', compileFlow(flowOf([crm('/down'), hi, ...endings], vars)), { caller: '1', callee: '2' });
    const [, reason] = await once(runner, 'ended');
    assert.equal(reason, 'hung-up');
  });

  test('a lookup that does not answer in time takes the timeout branch and is aborted', async () => {
    const { runner } = setup();
    const before = aborted;
    runner.start('call-5', compileFlow(flowOf([crm('/slow', 150), hi, ...endings], vars)), { caller: '1', callee: '2' });
    const [, reason] = await once(runner, 'ended');
    assert.equal(reason, 'voicemail');
    for (let i = 0; i < 50 && aborted === before; i += 1) await new Promise((r) => setTimeout(r, 10));
    assert.equal(aborted, before + 1, 'the server saw the request go away');
  });

  test('a caller hanging up during a lookup aborts it and nothing follows', async () => {
    const { runner } = setup();
    const before = aborted;
    const seen: string[] = [];
    runner.on('command', (_id, c) => seen.push(c.type));
    runner.start('call-6', compileFlow(flowOf([crm('/slow', 2000), hi, ...endings], vars)), { caller: '1', callee: '2' });
    await new Promise((r) => setTimeout(r, 50));
    runner.hungUp('call-6');
    assert.ok(seen.includes('CancelLookup'));
    assert.equal(seen.at(-1), 'FlowEnded');
    for (let i = 0; i < 50 && aborted === before; i += 1) await new Promise((r) => setTimeout(r, 10));
    assert.equal(aborted, before + 1);
    const count = seen.length;
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(seen.length, count);
  });

  test('refuses a bad digit and events for an unknown call without changing anything', () => {
    const { runner, player } = setup();
    const refused: string[] = [];
    runner.on('refused', (_id, reason) => refused.push(reason));
    runner.start('call-7', compileFlow(flowOf([menu, ...endings], vars)), { caller: '1', callee: '2' });
    runner.digit('call-7', 'X');
    runner.digit('nope', '1');
    assert.equal(refused.length, 2);
    assert.match(refused[0]!, /bad Digit event/);
    assert.match(refused[1]!, /no flow runs for call nope/);
    assert.equal(player.stops.length, 0);
    runner.close();
  });

  test('refuses a second flow on the same call', () => {
    const { runner } = setup();
    const flow = compileFlow(flowOf([menu, ...endings], vars));
    runner.start('call-8', flow, { caller: '1', callee: '2' });
    assert.throws(() => runner.start('call-8', flow, { caller: '1', callee: '2' }), IvrSessionExistsError);
    runner.close();
  });

  test('refuses to start a call whose variables do not fit the contract, and keeps no session', () => {
    const { runner } = setup();
    const flow = compileFlow(flowOf([menu, ...endings], vars));
    assert.throws(() => runner.start('call-10', flow, { caller: '1', callee: '2', variables: { 'x-header.name': 'v' } }), (e: unknown) => e instanceof IvrCallInvalidError && /variables/.test(e.message));
    assert.equal(runner.size, 0);
  });

  test('close drops every session and its timers', async () => {
    const { runner, player } = setup();
    const seen: string[] = [];
    runner.on('command', (_id, c) => seen.push(c.type));
    runner.start('call-9', compileFlow(flowOf([menu, ...endings], vars)), { caller: '1', callee: '2' });
    runner.promptEnded('call-9', player.last.playbackId);
    runner.close();
    const count = seen.length;
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(seen.length, count, 'the 100 ms timer never fired');
    assert.equal(runner.size, 0);
  });
});
