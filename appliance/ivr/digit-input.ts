// Menu and collect nodes: prompt, digits, timeouts, retries. Rules (README "Digits"):
// - A prompt with barge-in stops at the first digit, which counts as input.
// - Without barge-in, digits during the prompt are kept and read when it ends.
// - Digits pressed earlier (type-ahead) are read at once on entry and the prompt is skipped,
//   unless the node has typeAhead: false.
// - A wrong entry or no entry costs one attempt: the prompt is played again (after the
//   invalid/timeout prompt) until `retries` are used up, then onInvalid/onTimeout is taken.
//   A failure drops the rest of the type-ahead: it was typed for the wrong question.
import type { NodeOf } from './flow-schema.ts';
import type { StepContext } from './ivr-session.ts';
import { MAX_VALUE_LENGTH } from './ivr-session.ts';
import { renderPrompt } from './prompts.ts';

export type InputNode = NodeOf<'menu'> | NodeOf<'collect'>;

export function enterInput(ctx: StepContext, node: InputNode): void {
  ctx.s.attempts = 0;
  ctx.s.input = '';
  if (!node.typeAhead) ctx.s.buffer = '';
  if (ctx.s.buffer !== '') {
    ctx.s.phase = 'input';
    drainBuffer(ctx, node);
  } else playPrompt(ctx, node, node.prompt);
}

function playPrompt(ctx: StepContext, node: InputNode, prompt: NodeOf<'menu'>['prompt']): void {
  ctx.s.playbackId = ctx.nextId('p');
  ctx.s.phase = 'prompting';
  ctx.emit({ type: 'Play', playbackId: ctx.s.playbackId, items: renderPrompt(prompt, ctx.s.variables), bargeIn: node.bargeIn });
}

/** Reads type-ahead digits one by one while the node still wants them. */
function drainBuffer(ctx: StepContext, node: InputNode): void {
  while (ctx.s.buffer !== '' && ctx.pending === null && ctx.s.phase === 'input' && ctx.s.nodeId === node.id) {
    const digit = ctx.s.buffer[0]!;
    ctx.s.buffer = ctx.s.buffer.slice(1);
    inputDigit(ctx, node, digit);
  }
  if (ctx.pending === null && ctx.s.phase === 'input' && ctx.s.timerId === null) ctx.startTimer(node.firstDigitTimeoutMs);
}

export function promptDigit(ctx: StepContext, node: InputNode, digit: string): void {
  if (!node.bargeIn) {
    ctx.bufferDigit(digit);
    return;
  }
  ctx.stopPlayback();
  ctx.s.phase = 'input';
  inputDigit(ctx, node, digit);
}

export function promptEnded(ctx: StepContext, node: InputNode): void {
  ctx.s.playbackId = null;
  ctx.s.phase = 'input';
  drainBuffer(ctx, node);
}

export function inputDigit(ctx: StepContext, node: InputNode, digit: string): void {
  ctx.cancelTimer();
  if (node.type === 'menu') {
    const input = ctx.s.input + digit;
    ctx.s.input = input;
    const keys = Object.keys(node.options);
    const longer = keys.some((k) => k.length > input.length && k.startsWith(input));
    if (Object.hasOwn(node.options, input) && !longer) chooseOption(ctx, node, input);
    else if (longer) ctx.startTimer(node.interDigitTimeoutMs);
    else fail(ctx, node, 'invalid');
    return;
  }
  if (node.terminator !== null && digit === node.terminator) {
    finishCollect(ctx, node);
    return;
  }
  ctx.s.input += digit;
  if (ctx.s.input.length >= node.maxDigits) finishCollect(ctx, node);
  else ctx.startTimer(node.interDigitTimeoutMs);
}

export function inputTimeout(ctx: StepContext, node: InputNode): void {
  ctx.s.timerId = null;
  const input = ctx.s.input;
  if (input === '') fail(ctx, node, 'timeout');
  else if (node.type === 'collect') finishCollect(ctx, node);
  else if (Object.hasOwn(node.options, input)) chooseOption(ctx, node, input);
  else fail(ctx, node, 'invalid');
}

function chooseOption(ctx: StepContext, node: NodeOf<'menu'>, digits: string): void {
  const option = node.options[digits]!;
  record(ctx, node, digits, option.label);
  ctx.goto(option.next);
}

function finishCollect(ctx: StepContext, node: NodeOf<'collect'>): void {
  const digits = ctx.s.input;
  if (digits.length < node.minDigits) {
    fail(ctx, node, 'invalid');
    return;
  }
  ctx.s.variables[node.variable] = digits.slice(0, MAX_VALUE_LENGTH);
  record(ctx, node, node.sensitive ? '*'.repeat(digits.length) : digits, undefined);
  ctx.goto(node.next);
}

function record(ctx: StepContext, node: InputNode, digits: string, label: string | undefined): void {
  const choice = {
    nodeId: node.id,
    ...(node.name !== undefined ? { nodeName: node.name } : {}),
    kind: node.type,
    digits,
    ...(label !== undefined ? { label } : {}),
    at: ctx.now,
  };
  ctx.s.choices.push(choice);
  ctx.emit({ type: 'RecordChoice', choice });
}

function fail(ctx: StepContext, node: InputNode, kind: 'invalid' | 'timeout'): void {
  ctx.s.attempts += 1;
  ctx.s.buffer = '';
  ctx.s.input = '';
  ctx.cancelTimer();
  if (ctx.s.attempts > node.retries) {
    ctx.goto(kind === 'invalid' ? node.onInvalid : node.onTimeout);
    return;
  }
  const before = kind === 'invalid' ? node.invalidPrompt : node.timeoutPrompt;
  playPrompt(ctx, node, [...(before ?? []), ...node.prompt]);
}
