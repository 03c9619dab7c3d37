// SIP configuration as zod schemas: listeners, registrar users, trunks, trunk groups with
// failover and outbound caller id (DOD), and DID-to-route mapping. This becomes part of the
// fleet-pushed configuration twin, so every field is validated here, at the edge.
import { z } from 'zod';

const Id = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'lower-case id');
const Digits = z.string().regex(/^\+?[0-9]{1,20}$/, 'digits, optionally with a leading +');
const Host = z.string().min(1).max(253).regex(/^[A-Za-z0-9.:\-[\]]+$/, 'host name or IP address');
// Peers are reached by IP: DNS (RFC 3263 NAPTR/SRV/A) is not implemented, and the transports
// never resolve names per message.
const IpAddress = z.string().regex(/^(\d{1,3}(\.\d{1,3}){3}|[0-9A-Fa-f:]*:[0-9A-Fa-f:.]*)$/, 'an IPv4 or IPv6 address (DNS names are not resolved)');

export const ListenConfigSchema = z.object({
  host: Host.default('0.0.0.0'),
  advertisedHost: Host.optional(),
  udpPort: z.number().int().min(0).max(65535).default(5060),
  tcpPort: z.number().int().min(0).max(65535).optional(),
  wsPort: z.number().int().min(0).max(65535).optional(),
});

export const RegistrarUserSchema = z.object({
  username: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/),
  password: z.string().min(8).max(128),
  displayName: z.string().max(64).optional(),
});

export const TrunkConfigSchema = z.object({
  id: Id,
  host: IpAddress,
  port: z.number().int().min(1).max(65535).default(5060),
  transport: z.enum(['UDP', 'TCP']).default('UDP'),
  /** Credentials we present to the trunk (outbound registration, 401/407 on calls). */
  username: z.string().max(64).optional(),
  password: z.string().max(128).optional(),
  /** Domain used in From/To/Request-URI towards the trunk; defaults to the host. */
  domain: Host.optional(),
  register: z.boolean().default(false),
  registerExpires: z.number().int().min(60).max(86_400).default(600),
  /** OPTIONS keepalive period; 0 disables probing (the trunk is then considered up). */
  optionsIntervalMs: z.number().int().min(0).max(3_600_000).default(30_000),
  /** Consecutive failed probes before the trunk is reported down. */
  failuresBeforeDown: z.number().int().min(1).max(10).default(2),
});

export const TrunkGroupSchema = z.object({
  id: Id,
  /** Tried in order; the next one is used when a trunk is down or fails with 408/5xx. */
  trunks: z.array(Id).min(1),
  /** DOD: the caller id presented on outbound calls through this group. */
  callerId: Digits.optional(),
  callerName: z.string().max(64).optional(),
});

export const RouteSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('queue'), queue: Id }),
  z.object({ kind: z.literal('ivr'), flow: Id }),
  z.object({ kind: z.literal('extension'), user: z.string().min(1).max(64) }),
]);

export const DidSchema = z.object({
  /** Exact number, or a prefix ending in `*` (e.g. `+86105555*`). */
  did: z.string().regex(/^\+?[0-9]{1,20}\*?$/),
  route: RouteSchema,
});

export const OutboundRouteSchema = z.object({
  /** Dialled-number prefix, longest match wins; empty matches everything. */
  prefix: z.string().regex(/^\+?[0-9]{0,20}$/),
  trunkGroup: Id,
  /** Digits to strip from the front before sending to the trunk. */
  strip: z.number().int().min(0).max(20).default(0),
});

export const SipConfigSchema = z
  .object({
    listen: ListenConfigSchema.default({ host: '0.0.0.0', udpPort: 5060 }),
    realm: z.string().min(1).max(128).default('cc.local'),
    registrarUsers: z.array(RegistrarUserSchema).default([]),
    trunks: z.array(TrunkConfigSchema).default([]),
    trunkGroups: z.array(TrunkGroupSchema).default([]),
    dids: z.array(DidSchema).default([]),
    outboundRoutes: z.array(OutboundRouteSchema).default([]),
  })
  .superRefine((c, ctx) => {
    const trunkIds = new Set(c.trunks.map((t) => t.id));
    c.trunkGroups.forEach((g, i) => g.trunks.forEach((t, j) => {
      if (!trunkIds.has(t)) ctx.addIssue({ code: 'custom', path: ['trunkGroups', i, 'trunks', j], message: `unknown trunk ${t}` });
    }));
    const groupIds = new Set(c.trunkGroups.map((g) => g.id));
    c.outboundRoutes.forEach((r, i) => {
      if (!groupIds.has(r.trunkGroup)) ctx.addIssue({ code: 'custom', path: ['outboundRoutes', i, 'trunkGroup'], message: `unknown trunk group ${r.trunkGroup}` });
    });
    c.trunks.forEach((t, i) => {
      if (t.register && (!t.username || !t.password)) ctx.addIssue({ code: 'custom', path: ['trunks', i], message: 'registration needs username and password' });
    });
    const seen = new Set<string>();
    c.dids.forEach((d, i) => {
      if (seen.has(d.did)) ctx.addIssue({ code: 'custom', path: ['dids', i, 'did'], message: `duplicate DID ${d.did}` });
      seen.add(d.did);
    });
  });

export type SipConfig = z.infer<typeof SipConfigSchema>;
export type TrunkConfig = z.infer<typeof TrunkConfigSchema>;
export type TrunkGroup = z.infer<typeof TrunkGroupSchema>;
export type Route = z.infer<typeof RouteSchema>;
export type DidConfig = z.infer<typeof DidSchema>;
export type OutboundRoute = z.infer<typeof OutboundRouteSchema>;

/** DID lookup: exact match first, then the longest prefix pattern. */
export function routeForDid(dids: DidConfig[], number: string): Route | undefined {
  const exact = dids.find((d) => d.did === number);
  if (exact) return exact.route;
  let best: DidConfig | undefined;
  for (const d of dids) {
    if (d.did.endsWith('*') && number.startsWith(d.did.slice(0, -1)) && (!best || d.did.length > best.did.length)) best = d;
  }
  return best?.route;
}

export function outboundRouteFor(routes: OutboundRoute[], number: string): OutboundRoute | undefined {
  let best: OutboundRoute | undefined;
  for (const r of routes) if (number.startsWith(r.prefix) && (!best || r.prefix.length > best.prefix.length)) best = r;
  return best;
}
