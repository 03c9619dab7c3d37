import { z } from 'zod';

/**
 * Live contact-center metrics, published by an appliance every second (QoS 0, never retained:
 * a lost sample is replaced by the next). The fleet keeps the latest per device and a short
 * history for wallboards. Figures that have nothing to count yet (no answered call today) are
 * null, never 0, so a wallboard shows "—" instead of a false 0 % or 100 %.
 */

const Count = z.number().int().nonnegative();
const Seconds = z.number().nonnegative();
const Percent = z.number().min(0).max(100);

/**
 * Agents by state. Every logged-in agent is in exactly one of ready, notReady (not ready or
 * away), ringing (an offer is ringing), busy (talking or on hold) and wrapUp, so those five
 * add up to loggedIn. An agent serving two queues is counted in both queues' figures and
 * once in the appliance totals.
 */
export const AgentCounts = z.object({
  loggedIn: Count,
  ready: Count,
  notReady: Count,
  ringing: Count,
  busy: Count,
  wrapUp: Count,
});
export type AgentCounts = z.infer<typeof AgentCounts>;

/** What a wallboard tile shows, for one queue or the whole appliance. */
export const QueueFigures = z.object({
  waiting: Count,
  longestWaitS: Seconds,
  agents: AgentCounts,
  /**
   * Since local midnight. `offered` counts contacts that left the queue today: answered +
   * abandoned (short abandons included) + overflowed; contacts still waiting are in `waiting`.
   */
  today: z.object({
    offered: Count,
    answered: Count,
    abandoned: Count,
    shortAbandons: Count,
    overflowed: Count,
    /** Contacts whose handling (talk, hold, wrap-up) ended today: AHT's denominator, so sites can be combined exactly. */
    handled: Count.optional(),
  }),
  /** Share of contacts answered within `thresholdS` (the ACD's configured formula), today. */
  serviceLevel: z.object({ pct: Percent.nullable(), thresholdS: Seconds }),
  /** Average speed of answer, today. */
  asaS: Seconds.nullable(),
  /** Average handle time (talk + hold + wrap-up), today. */
  ahtS: Seconds.nullable(),
  /** Abandoned over answered + abandoned (short abandons excluded), today. */
  abandonPct: Percent.nullable(),
});
export type QueueFigures = z.infer<typeof QueueFigures>;

export const QueueMetrics = QueueFigures.extend({
  id: z.string().min(1).max(64),
  name: z.string().max(128),
});
export type QueueMetrics = z.infer<typeof QueueMetrics>;

export const MAX_METRICS_QUEUES = 256;

export const LiveMetrics = z.object({
  ts: z.number().int().nonnegative(),
  /** Counts samples within one boot, so the fleet can drop an older sample arriving late. */
  seq: z.number().int().nonnegative(),
  bootId: z.string().min(1).max(64),
  queues: z.array(QueueMetrics).max(MAX_METRICS_QUEUES),
  /** The whole appliance: every agent once, every queue's contacts. */
  totals: QueueFigures,
});
export type LiveMetrics = z.infer<typeof LiveMetrics>;
