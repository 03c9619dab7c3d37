// The shape of an IVR flow: a graph of nodes with ids, stored as JSON and edited by admins.
// This file only checks each part in isolation (zod); graph rules (dangling branches,
// unreachable nodes, loops without a wait, unknown variables) live in flow-validation.ts.
import { z } from 'zod';
import { isTemplate } from './templates.ts';
import { isTimeZone, parseClock, parseRange } from './calendar.ts';
import { compileCallerPattern } from './caller-pattern.ts';

/** Graph limits: keep a flow readable, and bound the work one event can cause (see README). */
export const MAX_NODES = 300;
export const MAX_TIMEOUT_MS = 120_000;

export const NodeId = z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'must be 1-64 letters, digits, _ . -');
export const VariableName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'must be a name: letters, digits, _ (not starting with a digit)');
/** Text where `${name}` is replaced by a variable's value (`$$` is a literal `$`). */
export const Template = z.string().max(2000).refine(isTemplate, 'is a malformed template: use ${name} for variables and $$ for a literal $');
/** RFC 4733 §3.2 events 0-15: digits, * # and A-D. */
export const DtmfDigit = z.enum(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '#', 'A', 'B', 'C', 'D']);
const DigitString = z.string().regex(/^[0-9*#A-D]{1,4}$/, 'must be 1-4 DTMF digits');
const Timeout = z.number().int().min(100).max(MAX_TIMEOUT_MS);
const Retries = z.number().int().min(0).max(9);
const Regex = z
  .string()
  .max(500)
  .refine((s) => {
    try {
      new RegExp(s, 'u');
      return true;
    } catch {
      return false;
    }
  }, 'is not a valid regular expression');

/** One prompt part: a recorded file (path under the prompts directory) or text for TTS. */
export const PromptItem = z.union([
  z.object({ file: z.string().regex(/^(?!\/)(?!.*\.\.)[\w./-]{1,200}$/, 'must be a relative path without ..') }).strict(),
  z.object({ tts: Template, language: z.string().regex(/^[a-z]{2}(-[A-Z]{2})?$/).optional() }).strict(),
]);
export type PromptItem = z.infer<typeof PromptItem>;
/** Parts are played one after another as one playback (e.g. Chinese, then English). */
export const Prompt = z.array(PromptItem).min(1).max(20);

// --- conditions ---------------------------------------------------------------------------

export type Predicate =
  | { kind: 'var'; var: string; op: 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge'; value: string | number }
  | { kind: 'var'; var: string; op: 'in'; value: string[] }
  | { kind: 'var'; var: string; op: 'matches'; value: string }
  | { kind: 'var'; var: string; op: 'empty' | 'notEmpty' }
  | { kind: 'caller'; patterns: string[] }
  | { kind: 'calendar'; calendar: string }
  | { kind: 'time'; from: string; to: string; days?: Weekday[] | undefined }
  | { kind: 'all'; of: Predicate[] }
  | { kind: 'any'; of: Predicate[] }
  | { kind: 'not'; of: Predicate };

export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export const Weekday = z.enum(WEEKDAYS);
export type Weekday = z.infer<typeof Weekday>;
const Clock = z.string().refine((s) => parseClock(s) !== undefined, 'must be HH:MM (00:00-24:00)');
const CallerPattern = z
  .string()
  .max(64)
  .refine((s) => compileCallerPattern(s) !== undefined, 'is not a caller pattern: digits + * #, or _ followed by X Z N . ! [1-5]');

export const PredicateSchema: z.ZodType<Predicate> = z.lazy(() =>
  z.union([
    z.object({ kind: z.literal('var'), var: VariableName, op: z.enum(['eq', 'ne', 'lt', 'le', 'gt', 'ge']), value: z.union([z.string().max(1000), z.number()]) }).strict(),
    z.object({ kind: z.literal('var'), var: VariableName, op: z.literal('in'), value: z.array(z.string().max(1000)).max(200) }).strict(),
    z.object({ kind: z.literal('var'), var: VariableName, op: z.literal('matches'), value: Regex }).strict(),
    z.object({ kind: z.literal('var'), var: VariableName, op: z.enum(['empty', 'notEmpty']) }).strict(),
    z.object({ kind: z.literal('caller'), patterns: z.array(CallerPattern).min(1).max(100) }).strict(),
    z.object({ kind: z.literal('calendar'), calendar: VariableName }).strict(),
    z.object({ kind: z.literal('time'), from: Clock, to: Clock, days: z.array(Weekday).optional() }).strict(),
    z.object({ kind: z.enum(['all', 'any']), of: z.array(PredicateSchema).min(1).max(20) }).strict(),
    z.object({ kind: z.literal('not'), of: PredicateSchema }).strict(),
  ]),
);

// --- calendars ----------------------------------------------------------------------------

const IsoDate = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/, 'must be a date YYYY-MM-DD');
/** `09:00-12:00`; ranges never cross midnight (split them per day). */
const HoursRange = z.string().refine((s) => parseRange(s) !== undefined, 'must be HH:MM-HH:MM with the start before the end');
const Hours = z.array(HoursRange).max(10);
export const TimeZone = z.string().refine(isTimeZone, 'is not an IANA time zone known to this system (e.g. Asia/Shanghai)');

/**
 * Working hours: weekly hours, holidays (closed all day) and special working days (China's
 * 调休 make-up days, with their own hours). A special working day wins over the weekly plan.
 */
export const CalendarSchema = z
  .object({
    /** Defaults to the flow's time zone. */
    timeZone: TimeZone.optional(),
    weekly: z.partialRecord(Weekday, Hours),
    holidays: z.array(z.object({ from: IsoDate, to: IsoDate.optional(), name: z.string().max(100).optional() }).strict()).max(500).default([]),
    specialWorkdays: z.array(z.object({ date: IsoDate, hours: Hours.min(1), name: z.string().max(100).optional() }).strict()).max(200).default([]),
  })
  .strict();
export type Calendar = z.infer<typeof CalendarSchema>;

// --- nodes --------------------------------------------------------------------------------

const base = { id: NodeId, name: z.string().max(100).optional() };
const InputRetry = {
  retries: Retries.default(2),
  firstDigitTimeoutMs: Timeout.default(5000),
  /** Played before the prompt again after a wrong entry / no entry. */
  invalidPrompt: Prompt.optional(),
  timeoutPrompt: Prompt.optional(),
  /** Prompts are interruptible by a digit by default. */
  bargeIn: z.boolean().default(true),
  /** Use digits pressed before this node started (during an earlier prompt); else drop them. */
  typeAhead: z.boolean().default(true),
  onInvalid: NodeId,
  onTimeout: NodeId,
};

export const PlayNode = z.object({ ...base, type: z.literal('play'), prompt: Prompt, bargeIn: z.boolean().default(false), next: NodeId }).strict();
export const MenuNode = z
  .object({
    ...base,
    type: z.literal('menu'),
    prompt: Prompt,
    /** Digits (1-4 of them) → branch. A key that is a prefix of another waits `interDigitTimeoutMs`. */
    options: z.record(DigitString, z.object({ next: NodeId, label: z.string().max(100).optional() }).strict()),
    interDigitTimeoutMs: Timeout.default(2000),
    ...InputRetry,
  })
  .strict()
  .refine((n) => Object.keys(n.options).length > 0, { message: 'a menu needs at least one option', path: ['options'] });
export const CollectNode = z
  .object({
    ...base,
    type: z.literal('collect'),
    prompt: Prompt,
    variable: VariableName,
    minDigits: z.number().int().min(1).max(32).default(1),
    maxDigits: z.number().int().min(1).max(32).default(20),
    /** Ends the entry early; not stored. `null`: no terminator. */
    terminator: z.union([z.enum(['#', '*']), z.null()]).default('#'),
    interDigitTimeoutMs: Timeout.default(3000),
    /** The digits are masked in the choices record (PIN, card number). */
    sensitive: z.boolean().default(false),
    next: NodeId,
    ...InputRetry,
  })
  .strict()
  .refine((n) => n.minDigits <= n.maxDigits, { message: 'minDigits must not exceed maxDigits', path: ['minDigits'] });
export const ConditionNode = z
  .object({ ...base, type: z.literal('condition'), rules: z.array(z.object({ when: PredicateSchema, next: NodeId }).strict()).min(1).max(50), otherwise: NodeId })
  .strict();
export const SetNode = z.object({ ...base, type: z.literal('set'), assign: z.record(VariableName, Template), next: NodeId }).strict();
export const LookupNode = z
  .object({
    ...base,
    type: z.literal('lookup'),
    method: z.enum(['GET', 'POST']).default('GET'),
    /** Values are URL-encoded where they land in the URL. */
    url: Template.refine((s) => /^https?:\/\//.test(s), 'must start with http:// or https://'),
    headers: z.record(z.string().regex(/^[A-Za-z0-9-]{1,64}$/), Template).default({}),
    /** POST body (values JSON-escaped where they land in the body). */
    body: Template.optional(),
    timeoutMs: Timeout.default(3000),
    /** Variable → dot path into the JSON response (`data.customer.level`, `items.0.id`). */
    map: z.record(VariableName, z.string().regex(/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/, 'must be a dot path')),
    /** Variables that must be found in the response, or the lookup fails. */
    required: z.array(VariableName).default([]),
    /** Played while waiting (e.g. "please hold while we find your account"). */
    holdPrompt: Prompt.optional(),
    onSuccess: NodeId,
    onFailure: NodeId,
    onTimeout: NodeId,
  })
  .strict();
export const QueueNode = z
  .object({
    ...base,
    type: z.literal('queue'),
    queue: z.string().regex(/^[A-Za-z0-9_.-]{1,128}$/),
    priority: z.number().int().min(-1000).max(1000).default(0),
    /** When set and holding an integer, overrides `priority` (e.g. a CRM customer level). */
    priorityVariable: VariableName.optional(),
    skills: z.array(z.string().min(1).max(64)).max(20).default([]),
    /** Comma-separated skills added from a variable (e.g. a language chosen in a menu). */
    skillsVariable: VariableName.optional(),
  })
  .strict();
/** Taken when the target renders empty (e.g. no agent known from the CRM); without it the call is hung up. */
const IfEmpty = { ifEmpty: NodeId.optional() };
const NonEmptyTemplate = Template.refine((s) => s.trim() !== '', 'must not be empty');
export const AgentNode = z.object({ ...base, type: z.literal('agent'), agent: NonEmptyTemplate, ...IfEmpty }).strict();
export const ExternalNode = z.object({ ...base, type: z.literal('external'), number: NonEmptyTemplate, callerId: Template.optional(), ...IfEmpty }).strict();
export const VoicemailNode = z.object({ ...base, type: z.literal('voicemail'), box: NonEmptyTemplate, greeting: Prompt.optional(), ...IfEmpty }).strict();
export const HangupNode = z.object({ ...base, type: z.literal('hangup'), reason: z.string().max(100).optional() }).strict();

export const FlowNodeSchema = z.discriminatedUnion('type', [
  PlayNode,
  MenuNode,
  CollectNode,
  ConditionNode,
  SetNode,
  LookupNode,
  QueueNode,
  AgentNode,
  ExternalNode,
  VoicemailNode,
  HangupNode,
]);
export type FlowNode = z.infer<typeof FlowNodeSchema>;
export type FlowNodeType = FlowNode['type'];
export type NodeOf<T extends FlowNodeType> = Extract<FlowNode, { type: T }>;

/** Nodes that hand the call on or end it: the flow is over once one is entered. */
export const ENDING_TYPES: ReadonlySet<FlowNodeType> = new Set(['queue', 'agent', 'external', 'voicemail', 'hangup']);
/**
 * Nodes that can pass through to another node at once, without waiting for an event:
 * condition, set, and a transfer or voicemail whose target may render empty (`ifEmpty`).
 */
export function isInstant(node: FlowNode): boolean {
  return node.type === 'condition' || node.type === 'set' || ((node.type === 'agent' || node.type === 'external' || node.type === 'voicemail') && node.ifEmpty !== undefined);
}

export const FlowSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'must be 1-64 lowercase letters, digits, _ -'),
    name: z.string().min(1).max(200),
    description: z.string().max(2000).optional(),
    entry: NodeId,
    /** Time zone for time-of-day conditions and calendars (e.g. Asia/Shanghai). */
    timeZone: TimeZone,
    /** Declared variables with their defaults; channel variables must be declared to be used. */
    variables: z.record(VariableName, z.string().max(1000)).default({}),
    calendars: z.record(VariableName, CalendarSchema).default({}),
    nodes: z.array(FlowNodeSchema).min(1).max(MAX_NODES),
  })
  .strict();
export type Flow = z.infer<typeof FlowSchema>;
export type FlowInput = z.input<typeof FlowSchema>;

/** Variables every session has; `callId` is the call control's id for the call. */
export const BUILTIN_VARIABLES: ReadonlySet<string> = new Set(['caller', 'callee', 'callId']);

/** Every branch of a node as [label, target], in a stable order (for validation and drawing). */
export function branchesOf(node: FlowNode): Array<[string, string]> {
  switch (node.type) {
    case 'play':
    case 'set':
      return [['next', node.next]];
    case 'menu':
      return [...Object.entries(node.options).map(([digits, o]): [string, string] => [`option "${digits}"`, o.next]), ['onInvalid', node.onInvalid], ['onTimeout', node.onTimeout]];
    case 'collect':
      return [['next', node.next], ['onInvalid', node.onInvalid], ['onTimeout', node.onTimeout]];
    case 'condition':
      return [...node.rules.map((r, i): [string, string] => [`rule ${i + 1}`, r.next]), ['otherwise', node.otherwise]];
    case 'lookup':
      return [['onSuccess', node.onSuccess], ['onFailure', node.onFailure], ['onTimeout', node.onTimeout]];
    case 'agent':
    case 'external':
    case 'voicemail':
      return node.ifEmpty === undefined ? [] : [['ifEmpty', node.ifEmpty]];
    default:
      return [];
  }
}
