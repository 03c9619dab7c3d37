import { z } from 'zod';

/**
 * A board profile says what a model of appliance has: CPU, NICs, watchdog, LEDs, E1/T1 spans
 * and analog ports. It is fixed per hardware model and ships on the system slot; what a site
 * does with the hardware (trunk groups, contexts, R2 variant) is the site configuration.
 */

export const BoardId = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be 1-63 of a-z 0-9 - and start with a letter or digit');

/**
 * E1 (ITU-T G.704) frames 32 timeslots with CAS (timeslot 16 carries signalling bits) or CCS;
 * T1 (ANSI T1.403) frames 24 with D4/SF or ESF. Line codes: HDB3 or AMI on E1, B8ZS or AMI on T1.
 */
export const E1Span = z.object({
  type: z.literal('E1'),
  framing: z.enum(['ccs', 'cas']),
  lineCoding: z.enum(['hdb3', 'ami']),
  /** CRC-4 multiframe (G.704 §2.3.3); most networks expect it. */
  crc4: z.boolean().default(true),
  signalling: z.enum(['pri', 'mfc-r2']),
});
export const T1Span = z.object({
  type: z.literal('T1'),
  framing: z.enum(['esf', 'd4']),
  lineCoding: z.enum(['b8zs', 'ami']),
  signalling: z.literal('pri'),
});

const spanCommon = {
  /** 1-based, the order the card registers its spans in. */
  span: z.number().int().min(1).max(32),
  /** Line build-out; 0 is the default (0 dB / short haul). */
  lbo: z.number().int().min(0).max(7).default(0),
  label: z.string().max(64).optional(),
};
export const SpanProfile = z.discriminatedUnion('type', [E1Span.extend(spanCommon), T1Span.extend(spanCommon)]);
export type SpanProfile = z.infer<typeof SpanProfile>;

export const PortProfile = z.object({
  /** 1-based, the order of the ports on the analog card. */
  port: z.number().int().min(1).max(64),
  /** FXS feeds a phone (it gives battery and rings it); FXO connects to a PSTN line. */
  kind: z.enum(['fxs', 'fxo']),
  label: z.string().max(64).optional(),
});
export type PortProfile = z.infer<typeof PortProfile>;

export const NicProfile = z.object({
  name: z.string().regex(/^[a-z][a-z0-9.-]{0,14}$/, 'must be a Linux interface name'),
  role: z.enum(['wan', 'lan', 'mgmt', 'voice']),
  speedMbps: z.number().int().positive().optional(),
});

export const LedProfile = z.object({
  /** Name under /sys/class/leds. */
  name: z.string().regex(/^[A-Za-z0-9:_.-]{1,64}$/),
  role: z.enum(['power', 'status', 'alarm', 'span', 'update']),
  /** For `span` LEDs: which span they show. */
  span: z.number().int().min(1).optional(),
});

export const BoardProfile = z
  .object({
    id: BoardId,
    name: z.string().min(1).max(128),
    cpu: z.object({
      arch: z.enum(['x86_64', 'aarch64']),
      cores: z.number().int().positive().max(256),
      model: z.string().max(128).optional(),
    }),
    nics: z.array(NicProfile).min(1).max(16),
    watchdog: z
      .object({
        device: z.string().regex(/^\/dev\/watchdog\d*$/),
        /** The hardware's own limit; systemd's RuntimeWatchdogSec must stay below it. */
        maxTimeoutS: z.number().int().min(1).max(3600),
      })
      .optional(),
    leds: z.array(LedProfile).max(32).default([]),
    spans: z.array(SpanProfile).max(32).default([]),
    ports: z.array(PortProfile).max(64).default([]),
    /** Name of the analog card's DAHDI span (e.g. the driver's), for reading its status. */
    analogCard: z.string().max(64).optional(),
  })
  .superRefine((board, ctx) => {
    const dup = <T>(items: T[], key: (t: T) => number | string, what: string, path: string) => {
      const seen = new Set<number | string>();
      items.forEach((item, i) => {
        const k = key(item);
        if (seen.has(k)) ctx.addIssue({ code: 'custom', path: [path, i], message: `${what} ${k} appears twice` });
        seen.add(k);
      });
    };
    dup(board.spans, (s) => s.span, 'span', 'spans');
    dup(board.ports, (p) => p.port, 'port', 'ports');
    dup(board.nics, (n) => n.name, 'NIC', 'nics');
    dup(board.leds, (l) => l.name, 'LED', 'leds');
    // Numbering is contiguous so DAHDI channel numbers follow from the profile alone.
    const contiguous = (nums: number[], path: string, what: string) => {
      const sorted = [...nums].sort((a, b) => a - b);
      sorted.forEach((n, i) => {
        if (n !== i + 1) ctx.addIssue({ code: 'custom', path: [path], message: `${what} must be numbered 1..${nums.length} without gaps` });
      });
    };
    contiguous(board.spans.map((s) => s.span), 'spans', 'spans');
    contiguous(board.ports.map((p) => p.port), 'ports', 'ports');
    board.spans.forEach((s, i) => {
      // MFC/R2 signals line state in timeslot 16's CAS bits (ITU-T Q.421), so it needs CAS framing;
      // ISDN PRI runs Q.921 in timeslot 16 (E1) and needs CCS.
      if (s.type === 'E1' && s.signalling === 'mfc-r2' && s.framing !== 'cas') {
        ctx.addIssue({ code: 'custom', path: ['spans', i, 'framing'], message: `span ${s.span}: MFC/R2 needs CAS framing` });
      }
      if (s.type === 'E1' && s.signalling === 'pri' && s.framing !== 'ccs') {
        ctx.addIssue({ code: 'custom', path: ['spans', i, 'framing'], message: `span ${s.span}: ISDN PRI on E1 needs CCS framing` });
      }
    });
    board.leds.forEach((l, i) => {
      if (l.role === 'span' && (l.span === undefined || !board.spans.some((s) => s.span === l.span))) {
        ctx.addIssue({ code: 'custom', path: ['leds', i, 'span'], message: `LED ${l.name} shows a span the board does not have` });
      }
    });
    if (board.ports.length > 0 && !board.analogCard) {
      ctx.addIssue({ code: 'custom', path: ['analogCard'], message: 'a board with analog ports names its analog card' });
    }
  });
export type BoardProfile = z.infer<typeof BoardProfile>;
export type BoardProfileInput = z.input<typeof BoardProfile>;

export class BoardProfileError extends Error {
  override name = 'BoardProfileError';
}

export function parseBoardProfile(value: unknown, source = 'board profile'): BoardProfile {
  const parsed = BoardProfile.safeParse(value);
  if (!parsed.success) {
    const detail = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new BoardProfileError(`${source} is invalid: ${detail}`);
  }
  return parsed.data;
}

/** Timeslots a span carries: 31 on E1 (timeslot 0 is framing), 24 on T1. */
export function spanChannelCount(span: SpanProfile): number {
  return span.type === 'E1' ? 31 : 24;
}
