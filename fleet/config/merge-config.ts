/**
 * Renders a device's configuration: the group's template with the device's overrides laid
 * over it. JSON Merge Patch (RFC 7386) — objects merge key by key, `null` removes a key,
 * anything else replaces — with one addition for lists of things that have an `id` (trunks,
 * trunk groups, queues, agents, flows): those merge item by item by id, so an override can
 * change one trunk's credentials without restating the trunk. An override item
 * `{ "id": "x", "$remove": true }` removes that item. Other lists (DIDs, routes) are replaced
 * whole: a device's own DIDs replace the template's rather than adding to them.
 */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const hasId = (v: unknown): v is { id: string } => isObject(v) && typeof v.id === 'string';

export function mergeConfig(base: unknown, patch: unknown): unknown {
  if (patch === undefined) return clone(base);
  if (patch === null) return undefined;
  if (isObject(patch)) {
    const out: Record<string, unknown> = isObject(base) ? clone(base) as Record<string, unknown> : {};
    for (const [key, value] of Object.entries(patch)) {
      const merged = mergeConfig(out[key], value);
      if (merged === undefined) delete out[key];
      else out[key] = merged;
    }
    return out;
  }
  if (Array.isArray(patch) && Array.isArray(base) && base.length > 0 && base.every(hasId) && patch.every(hasId)) {
    const out = base.map((item) => clone(item) as Record<string, unknown> & { id: string });
    for (const item of patch) {
      const at = out.findIndex((x) => x.id === item.id);
      if ((item as Record<string, unknown>).$remove === true) {
        if (at >= 0) out.splice(at, 1);
        continue;
      }
      if (at >= 0) out[at] = mergeConfig(out[at], item) as Record<string, unknown> & { id: string };
      else out.push(stripMarkers(item) as Record<string, unknown> & { id: string });
    }
    return out;
  }
  return stripMarkers(patch);
}

function stripMarkers(v: unknown): unknown {
  if (!isObject(v)) return clone(v);
  const { $remove: _r, ...rest } = v;
  return clone(rest);
}

function clone<T>(v: T): T {
  return v === undefined ? v : structuredClone(v);
}
