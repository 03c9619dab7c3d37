// Maps a lookup's JSON response into flow variables. Pure, so the rules are tested without
// a server: the body must be a JSON object or array; each mapped path must end at a string,
// number or boolean (null, objects and arrays count as not found); required variables must be
// found. Values become strings, cut at MAX_VALUE_LENGTH.
import { z } from 'zod';
import { MAX_VALUE_LENGTH } from './ivr-session.ts';

const ResponseBody = z.union([z.record(z.string(), z.unknown()), z.array(z.unknown())]);
const Scalar = z.union([z.string(), z.number(), z.boolean()]);

export type LookupMapping = { ok: true; variables: Record<string, string> } | { ok: false; detail: string };

/** The value at a dot path (`data.items.0.name`); array steps are indexes. */
function at(body: unknown, path: string): unknown {
  let value = body;
  for (const key of path.split('.')) {
    if (Array.isArray(value)) value = /^\d+$/.test(key) ? value[Number(key)] : undefined;
    else if (typeof value === 'object' && value !== null && Object.hasOwn(value, key)) value = (value as Record<string, unknown>)[key];
    else return undefined;
  }
  return value;
}

export function mapLookupResponse(body: unknown, map: Readonly<Record<string, string>>, required: readonly string[]): LookupMapping {
  const parsed = ResponseBody.safeParse(body);
  if (!parsed.success) return { ok: false, detail: 'the response is not a JSON object or array' };
  const variables: Record<string, string> = {};
  for (const [name, path] of Object.entries(map)) {
    const scalar = Scalar.safeParse(at(parsed.data, path));
    if (scalar.success) variables[name] = String(scalar.data).slice(0, MAX_VALUE_LENGTH);
  }
  const missing = required.filter((name) => !Object.hasOwn(variables, name));
  if (missing.length) return { ok: false, detail: `the response has no ${missing.map((n) => `${n} (${map[n]})`).join(', ')}` };
  return { ok: true, variables };
}
