import { z } from 'zod';

/** Channels the ACD routes. Voice and digital contacts share one engine. */
export const CHANNELS = ['voice', 'chat', 'email', 'sms', 'social'] as const;
export type Channel = (typeof CHANNELS)[number];
export const ChannelSchema = z.enum(CHANNELS);

/** Reason codes the core itself sets; configured ones add to these. */
export const BUILTIN_REASONS = ['login', 'missed', 'rejected'] as const;

export const BUILTIN_STRATEGIES = [
  'longest-idle',
  'least-occupied',
  'round-robin',
  'skill-level',
  'fewest-handled',
  'random',
] as const;
export type BuiltinStrategy = (typeof BUILTIN_STRATEGIES)[number];

const Name = z.string().min(1).max(64);
const Seconds = (what: string) =>
  z.number({ error: `${what} must be a number of seconds` }).finite().nonnegative({ error: `${what} must not be negative` });

const CapacityProfile = z.object({
  /** Concurrent contacts per channel; a channel absent here cannot be offered. */
  limits: z.partialRecord(ChannelSchema, z.number().int().nonnegative()),
  /** Ceiling across all channels. */
  maxTotal: z.number().int().positive().optional(),
  /** A contact of the key channel blocks offers on the listed channels (e.g. voice blocks chat). */
  blocks: z.partialRecord(ChannelSchema, z.array(ChannelSchema)).default({}),
  /** Whether a contact in wrap-up still holds its slot and blocks. */
  wrapUpHoldsCapacity: z.boolean().default(true),
});
export type CapacityProfile = z.infer<typeof CapacityProfile>;

const Agent = z.object({
  id: Name,
  name: z.string().max(128).optional(),
  /** Skill name to level (1 lowest .. 10 highest). */
  skills: z.record(z.string(), z.number().int().min(1).max(10)),
  /** Higher is more senior; queues choose whether seniors go first or last. */
  seniority: z.number().int().min(0).max(100).default(0),
  capacity: Name.default('default'),
});
export type AgentProfile = z.infer<typeof Agent>;

const OverflowTarget = z.union([
  z.object({ queue: Name }),
  z.object({ voicemail: Name }),
  z.object({ callback: z.object({ queue: Name.optional() }).default({}) }),
  z.object({ external: z.string().min(1).max(64) }),
]);
export type OverflowTarget = z.infer<typeof OverflowTarget>;

const OverflowRule = z.object({
  when: z.union([
    z.object({ afterSeconds: Seconds('overflow afterSeconds') }),
    z.object({ noAgentsLoggedIn: z.literal(true) }),
    z.object({ queueLongerThan: z.number().int().nonnegative() }),
  ]),
  to: OverflowTarget,
});
export type OverflowRule = z.infer<typeof OverflowRule>;

const Strategy = z.union([z.enum(BUILTIN_STRATEGIES), z.object({ custom: Name })]);
export type StrategyConfig = z.infer<typeof Strategy>;

const Queue = z.object({
  id: Name,
  name: z.string().max(128).optional(),
  /** Every listed skill is required at or above its minimum level. */
  skills: z.array(z.object({ skill: z.string(), minLevel: z.number().int().min(1).max(10).default(1) })).min(1),
  strategy: Strategy.default('longest-idle'),
  agentOrder: z.enum(['senior-first', 'senior-last', 'none']).default('none'),
  /** Across the queues an agent serves, a higher weight is served first (as Asterisk's weight). */
  weight: z.number().int().min(0).max(1000).default(0),
  /** Priority points a waiting contact gains per minute of waiting. */
  agingPerMinute: z.number().finite().nonnegative().default(0),
  offerTimeoutSeconds: Seconds('offerTimeoutSeconds').default(20),
  wrapUpSeconds: Seconds('wrapUpSeconds').default(0),
  sticky: z.object({ timeoutSeconds: Seconds('sticky timeoutSeconds') }).optional(),
  overflow: z.array(OverflowRule).default([]),
  announcements: z
    .object({
      onEnqueue: z.boolean().default(true),
      /** 0 turns periodic announcements off. */
      everySeconds: Seconds('announcements everySeconds').default(0),
    })
    .default({ onEnqueue: true, everySeconds: 0 }),
  /** Handle time assumed for wait estimates until real ones are seen. */
  defaultHandleSeconds: Seconds('defaultHandleSeconds').default(180),
});
export type QueueConfig = z.infer<typeof Queue>;

export const AcdConfigSchema = z.object({
  site: Name.default('site'),
  /** Seed of the random strategy, so runs are reproducible. */
  seed: z.number().int().default(1),
  skills: z.array(Name),
  reasonCodes: z.array(Name).default(['break', 'meal', 'training', 'meeting']),
  capacityProfiles: z.record(z.string(), CapacityProfile).default({}),
  agents: z.array(Agent),
  queues: z.array(Queue),
  readyOnLogin: z.boolean().default(false),
  /** A rejected offer puts the agent not ready (reason "rejected") instead of leaving it ready. */
  rejectMakesNotReady: z.boolean().default(false),
  /**
   * Custom strategies the adapter imports before validating the queues that use them: each
   * module's export is a `CustomStrategy`. A relative path resolves against the config's folder.
   */
  strategyPlugins: z.array(z.object({ name: Name, module: z.string().min(1).max(512), export: Name.default('default') })).default([]),
  /** How long the core remembers who last served a customer, for sticky routing. */
  stickyMemorySeconds: Seconds('stickyMemorySeconds').default(86_400),
});
export type AcdConfigInput = z.input<typeof AcdConfigSchema>;
export type AcdConfig = z.infer<typeof AcdConfigSchema> & { readonly __validated: true };

export const DEFAULT_CAPACITY: CapacityProfile = {
  limits: { voice: 1, chat: 3, email: 5, sms: 3, social: 3 },
  blocks: { voice: ['chat', 'email', 'sms', 'social'] },
  wrapUpHoldsCapacity: true,
};

export class AcdConfigError extends Error {
  constructor(readonly issues: string[]) {
    super(`invalid ACD configuration:\n  - ${issues.join('\n  - ')}`);
    this.name = 'AcdConfigError';
  }
}

export type ParseResult = { ok: true; config: AcdConfig } | { ok: false; error: AcdConfigError };

export interface ParseOptions {
  /** Names of the custom strategies that are registered; others are refused. */
  customStrategies?: Iterable<string>;
}

function path(p: readonly PropertyKey[]): string {
  return p.map((k, i) => (typeof k === 'number' ? `[${k}]` : i === 0 ? String(k) : `.${String(k)}`)).join('');
}

/** Validates a configuration: schema first, then references, then overflow cycles. */
export function parseAcdConfig(raw: unknown, options: ParseOptions = {}): ParseResult {
  const parsed = AcdConfigSchema.safeParse(raw);
  if (!parsed.success) {
    return { ok: false, error: new AcdConfigError(parsed.error.issues.map((i) => `${path(i.path) || '(root)'}: ${i.message}`)) };
  }
  const c = parsed.data;
  const issues: string[] = [];
  const skills = new Set(c.skills);
  const reasons = new Set<string>(c.reasonCodes);
  for (const r of BUILTIN_REASONS) if (reasons.has(r)) issues.push(`reasonCodes: '${r}' is built in`);
  const dup = (list: string[], what: string) => {
    const seen = new Set<string>();
    for (const id of list) {
      if (seen.has(id)) issues.push(`${what}: duplicate id '${id}'`);
      seen.add(id);
    }
  };
  dup(c.skills, 'skills');
  dup(c.reasonCodes, 'reasonCodes');
  dup(c.agents.map((a) => a.id), 'agents');
  dup(c.queues.map((q) => q.id), 'queues');
  const profiles = new Set(['default', ...Object.keys(c.capacityProfiles)]);
  c.agents.forEach((a, i) => {
    for (const s of Object.keys(a.skills)) if (!skills.has(s)) issues.push(`agents[${i}] '${a.id}': unknown skill '${s}'`);
    if (!profiles.has(a.capacity)) issues.push(`agents[${i}] '${a.id}': unknown capacity profile '${a.capacity}'`);
  });
  const queueIds = new Set(c.queues.map((q) => q.id));
  const custom = new Set(options.customStrategies ?? []);
  c.queues.forEach((q, i) => {
    const where = `queues[${i}] '${q.id}'`;
    for (const s of q.skills) if (!skills.has(s.skill)) issues.push(`${where}: unknown skill '${s.skill}'`);
    if (typeof q.strategy === 'object' && !custom.has(q.strategy.custom)) {
      issues.push(`${where}: unknown custom strategy '${q.strategy.custom}'`);
    }
    q.overflow.forEach((r, j) => {
      const target = 'queue' in r.to ? r.to.queue : 'callback' in r.to ? r.to.callback.queue : undefined;
      if (target !== undefined && !queueIds.has(target)) issues.push(`${where}.overflow[${j}]: unknown queue '${target}'`);
    });
  });
  if (issues.length === 0) {
    const cycle = findOverflowCycle(c.queues);
    if (cycle) issues.push(`overflow: cyclic overflow ${cycle.join(' -> ')}`);
  }
  if (issues.length > 0) return { ok: false, error: new AcdConfigError(issues) };
  return { ok: true, config: c as AcdConfig };
}

/** Like parseAcdConfig but throws AcdConfigError. */
export function loadAcdConfig(raw: unknown, options?: ParseOptions): AcdConfig {
  const r = parseAcdConfig(raw, options);
  if (!r.ok) throw r.error;
  return r.config;
}

/** Depth-first search over queue-to-queue overflow edges; returns one cycle as a path. */
function findOverflowCycle(queues: readonly QueueConfig[]): string[] | undefined {
  const edges = new Map<string, string[]>();
  for (const q of queues) edges.set(q.id, q.overflow.flatMap((r) => ('queue' in r.to ? [r.to.queue] : [])));
  const colour = new Map<string, 1 | 2>();
  const stack: string[] = [];
  const visit = (id: string): string[] | undefined => {
    colour.set(id, 1);
    stack.push(id);
    for (const next of edges.get(id) ?? []) {
      if (colour.get(next) === 1) return [...stack.slice(stack.indexOf(next)), next];
      if (!colour.has(next)) {
        const found = visit(next);
        if (found) return found;
      }
    }
    stack.pop();
    colour.set(id, 2);
    return undefined;
  };
  for (const q of queues) {
    if (!colour.has(q.id)) {
      const found = visit(q.id);
      if (found) return found;
    }
  }
  return undefined;
}
