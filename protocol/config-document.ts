import { createHash } from 'node:crypto';
import { z } from 'zod';
import { SipConfigSchema } from '../appliance/sip/config.ts';
import { AcdConfigSchema, parseAcdConfig } from '../appliance/acd/config.ts';
import { CalendarSchema, FlowSchema, VariableName } from '../appliance/ivr/flow-schema.ts';
import { validateFlow } from '../appliance/ivr/flow-validation.ts';
import { DeskSectionSchema } from '../appliance/desk/desk-config.ts';
import { VoicemailSectionSchema } from '../appliance/voicemail/voicemail-config.ts';

/**
 * The appliance's whole configuration (the configuration twin's document): one versioned zod
 * schema built from a table of sections. Each module owns the schema of its section and, when
 * a shape check is not enough, a semantic check (references, graphs); a new module plugs in
 * by adding one row to `configSections`. The fleet renders and validates with this table
 * before a push, and the appliance validates with it again before it applies (it is the
 * authority: it may run a newer schema than the fleet knows).
 */
export const CONFIG_SCHEMA_VERSION = 1;

export interface ConfigIssue {
  /** Dotted path into the document, e.g. `sip.trunks.0.host`. */
  path: string;
  message: string;
}

export const ConfigIssueSchema = z.object({ path: z.string().max(300), message: z.string().max(1000) });

const RecordingMode = z.enum(['all', 'none', 'on-demand']);

export const RecordingPolicySchema = z.strictObject({
  /** What is recorded unless a queue says otherwise. */
  mode: RecordingMode.default('all'),
  /** Per-queue exceptions, keyed by ACD queue id. */
  queues: z.record(z.string().min(1).max(64), RecordingMode).default({}),
  /** Play the "this call may be recorded" notice before the agent answers. */
  announce: z.boolean().default(true),
  /** Recording stops while an agent has the call on hold or in a payment step (PCI DSS). */
  pauseOnHold: z.boolean().default(true),
});

const Days = z.number().int().min(1).max(36_500);
export const RetentionPolicySchema = z.strictObject({
  cdrDays: Days.default(365),
  recordingDays: Days.default(180),
  conversationDays: Days.default(365),
  agentStateDays: Days.default(90),
});

export const FeatureFlagsSchema = z.record(z.string().regex(/^[a-z][a-z0-9.-]{0,63}$/, 'must be a lower-case flag name'), z.boolean());

export const IvrSectionSchema = z.strictObject({ flows: z.array(FlowSchema).max(200) });

type CheckContext = { doc: Record<string, unknown> };

interface SectionSpec<S extends z.ZodType = z.ZodType> {
  readonly schema: S;
  readonly about: string;
  /** Checks beyond the shape, on the parsed section; issue paths are relative to the section. */
  readonly check?: (value: z.infer<S>, raw: unknown, ctx: CheckContext) => ConfigIssue[];
}

function section<S extends z.ZodType>(s: SectionSpec<S>): SectionSpec<S> {
  return s;
}

const idsOf = (list: unknown, key: string): Set<string> =>
  new Set(Array.isArray(list) ? list.map((x) => (x as Record<string, unknown>)?.[key]).filter((v): v is string => typeof v === 'string') : []);

/** The sections of the document, each validated by its module's own schema. */
export const configSections = {
  sip: section({
    schema: SipConfigSchema,
    about: 'SIP listeners, registrar users, trunks (with credentials), trunk groups, DIDs and outbound routes (appliance/sip)',
    check: (sip, _raw, { doc }) => {
      // A DID may only send calls to a queue or flow that this same document defines.
      const queues = idsOf((doc.acd as { queues?: unknown } | undefined)?.queues, 'id');
      const flows = idsOf((doc.ivr as { flows?: unknown } | undefined)?.flows, 'id');
      const issues: ConfigIssue[] = [];
      sip.dids.forEach((d, i) => {
        if (d.route.kind === 'queue' && !queues.has(d.route.queue)) issues.push({ path: `dids.${i}.route.queue`, message: `unknown queue ${d.route.queue}` });
        if (d.route.kind === 'ivr' && !flows.has(d.route.flow)) issues.push({ path: `dids.${i}.route.flow`, message: `unknown IVR flow ${d.route.flow}` });
      });
      return issues;
    },
  }),
  acd: section({
    schema: AcdConfigSchema,
    about: 'skills, agents, queues, capacity profiles and routing strategies (appliance/acd)',
    check: (acd, raw) => {
      const result = parseAcdConfig(raw, { customStrategies: acd.strategyPlugins.map((p) => p.name) });
      return result.ok ? [] : result.error.issues.map((message) => ({ path: '', message }));
    },
  }),
  ivr: section({
    schema: IvrSectionSchema,
    about: 'IVR flows (appliance/ivr)',
    check: (ivr) => {
      const issues: ConfigIssue[] = [];
      const seen = new Set<string>();
      ivr.flows.forEach((flow, i) => {
        if (seen.has(flow.id)) issues.push({ path: `flows.${i}.id`, message: `duplicate flow id ${flow.id}` });
        seen.add(flow.id);
        const result = validateFlow(flow);
        if (!result.ok) for (const issue of result.issues.slice(0, 20)) issues.push({ path: `flows.${i}`, message: issue.message });
      });
      return issues;
    },
  }),
  workingHours: section({
    schema: z.record(VariableName, CalendarSchema),
    about: 'named working-hours calendars (weekly hours, holidays, make-up working days)',
  }),
  recording: section({
    schema: RecordingPolicySchema,
    about: 'recording policy',
    check: (rec, _raw, { doc }) => {
      const queues = idsOf((doc.acd as { queues?: unknown } | undefined)?.queues, 'id');
      return Object.keys(rec.queues)
        .filter((q) => !queues.has(q))
        .map((q) => ({ path: `queues.${q}`, message: `unknown queue ${q}` }));
    },
  }),
  retention: section({ schema: RetentionPolicySchema, about: 'how long records are kept on the appliance' }),
  features: section({ schema: FeatureFlagsSchema, about: 'feature flags' }),
  voicemail: section({
    schema: VoicemailSectionSchema,
    about: 'voicemail boxes (greeting, longest message, agents who listen); without a box list any box a flow or overflow rule names takes messages (appliance/voicemail)',
    check: (vm, _raw, { doc }) => {
      const agents = idsOf((doc.acd as { agents?: unknown } | undefined)?.agents, 'id');
      const issues: ConfigIssue[] = [];
      const seen = new Set<string>();
      (vm.boxes ?? []).forEach((b, i) => {
        if (seen.has(b.id)) issues.push({ path: `boxes.${i}.id`, message: `duplicate voicemail box ${b.id}` });
        seen.add(b.id);
        (b.agents ?? []).forEach((a, j) => {
          if (!agents.has(a)) issues.push({ path: `boxes.${i}.agents.${j}`, message: `unknown ACD agent ${a}` });
        });
      });
      return issues;
    },
  }),
  desk: section({
    schema: DeskSectionSchema,
    about: 'agent desk: agent logins (scrypt hashes), desk phones, wrap-up dispositions, outbound trunk group (appliance/desk)',
    check: (desk, _raw, { doc }) => {
      const agents = idsOf((doc.acd as { agents?: unknown } | undefined)?.agents, 'id');
      const users = idsOf((doc.sip as { registrarUsers?: unknown } | undefined)?.registrarUsers, 'username');
      const groups = idsOf((doc.sip as { trunkGroups?: unknown } | undefined)?.trunkGroups, 'id');
      const issues: ConfigIssue[] = [];
      desk.agents.forEach((a, i) => {
        if (!agents.has(a.id)) issues.push({ path: `agents.${i}.id`, message: `unknown ACD agent ${a.id}` });
        if (a.phone !== undefined && !users.has(a.phone)) issues.push({ path: `agents.${i}.phone`, message: `unknown registrar user ${a.phone}` });
      });
      if (desk.outboundTrunkGroup !== undefined && !groups.has(desk.outboundTrunkGroup)) issues.push({ path: 'outboundTrunkGroup', message: `unknown trunk group ${desk.outboundTrunkGroup}` });
      return issues;
    },
  }),
} as const;

export type ConfigSectionName = keyof typeof configSections;
export const configSectionNames = Object.keys(configSections) as ConfigSectionName[];

type SectionShape = { [K in ConfigSectionName]: z.ZodOptional<(typeof configSections)[K]['schema']> };

/** The document as one zod schema: `schema` names its version, every section is optional. */
export const ConfigDocumentSchema = z.strictObject({
  schema: z.literal(CONFIG_SCHEMA_VERSION, { error: `must be ${CONFIG_SCHEMA_VERSION} (the configuration schema this appliance speaks)` }),
  ...(Object.fromEntries(configSectionNames.map((n) => [n, configSections[n].schema.optional()])) as SectionShape),
});
/** What people and templates write (defaults left out). */
export type ConfigDocumentInput = z.input<typeof ConfigDocumentSchema>;
/** What modules read (defaults filled in). */
export type ConfigDocument = z.infer<typeof ConfigDocumentSchema>;

export type ConfigValidation = { ok: true; config: ConfigDocument } | { ok: false; issues: ConfigIssue[] };

const MAX_ISSUES = 50;

/**
 * Validates a whole document: the shape of every section, then each section's own checks.
 * Every issue is reported (up to 50), so an admin fixes them in one round.
 */
export function validateConfigDocument(raw: unknown): ConfigValidation {
  const parsed = ConfigDocumentSchema.safeParse(raw);
  if (!parsed.success) {
    return {
      ok: false,
      issues: parsed.error.issues.slice(0, MAX_ISSUES).map((i) => ({ path: i.path.map(String).join('.'), message: i.message })),
    };
  }
  const doc = parsed.data as Record<string, unknown>;
  const rawDoc = raw as Record<string, unknown>;
  const issues: ConfigIssue[] = [];
  for (const name of configSectionNames) {
    const spec = configSections[name] as SectionSpec;
    if (doc[name] === undefined || !spec.check) continue;
    for (const issue of spec.check(doc[name], rawDoc[name], { doc })) {
      issues.push({ path: issue.path ? `${name}.${issue.path}` : name, message: issue.message });
    }
  }
  return issues.length ? { ok: false, issues: issues.slice(0, MAX_ISSUES) } : { ok: true, config: parsed.data };
}

/** JSON with object keys sorted at every level, so equal documents have equal text and hash. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = sortKeys(v);
    }
    return out;
  }
  return value;
}

/** The identity of a document's content: sha256 of its canonical JSON, hex. */
export function configHash(config: unknown): string {
  return createHash('sha256').update(canonicalJson(config)).digest('hex');
}

/** An empty but valid document: what an appliance runs before anything was applied. */
export const emptyConfigDocument = (): ConfigDocumentInput => ({ schema: CONFIG_SCHEMA_VERSION });
