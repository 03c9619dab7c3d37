// Save-time validation: a flow is refused with messages naming node ids when its graph is
// wrong. The rules (each has a code, tested in flow-validation.test.ts):
//  - schema            a node or field is malformed (zod)
//  - duplicate-id      two nodes share an id
//  - missing-entry     `entry` names no node
//  - dangling-branch   a branch goes to an id that no node has
//  - unknown-calendar  a condition names a calendar the flow does not define
//  - unknown-variable  a template, condition or transfer reads a variable that is neither
//                      built in (caller, callee, callId), declared in `variables`, nor
//                      assigned anywhere in the flow (set, collect, lookup map)
//  - bad-reference     a lookup requires a variable it does not map; a calendar both
//                      closes and opens the same date
//  - unreachable       a node cannot be reached from the entry
//  - loop-without-wait a cycle made only of nodes that can pass through at once (condition,
//                      set, a transfer/voicemail's ifEmpty branch): the interpreter would
//                      spin on it without waiting for anything.
//                      Every other node waits for an event (a prompt's end, a digit, a timer,
//                      a lookup result) or ends the flow, and a menu or collect entered with
//                      type-ahead digits consumes at least one, so any other cycle is bounded
//                      by the caller's own input.
//  - no-ending         from a node no ending (hang up, transfer, voicemail) can be reached,
//                      so a caller who got there could never leave the flow.
import { z } from 'zod';
import {
  BUILTIN_VARIABLES,
  ENDING_TYPES,
  FlowSchema,
  isInstant,
  branchesOf,
  type Flow,
  type FlowNode,
  type Predicate,
  type PromptItem,
} from './flow-schema.ts';
import { templateReferences } from './templates.ts';

export type FlowIssueCode =
  | 'schema'
  | 'duplicate-id'
  | 'missing-entry'
  | 'dangling-branch'
  | 'unknown-calendar'
  | 'unknown-variable'
  | 'bad-reference'
  | 'unreachable'
  | 'loop-without-wait'
  | 'no-ending';

export interface FlowIssue {
  code: FlowIssueCode;
  /** The node the issue is about, when there is one. */
  nodeId?: string;
  message: string;
}

/** A flow that passed validation, with its nodes indexed; sessions run on this. */
export interface CompiledFlow {
  readonly flow: Flow;
  readonly nodes: ReadonlyMap<string, FlowNode>;
}

export type FlowValidation = { ok: true; compiled: CompiledFlow } | { ok: false; issues: FlowIssue[] };

export class FlowInvalidError extends Error {
  override readonly name = 'FlowInvalidError';
  constructor(
    readonly flowId: string,
    readonly issues: readonly FlowIssue[],
  ) {
    super(`flow ${flowId} is invalid: ${issues.slice(0, 10).map((i) => i.message).join('; ')}${issues.length > 10 ? ` (and ${issues.length - 10} more)` : ''}`);
  }
}

/** Validates raw input (e.g. a JSON body from the admin page) into a runnable flow. */
export function validateFlow(raw: unknown): FlowValidation {
  const parsed = FlowSchema.safeParse(raw);
  if (!parsed.success) return { ok: false, issues: schemaIssues(raw, parsed.error) };
  const flow = parsed.data;
  const issues: FlowIssue[] = [];
  const nodes = new Map<string, FlowNode>();
  for (const node of flow.nodes) {
    if (nodes.has(node.id)) issues.push({ code: 'duplicate-id', nodeId: node.id, message: `node id "${node.id}" is used by more than one node` });
    else nodes.set(node.id, node);
  }
  if (!nodes.has(flow.entry)) issues.push({ code: 'missing-entry', message: `entry "${flow.entry}" is not a node of the flow` });
  for (const node of nodes.values()) {
    for (const [label, target] of branchesOf(node)) {
      if (!nodes.has(target)) issues.push({ code: 'dangling-branch', nodeId: node.id, message: `node "${node.id}" ${label} goes to "${target}", which is not a node of the flow` });
    }
  }
  issues.push(...referenceIssues(flow, nodes));
  if (nodes.has(flow.entry)) issues.push(...reachabilityIssues(flow.entry, nodes));
  issues.push(...instantLoopIssues(nodes), ...noEndingIssues(nodes));
  return issues.length ? { ok: false, issues } : { ok: true, compiled: { flow, nodes } };
}

/** validateFlow, throwing FlowInvalidError. */
export function compileFlow(raw: unknown): CompiledFlow {
  const result = validateFlow(raw);
  if (!result.ok) {
    const id = typeof raw === 'object' && raw !== null && typeof (raw as { id?: unknown }).id === 'string' ? (raw as { id: string }).id : '(no id)';
    throw new FlowInvalidError(id, result.issues);
  }
  return result.compiled;
}

function schemaIssues(raw: unknown, error: z.ZodError): FlowIssue[] {
  const rawNodes = typeof raw === 'object' && raw !== null ? (raw as { nodes?: unknown }).nodes : undefined;
  return error.issues.slice(0, 50).map((issue) => {
    const [head, index, ...rest] = issue.path;
    // A record key's own error (e.g. a menu key "12345") is nested one level down in zod 4.
    const inner = (issue as { issues?: Array<{ message?: string }> }).issues?.[0]?.message;
    const text = inner ? `${issue.message} (${inner})` : issue.message;
    const rawNode = head === 'nodes' && typeof index === 'number' && Array.isArray(rawNodes) ? (rawNodes[index] as { id?: unknown } | undefined) : undefined;
    if (rawNode && typeof rawNode.id === 'string') {
      const where = rest.length ? ` ${rest.join('.')}` : '';
      return { code: 'schema', nodeId: rawNode.id, message: `node "${rawNode.id}"${where}: ${text}` };
    }
    return { code: 'schema', message: `${issue.path.length ? issue.path.join('.') : '(flow)'}: ${text}` };
  });
}

function promptReferences(prompt: readonly PromptItem[] | undefined): string[] {
  return (prompt ?? []).flatMap((item) => ('tts' in item ? templateReferences(item.tts) : []));
}

function predicateReads(p: Predicate, vars: string[], calendars: string[]): void {
  switch (p.kind) {
    case 'var':
      vars.push(p.var);
      break;
    case 'calendar':
      calendars.push(p.calendar);
      break;
    case 'all':
    case 'any':
      for (const q of p.of) predicateReads(q, vars, calendars);
      break;
    case 'not':
      predicateReads(p.of, vars, calendars);
      break;
    default:
      break;
  }
}

/** Variables a node reads, and calendars it names. */
function readsOf(node: FlowNode): { vars: string[]; calendars: string[] } {
  const vars: string[] = [];
  const calendars: string[] = [];
  switch (node.type) {
    case 'play':
      vars.push(...promptReferences(node.prompt));
      break;
    case 'menu':
    case 'collect':
      vars.push(...promptReferences(node.prompt), ...promptReferences(node.invalidPrompt), ...promptReferences(node.timeoutPrompt));
      break;
    case 'condition':
      for (const rule of node.rules) predicateReads(rule.when, vars, calendars);
      break;
    case 'set':
      for (const value of Object.values(node.assign)) vars.push(...templateReferences(value));
      break;
    case 'lookup':
      vars.push(...templateReferences(node.url), ...Object.values(node.headers).flatMap(templateReferences), ...templateReferences(node.body ?? ''), ...promptReferences(node.holdPrompt));
      break;
    case 'queue':
      if (node.priorityVariable) vars.push(node.priorityVariable);
      if (node.skillsVariable) vars.push(node.skillsVariable);
      break;
    case 'agent':
      vars.push(...templateReferences(node.agent));
      break;
    case 'external':
      vars.push(...templateReferences(node.number), ...templateReferences(node.callerId ?? ''));
      break;
    case 'voicemail':
      vars.push(...templateReferences(node.box), ...promptReferences(node.greeting));
      break;
    case 'hangup':
      break;
  }
  return { vars, calendars };
}

/** Variables the flow can hold: built in, declared, or assigned by a node. */
export function knownVariables(flow: Flow): Set<string> {
  const known = new Set([...BUILTIN_VARIABLES, ...Object.keys(flow.variables)]);
  for (const node of flow.nodes) {
    if (node.type === 'set') for (const name of Object.keys(node.assign)) known.add(name);
    if (node.type === 'collect') known.add(node.variable);
    if (node.type === 'lookup') for (const name of Object.keys(node.map)) known.add(name);
  }
  return known;
}

function referenceIssues(flow: Flow, nodes: ReadonlyMap<string, FlowNode>): FlowIssue[] {
  const issues: FlowIssue[] = [];
  const known = knownVariables(flow);
  for (const node of nodes.values()) {
    const { vars, calendars } = readsOf(node);
    for (const name of new Set(vars)) {
      if (!known.has(name)) issues.push({ code: 'unknown-variable', nodeId: node.id, message: `node "${node.id}" reads variable "${name}", which is not built in, declared in variables, nor set by any node` });
    }
    for (const name of new Set(calendars)) {
      if (!Object.hasOwn(flow.calendars, name)) issues.push({ code: 'unknown-calendar', nodeId: node.id, message: `node "${node.id}" checks calendar "${name}", which the flow does not define` });
    }
    if (node.type === 'lookup') {
      for (const name of node.required) {
        if (!Object.hasOwn(node.map, name)) issues.push({ code: 'bad-reference', nodeId: node.id, message: `node "${node.id}" requires "${name}", which its map does not fill` });
      }
    }
  }
  for (const [name, calendar] of Object.entries(flow.calendars)) {
    for (const h of calendar.holidays) {
      if (h.to !== undefined && h.to < h.from) issues.push({ code: 'bad-reference', message: `calendar "${name}": holiday ${h.from} ends (${h.to}) before it starts` });
      const clash = calendar.specialWorkdays.find((d) => d.date >= h.from && d.date <= (h.to ?? h.from));
      if (clash) issues.push({ code: 'bad-reference', message: `calendar "${name}": ${clash.date} is both a holiday and a special working day` });
    }
  }
  return issues;
}

function reachabilityIssues(entry: string, nodes: ReadonlyMap<string, FlowNode>): FlowIssue[] {
  const seen = new Set([entry]);
  const todo = [entry];
  while (todo.length) {
    const node = nodes.get(todo.pop()!);
    for (const [, target] of node ? branchesOf(node) : []) {
      if (nodes.has(target) && !seen.has(target)) {
        seen.add(target);
        todo.push(target);
      }
    }
  }
  return [...nodes.keys()]
    .filter((id) => !seen.has(id))
    .map((id) => ({ code: 'unreachable' as const, nodeId: id, message: `node "${id}" cannot be reached from the entry "${entry}"` }));
}

/** Cycles among condition/set nodes, each reported once with its path. */
function instantLoopIssues(nodes: ReadonlyMap<string, FlowNode>): FlowIssue[] {
  const issues: FlowIssue[] = [];
  const state = new Map<string, 'active' | 'done'>();
  const path: string[] = [];
  const visit = (id: string): void => {
    state.set(id, 'active');
    path.push(id);
    for (const [, target] of branchesOf(nodes.get(id)!)) {
      const next = nodes.get(target);
      if (!next || !isInstant(next)) continue;
      const s = state.get(target);
      if (s === 'active') {
        const cycle = [...path.slice(path.indexOf(target)), target];
        issues.push({
          code: 'loop-without-wait',
          nodeId: target,
          message: `nodes ${cycle.map((c) => `"${c}"`).join(' → ')} form a loop that never waits for the caller (only condition, set or ifEmpty branches): add a prompt, menu or ending`,
        });
      } else if (s === undefined) visit(target);
    }
    path.pop();
    state.set(id, 'done');
  };
  for (const [id, node] of nodes) if (isInstant(node) && !state.has(id)) visit(id);
  return issues;
}

function noEndingIssues(nodes: ReadonlyMap<string, FlowNode>): FlowIssue[] {
  const incoming = new Map<string, string[]>();
  for (const node of nodes.values()) {
    for (const [, target] of branchesOf(node)) incoming.set(target, [...(incoming.get(target) ?? []), node.id]);
  }
  const canEnd = new Set([...nodes.values()].filter((n) => ENDING_TYPES.has(n.type)).map((n) => n.id));
  const todo = [...canEnd];
  while (todo.length) {
    for (const from of incoming.get(todo.pop()!) ?? []) {
      if (!canEnd.has(from)) {
        canEnd.add(from);
        todo.push(from);
      }
    }
  }
  return [...nodes.keys()]
    .filter((id) => !canEnd.has(id))
    .map((id) => ({ code: 'no-ending' as const, nodeId: id, message: `from node "${id}" no ending (hang up, transfer, voicemail) can be reached: a caller there could never leave the flow` }));
}
