// Evaluation of condition-node predicates. Pure: `now` is passed in.
import { callerMatches } from './caller-pattern.ts';
import { inTimeWindow, isOpen } from './calendar.ts';
import type { Flow, Predicate } from './flow-schema.ts';

const regexCache = new Map<string, RegExp>();

function regex(source: string): RegExp {
  let r = regexCache.get(source);
  if (!r) {
    if (regexCache.size > 10_000) regexCache.clear();
    r = new RegExp(source, 'u');
    regexCache.set(source, r);
  }
  return r;
}

function asNumber(value: string | number): number | undefined {
  if (typeof value === 'number') return value;
  const t = value.trim();
  return t !== '' && Number.isFinite(Number(t)) ? Number(t) : undefined;
}

/**
 * eq/ne compare as numbers when both sides are numbers ("05" eq 5), else as text;
 * lt/le/gt/ge compare numbers only and are false when either side is not one.
 */
function compare(op: 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge', left: string, right: string | number): boolean {
  const a = asNumber(left);
  const b = asNumber(right);
  const numeric = a !== undefined && b !== undefined;
  switch (op) {
    case 'eq':
      return numeric ? a === b : left === String(right);
    case 'ne':
      return numeric ? a !== b : left !== String(right);
    case 'lt':
      return numeric && a < b;
    case 'le':
      return numeric && a <= b;
    case 'gt':
      return numeric && a > b;
    case 'ge':
      return numeric && a >= b;
  }
}

export function evaluatePredicate(p: Predicate, variables: Readonly<Record<string, string>>, flow: Flow, now: number): boolean {
  switch (p.kind) {
    case 'var': {
      const value = Object.hasOwn(variables, p.var) ? variables[p.var]! : '';
      switch (p.op) {
        case 'empty':
          return value === '';
        case 'notEmpty':
          return value !== '';
        case 'in':
          return p.value.includes(value);
        case 'matches':
          return regex(p.value).test(value);
        default:
          return compare(p.op, value, p.value);
      }
    }
    case 'caller':
      return callerMatches(variables.caller ?? '', p.patterns);
    case 'calendar': {
      const calendar = flow.calendars[p.calendar];
      return calendar !== undefined && isOpen(calendar, now, flow.timeZone);
    }
    case 'time':
      return inTimeWindow(now, flow.timeZone, p.from, p.to, p.days);
    case 'all':
      return p.of.every((q) => evaluatePredicate(q, variables, flow, now));
    case 'any':
      return p.of.some((q) => evaluatePredicate(q, variables, flow, now));
    case 'not':
      return !evaluatePredicate(p.of, variables, flow, now);
  }
}
