import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { validateFlow, compileFlow } from './flow-validation.ts';
import { IvrHarness, summarize } from './ivr-harness.ts';
import type { PromptItem } from './flow-schema.ts';

const raw: unknown = JSON.parse(readFileSync(new URL('./flows/demo.json', import.meta.url), 'utf8'));
const compiled = compileFlow(raw);

/** Shanghai wall-clock time as ms since epoch. */
const shanghai = (local: string) => Date.parse(`${local}+08:00`);

function call(options: { at?: string; variables?: Record<string, string> } = {}): IvrHarness {
  const h = new IvrHarness(compiled, { now: shanghai(options.at ?? '2025-01-06T10:00:00') });
  h.start('13800138000', '4008001234', options.variables ?? {});
  return h;
}
const tail = (h: IvrHarness, n = 2) => h.log.slice(-n).map(summarize);

describe('demo flow (flows/demo.json)', () => {
  test('is a valid flow', () => {
    const result = validateFlow(raw);
    assert.ok(result.ok, result.ok ? '' : JSON.stringify(result.issues));
  });

  test('every prompt speaks Chinese, then English', () => {
    const prompts: PromptItem[][] = [];
    for (const node of compiled.flow.nodes) {
      if (node.type === 'play') prompts.push(node.prompt);
      if (node.type === 'menu') prompts.push(...[node.prompt, node.invalidPrompt, node.timeoutPrompt].filter((p) => p !== undefined));
    }
    assert.ok(prompts.length >= 6);
    for (const p of prompts) assert.deepEqual(p.map((i) => ('tts' in i ? i.language : 'file')), ['zh-CN', 'en-US']);
  });

  test('1 goes to the sales queue, barging into the welcome prompt', () => {
    const h = call();
    h.digits('1');
    assert.deepEqual(tail(h, 3), ['Choice main-menu=1 (销售 Sales)', 'TransferToQueue sales priority=0 skills=', 'FlowEnded transferred-to-queue']);
  });

  test('2 then 1 goes to support for billing, with both choices handed on', () => {
    const h = call({ variables: { customerPriority: '5' } });
    h.promptEnded();
    h.promptEnded();
    h.digits('2');
    h.digits('1');
    assert.deepEqual(tail(h), ['TransferToQueue support priority=5 skills=billing', 'FlowEnded transferred-to-queue']);
    const transfer = h.log.find((c) => c.type === 'TransferToQueue');
    assert.deepEqual(transfer?.type === 'TransferToQueue' && transfer.choices.map((c) => `${c.nodeName}: ${c.label}`), ['Main menu 主菜单: 售后服务 Support', 'Support menu 售后服务: 账单 Billing']);
  });

  test('2 then 2 goes to support for technical help', () => {
    const h = call();
    h.digits('22');
    assert.deepEqual(tail(h), ['TransferToQueue support priority=0 skills=technical', 'FlowEnded transferred-to-queue']);
  });

  test('* in the submenu goes back to the main menu', () => {
    const h = call();
    h.digits('2*1');
    assert.deepEqual(tail(h), ['TransferToQueue sales priority=0 skills=', 'FlowEnded transferred-to-queue']);
  });

  test('0 goes to the operator agent', () => {
    const h = call();
    h.digits('0');
    assert.deepEqual(tail(h), ['TransferToAgent 1001', 'FlowEnded transferred-to-agent']);
  });

  test('9 plays the main menu again', () => {
    const h = call();
    h.promptEnded();
    h.digits('9');
    assert.match(summarize(h.log.at(-1)!), /^Play "销售咨询请按1/);
  });

  test('three silences end in the support queue', () => {
    const h = call();
    h.promptEnded();
    for (let i = 0; i < 3; i += 1) {
      h.promptEnded();
      h.advance(5000);
    }
    assert.deepEqual(tail(h), ['TransferToQueue support priority=0 skills=', 'FlowEnded transferred-to-queue']);
  });

  const hours = (at: string) => {
    const h = call({ at, variables: { alwaysOpen: 'no' } });
    h.promptEnded();
    return summarize(h.log.at(-1)!).slice(0, 20);
  };

  test('with alwaysOpen no, the office calendar decides: open on a weekday at 10:00', () => {
    assert.match(hours('2025-01-06T10:00:00'), /销售咨询/);
  });

  test('closed on Saturday afternoon, with the after-hours prompt then voicemail', () => {
    assert.match(hours('2025-01-11T14:00:00'), /非工作时间/);
    const h = call({ at: '2025-01-11T14:00:00', variables: { alwaysOpen: 'no' } });
    h.promptEnded();
    h.promptEnded();
    assert.deepEqual(tail(h), ['Voicemail general', 'FlowEnded voicemail']);
  });

  test('closed on National Day, open on its make-up Sunday', () => {
    assert.match(hours('2025-10-01T10:00:00'), /非工作时间/);
    assert.match(hours('2025-09-28T10:00:00'), /销售咨询/);
  });
});
