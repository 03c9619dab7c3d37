/**
 * What changes between two configuration documents, as a list a person can read before a
 * push: one entry per changed leaf (or added/removed subtree), with a path like
 * `sip.trunks[pstn].password`. Items of id-keyed lists are matched by id, so reordering or
 * inserting one trunk does not show every later trunk as changed. Secret values are never
 * shown, only that they change.
 */
export interface ConfigChange {
  path: string;
  op: 'add' | 'remove' | 'change';
  before?: unknown;
  after?: unknown;
}

const SECRET_KEY = /pass(word)?|secret|token|credential/i;
export const MASK = '••••••';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const hasId = (v: unknown): v is { id: string } => isObject(v) && typeof v.id === 'string';

export function diffConfig(before: unknown, after: unknown, limit = 500): ConfigChange[] {
  const out: ConfigChange[] = [];
  walk(before, after, '', false, out, limit);
  return out;
}

function mask(value: unknown, secret: boolean): unknown {
  if (value === undefined) return undefined;
  if (secret && !isObject(value) && !Array.isArray(value)) return MASK;
  if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mask(v, secret || SECRET_KEY.test(k))]));
  if (Array.isArray(value)) return value.map((v) => mask(v, secret));
  return value;
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

function walk(a: unknown, b: unknown, path: string, secret: boolean, out: ConfigChange[], limit: number): void {
  if (out.length >= limit) return;
  if (a === undefined && b === undefined) return;
  if (a === undefined) return void out.push({ path, op: 'add', after: mask(b, secret) });
  if (b === undefined) return void out.push({ path, op: 'remove', before: mask(a, secret) });
  if (isObject(a) && isObject(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    for (const k of keys) walk(a[k], b[k], join(path, k), secret || SECRET_KEY.test(k), out, limit);
    return;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length + b.length > 0 && [...a, ...b].every(hasId)) {
      const byId = (list: unknown[]) => new Map((list as { id: string }[]).map((x) => [x.id, x]));
      const ma = byId(a);
      const mb = byId(b);
      for (const id of new Set([...ma.keys(), ...mb.keys()])) walk(ma.get(id), mb.get(id), `${path}[${id}]`, secret, out, limit);
      return;
    }
    const n = Math.max(a.length, b.length);
    for (let i = 0; i < n; i++) walk(a[i], b[i], join(path, String(i)), secret, out, limit);
    return;
  }
  if (Object.is(a, b)) return;
  if (JSON.stringify(a) === JSON.stringify(b)) return;
  out.push({ path, op: 'change', before: mask(a, secret), after: mask(b, secret) });
}
