// The configuration twin's decisions as pure functions: which offered version to apply, which
// to refuse (with reasons) or ignore, what a local edit or a rollback does, and what the
// device reports. No I/O and no clock of its own: time is passed in.
import { z } from 'zod';
import { CONFIG_SCHEMA_VERSION, configHash, emptyConfigDocument, type ConfigDocument, type ConfigIssue, type ConfigValidation } from '../../protocol/config-document.ts';
import { ConfigSource, type ReportedConfig } from '../../protocol/config-twin.ts';

export const RunningConfig = z.object({
  /** The fleet or bundle version it is, or is based on (local edits, rollbacks). */
  version: z.number().int().nonnegative(),
  hash: z.string(),
  source: ConfigSource,
  at: z.number().int().nonnegative(),
  by: z.string().max(128).optional(),
  /** The document as it was given (defaults not filled), so its hash is the giver's hash. */
  config: z.record(z.string(), z.unknown()),
});
export type RunningConfig = z.infer<typeof RunningConfig>;

export const Refusal = z.object({
  version: z.number().int().nonnegative(),
  hash: z.string(),
  at: z.number().int().nonnegative(),
  issues: z.array(z.object({ path: z.string(), message: z.string() })),
});
export type Refusal = z.infer<typeof Refusal>;

export const TwinState = z.object({
  current: RunningConfig,
  /** The configuration before the current one: what a rollback returns to. */
  previous: RunningConfig.optional(),
  /** The last version the fleet or a bundle gave that was applied; drift is measured against it. */
  baseline: z.object({ version: z.number().int().nonnegative(), hash: z.string() }),
  /** Highest fleet/bundle version seen, applied or refused: nothing at or below it is applied later. */
  highestSeen: z.number().int().nonnegative(),
  refused: Refusal.optional(),
});
export type TwinState = z.infer<typeof TwinState>;

export interface ConfigOffer {
  version: number;
  hash: string;
  config: Record<string, unknown>;
  source: 'fleet' | 'bundle';
  by?: string | undefined;
}

export type Validator = (raw: unknown) => ConfigValidation;

export type OfferDecision =
  | { kind: 'ignore'; reason: 'stale' | 'already-applied' | 'already-refused' }
  | { kind: 'refuse'; state: TwinState; issues: ConfigIssue[] }
  | { kind: 'apply'; state: TwinState; config: ConfigDocument };

export type EditDecision = { kind: 'refuse'; issues: ConfigIssue[] } | { kind: 'apply'; state: TwinState; config: ConfigDocument };

export function initialTwinState(now: number): TwinState {
  const config = emptyConfigDocument() as Record<string, unknown>;
  const hash = configHash(config);
  return { current: { version: 0, hash, source: 'initial', at: now, config }, baseline: { version: 0, hash }, highestSeen: 0 };
}

/**
 * A version from the fleet (retained, so it is offered again after every reconnect) or from
 * an offline bundle. Versions only go forward: one at or below the highest seen is ignored,
 * which also keeps a local edit from being undone by the redelivery of the version it was
 * based on. A refused version is remembered with its reasons and the running one stays.
 */
export function decideOffer(state: TwinState, offer: ConfigOffer, now: number, validate: Validator): OfferDecision {
  if (offer.version < state.highestSeen) return { kind: 'ignore', reason: 'stale' };
  if (offer.version === state.highestSeen) {
    if (state.refused?.version === offer.version) return { kind: 'ignore', reason: 'already-refused' };
    return { kind: 'ignore', reason: offer.version === state.baseline.version ? 'already-applied' : 'stale' };
  }
  const refuse = (issues: ConfigIssue[]): OfferDecision => ({
    kind: 'refuse',
    issues,
    state: { ...state, highestSeen: offer.version, refused: { version: offer.version, hash: offer.hash, at: now, issues } },
  });
  const actual = configHash(offer.config);
  if (actual !== offer.hash) return refuse([{ path: '', message: `content hash ${actual.slice(0, 12)}… does not match the declared ${offer.hash.slice(0, 12)}…` }]);
  const schema = offer.config.schema;
  if (typeof schema === 'number' && schema > CONFIG_SCHEMA_VERSION) {
    return refuse([{ path: 'schema', message: `configuration schema ${schema} is newer than this appliance's ${CONFIG_SCHEMA_VERSION}: upgrade it first` }]);
  }
  const validation = validate(offer.config);
  if (!validation.ok) return refuse(validation.issues);
  const next: RunningConfig = {
    version: offer.version,
    hash: offer.hash,
    source: offer.source,
    at: now,
    ...(offer.by ? { by: offer.by } : {}),
    config: offer.config,
  };
  const { refused: _dropped, ...rest } = state;
  return {
    kind: 'apply',
    config: validation.config,
    state: { ...rest, current: next, previous: state.current, baseline: { version: offer.version, hash: offer.hash }, highestSeen: offer.version },
  };
}

/** An edit made on the appliance itself: same schema, same checks, reported as drift. */
export function decideLocalEdit(state: TwinState, config: Record<string, unknown>, by: string, now: number, validate: Validator): EditDecision {
  const validation = validate(config);
  if (!validation.ok) return { kind: 'refuse', issues: validation.issues };
  const next: RunningConfig = { version: state.current.version, hash: configHash(config), source: 'local', at: now, by, config };
  return { kind: 'apply', config: validation.config, state: { ...state, current: next, previous: state.current } };
}

/** Back to the configuration kept before the current one (validated again: schemas move on). */
export function decideRollback(state: TwinState, by: string, now: number, validate: Validator): EditDecision {
  const previous = state.previous;
  if (!previous) return { kind: 'refuse', issues: [{ path: '', message: 'no previous configuration is kept' }] };
  const validation = validate(previous.config);
  if (!validation.ok) return { kind: 'refuse', issues: validation.issues };
  const next: RunningConfig = { ...previous, source: 'rollback', at: now, by };
  return { kind: 'apply', config: validation.config, state: { ...state, current: next, previous: state.current } };
}

export function reportOf(state: TwinState, now: number): ReportedConfig {
  const { current } = state;
  return {
    ts: now,
    schema: CONFIG_SCHEMA_VERSION,
    applied: { version: current.version, hash: current.hash, source: current.source, at: current.at, ...(current.by ? { by: current.by } : {}) },
    drift: current.hash !== state.baseline.hash,
    highestSeen: state.highestSeen,
    ...(state.refused ? { refused: { ...state.refused, issues: state.refused.issues.slice(0, 50).map((i) => ({ path: i.path.slice(0, 300), message: i.message.slice(0, 1000) })) } } : {}),
    ...(state.previous ? { previousVersion: state.previous.version } : {}),
  };
}
