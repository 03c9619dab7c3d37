import type { ContactRecord } from '../commands.ts';

/**
 * Standard contact-center definitions, configurable where vendors differ. Short abandons
 * (customers gone within `shortAbandonSeconds`, often misdials) are excluded from everything.
 * Overflowed contacts left the queue without being offered and count in no ratio.
 */
export type ServiceLevelFormula =
  /** answered within T / answered */
  | 'answered'
  /** answered within T / (answered + abandoned) */
  | 'offered'
  /** answered within T / (answered + abandoned after T): abandons within T do not count */
  | 'offered-excluding-early-abandons'
  /** (answered within T + abandoned within T) / (answered + abandoned) */
  | 'abandons-within-positive';

export interface MetricDefinitions {
  serviceLevelSeconds: number;
  shortAbandonSeconds: number;
  serviceLevelFormula: ServiceLevelFormula;
}

export const DEFAULT_DEFINITIONS: MetricDefinitions = {
  serviceLevelSeconds: 20,
  shortAbandonSeconds: 5,
  serviceLevelFormula: 'answered',
};

export interface Counters {
  answered: number;
  answeredWithin: number;
  abandoned: number;
  abandonedWithin: number;
  shortAbandons: number;
  overflowed: number;
  handled: number;
  waitMsAnswered: number;
  talkMs: number;
  holdMs: number;
  wrapUpMs: number;
}

export const emptyCounters = (): Counters => ({
  answered: 0, answeredWithin: 0, abandoned: 0, abandonedWithin: 0, shortAbandons: 0, overflowed: 0,
  handled: 0, waitMsAnswered: 0, talkMs: 0, holdMs: 0, wrapUpMs: 0,
});

export function count(c: Counters, r: ContactRecord, d: MetricDefinitions): void {
  const within = r.waitMs <= d.serviceLevelSeconds * 1000;
  switch (r.kind) {
    case 'answered':
      c.answered++;
      if (within) c.answeredWithin++;
      c.waitMsAnswered += r.waitMs;
      break;
    case 'abandoned':
      if (r.waitMs < d.shortAbandonSeconds * 1000) c.shortAbandons++;
      else {
        c.abandoned++;
        if (within) c.abandonedWithin++;
      }
      break;
    case 'overflowed':
      c.overflowed++;
      break;
    case 'handled':
      c.handled++;
      c.talkMs += r.talkMs ?? 0;
      c.holdMs += r.holdMs ?? 0;
      c.wrapUpMs += r.wrapUpMs ?? 0;
      break;
  }
}

export interface ContactMetrics {
  answered: number;
  abandoned: number;
  shortAbandons: number;
  overflowed: number;
  handled: number;
  /** null when nothing counted yet. */
  serviceLevel: number | null;
  asaSeconds: number | null;
  /** talk + hold + wrap-up per handled contact. */
  ahtSeconds: number | null;
  abandonRate: number | null;
}

const ratio = (a: number, b: number): number | null => (b > 0 ? a / b : null);

export function serviceLevelOf(c: Counters, formula: ServiceLevelFormula): number | null {
  switch (formula) {
    case 'answered':
      return ratio(c.answeredWithin, c.answered);
    case 'offered':
      return ratio(c.answeredWithin, c.answered + c.abandoned);
    case 'offered-excluding-early-abandons':
      return ratio(c.answeredWithin, c.answered + c.abandoned - c.abandonedWithin);
    case 'abandons-within-positive':
      return ratio(c.answeredWithin + c.abandonedWithin, c.answered + c.abandoned);
  }
}

export function derive(c: Counters, d: MetricDefinitions): ContactMetrics {
  const aht = ratio(c.talkMs + c.holdMs + c.wrapUpMs, c.handled);
  const asa = ratio(c.waitMsAnswered, c.answered);
  return {
    answered: c.answered,
    abandoned: c.abandoned,
    shortAbandons: c.shortAbandons,
    overflowed: c.overflowed,
    handled: c.handled,
    serviceLevel: serviceLevelOf(c, d.serviceLevelFormula),
    asaSeconds: asa === null ? null : asa / 1000,
    ahtSeconds: aht === null ? null : aht / 1000,
    abandonRate: ratio(c.abandoned, c.answered + c.abandoned),
  };
}
