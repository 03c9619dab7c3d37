import { z } from 'zod';
import type { BoardProfile } from './board-profile.ts';

/**
 * What a site does with its board's telephony hardware: which context and group each span
 * and port feeds, the PRI switch type, the MFC/R2 country variant, the tone zone. Checked
 * against the board profile by `checkSiteTelephony`, so a site cannot configure a span the
 * board lacks or R2 options on a PRI span.
 */
const Context = z.string().regex(/^[a-z][a-z0-9_-]{0,62}$/, 'must be a lower-case name');

export const SiteSpan = z.object({
  span: z.number().int().min(1),
  group: z.number().int().min(0).max(63).default(0),
  context: Context.default('from-pstn'),
  /** Clock source priority: 1 takes timing from this span first, 0 never (DAHDI system.conf). */
  timing: z.number().int().min(0).max(32).optional(),
  pri: z
    .object({
      /** `cpe` when the telco is the network side (the usual case), `net` to face a PBX. */
      side: z.enum(['cpe', 'net']).default('cpe'),
      switchtype: z.enum(['euroisdn', 'national', 'ni1', 'dms100', '4ess', '5ess', 'qsig']).default('euroisdn'),
    })
    .optional(),
  r2: z
    .object({
      /** OpenR2 variant (ITU-T Q.441 national profiles): cn is China's GB/T 3378. */
      variant: z.enum(['itu', 'cn', 'ar', 'br', 'mx', 'ph', 've', 'co', 'ec', 'cz']).default('cn'),
      maxAni: z.number().int().min(0).max(32).default(10),
      maxDnis: z.number().int().min(1).max(32).default(4),
      category: z.enum(['national_subscriber', 'national_priority_subscriber', 'international_subscriber']).default('national_subscriber'),
      getAniFirst: z.boolean().default(false),
    })
    .optional(),
});
export type SiteSpan = z.infer<typeof SiteSpan>;

export const SitePort = z.object({
  port: z.number().int().min(1),
  group: z.number().int().min(0).max(63).optional(),
  context: Context.optional(),
  /** FXS only: the extension the phone on this port answers to, shown as its caller id. */
  extension: z.string().regex(/^[0-9]{2,8}$/).optional(),
  callerIdName: z.string().max(32).regex(/^[^"<>\n]*$/, 'must not hold quotes, angle brackets or new lines').optional(),
});
export type SitePort = z.infer<typeof SitePort>;

export const SiteTelephony = z.object({
  /** DAHDI tone zone (dial tone, ringback, ring cadence): ISO country code as tonezone names it. */
  toneZone: z.enum(['cn', 'us', 'uk', 'de', 'fr', 'jp', 'hk', 'tw', 'sg', 'au', 'in', 'br']).default('cn'),
  echoCanceller: z.enum(['oslec', 'mg2', 'none']).default('oslec'),
  language: z.enum(['zh', 'en']).default('zh'),
  spans: z.array(SiteSpan).max(32).default([]),
  ports: z.array(SitePort).max(64).default([]),
});
export type SiteTelephony = z.infer<typeof SiteTelephony>;
export type SiteTelephonyInput = z.input<typeof SiteTelephony>;

export class SiteTelephonyError extends Error {
  override name = 'SiteTelephonyError';
}

/** Parses the site's telephony section and checks it fits the board; throws with every reason. */
export function checkSiteTelephony(board: BoardProfile, value: unknown): SiteTelephony {
  const parsed = SiteTelephony.safeParse(value);
  if (!parsed.success) {
    const detail = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new SiteTelephonyError(`site telephony is invalid: ${detail}`);
  }
  const site = parsed.data;
  const problems: string[] = [];
  const seenSpans = new Set<number>();
  for (const s of site.spans) {
    const span = board.spans.find((b) => b.span === s.span);
    if (seenSpans.has(s.span)) problems.push(`span ${s.span} is configured twice`);
    seenSpans.add(s.span);
    if (!span) {
      problems.push(`span ${s.span}: board ${board.id} has no such span`);
      continue;
    }
    if (s.r2 && span.signalling !== 'mfc-r2') problems.push(`span ${s.span}: R2 options on a ${span.signalling} span`);
    if (s.pri && span.signalling !== 'pri') problems.push(`span ${s.span}: PRI options on a ${span.signalling} span`);
  }
  const seenPorts = new Set<number>();
  for (const p of site.ports) {
    const port = board.ports.find((b) => b.port === p.port);
    if (seenPorts.has(p.port)) problems.push(`port ${p.port} is configured twice`);
    seenPorts.add(p.port);
    if (!port) {
      problems.push(`port ${p.port}: board ${board.id} has no such port`);
      continue;
    }
    if (p.extension !== undefined && port.kind !== 'fxs') problems.push(`port ${p.port}: an extension is for FXS ports, this one is ${port.kind.toUpperCase()}`);
  }
  const timings = site.spans.map((s) => s.timing).filter((t): t is number => t !== undefined && t > 0);
  if (new Set(timings).size !== timings.length) problems.push('two spans share a timing priority');
  if (problems.length) throw new SiteTelephonyError(`site telephony does not fit board ${board.id}: ${problems.join('; ')}`);
  return site;
}
