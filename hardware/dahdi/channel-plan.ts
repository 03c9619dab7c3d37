import { spanChannelCount, type BoardProfile, type PortProfile, type SpanProfile } from '../profiles/board-profile.ts';
import type { SitePort, SiteSpan, SiteTelephony } from '../profiles/site-telephony.ts';

/**
 * Where each span and port lands in DAHDI's global channel numbering, and how each channel is
 * signalled. Pure: the same profile and site give the same plan, from which system.conf and
 * chan_dahdi.conf are rendered and against which read-back status is matched.
 */

/** A run of channel numbers, inclusive. */
export interface ChannelRange {
  first: number;
  last: number;
}

export interface DigitalSpanPlan {
  kind: 'digital';
  span: number;
  profile: SpanProfile;
  site: SiteSpan;
  /** First DAHDI channel of the span (its timeslot 1). */
  basechan: number;
  channels: number;
  /** Bearer channels (voice). */
  bearer: ChannelRange[];
  /** The D channel for ISDN PRI (E1 timeslot 16, T1 channel 24); none for CAS. */
  dchan: number | undefined;
  /** 0 = not a clock source, 1 = first choice… (DAHDI system.conf `span=` timing field). */
  timing: number;
}

export interface AnalogPortPlan {
  port: number;
  profile: PortProfile;
  site: SitePort;
  channel: number;
  /**
   * DAHDI names signalling after the far end: an FXS port (which feeds a phone) is driven
   * with FXO kewlstart signalling, an FXO port (on a PSTN line) with FXS kewlstart.
   */
  signalling: 'fxoks' | 'fxsks';
}

export interface AnalogSpanPlan {
  kind: 'analog';
  span: number;
  basechan: number;
  channels: number;
  ports: AnalogPortPlan[];
}

export type SpanPlan = DigitalSpanPlan | AnalogSpanPlan;

export interface ChannelPlan {
  board: string;
  site: SiteTelephony;
  spans: SpanPlan[];
  totalChannels: number;
}

const ranges = (numbers: number[]): ChannelRange[] => {
  const out: ChannelRange[] = [];
  for (const n of [...numbers].sort((a, b) => a - b)) {
    const last = out[out.length - 1];
    if (last && last.last === n - 1) last.last = n;
    else out.push({ first: n, last: n });
  }
  return out;
};

export function formatRanges(list: ChannelRange[]): string {
  return list.map((r) => (r.first === r.last ? `${r.first}` : `${r.first}-${r.last}`)).join(',');
}

function digitalSpan(profile: SpanProfile, site: SiteSpan, basechan: number): DigitalSpanPlan {
  const channels = spanChannelCount(profile);
  // Timeslot 16 of an E1 carries the D channel (CCS) or the CAS signalling multiframe (G.704
  // §5.1.3.2); the last channel of a T1 PRI is its D channel (23B+D).
  const signallingSlot = profile.type === 'E1' ? 16 : 24;
  const bearerSlots: number[] = [];
  for (let ts = 1; ts <= channels; ts++) {
    if (ts === signallingSlot && (profile.type === 'E1' || profile.signalling === 'pri')) continue;
    bearerSlots.push(ts);
  }
  const isPri = profile.signalling === 'pri';
  return {
    kind: 'digital',
    span: profile.span,
    profile,
    site,
    basechan,
    channels,
    bearer: ranges(bearerSlots.map((ts) => basechan + ts - 1)),
    dchan: isPri ? basechan + signallingSlot - 1 : undefined,
    // Without a site choice, the first span takes the clock from the network, the others follow.
    timing: site.timing ?? profile.span,
  };
}

export function planChannels(board: BoardProfile, site: SiteTelephony): ChannelPlan {
  const spans: SpanPlan[] = [];
  let next = 1;
  for (const profile of [...board.spans].sort((a, b) => a.span - b.span)) {
    const siteSpan: SiteSpan = site.spans.find((s) => s.span === profile.span) ?? { span: profile.span, group: profile.span - 1, context: 'from-pstn' };
    const plan = digitalSpan(profile, siteSpan, next);
    spans.push(plan);
    next += plan.channels;
  }
  if (board.ports.length > 0) {
    const basechan = next;
    const ports: AnalogPortPlan[] = [...board.ports]
      .sort((a, b) => a.port - b.port)
      .map((profile, i) => ({
        port: profile.port,
        profile,
        site: site.ports.find((p) => p.port === profile.port) ?? { port: profile.port },
        channel: basechan + i,
        signalling: profile.kind === 'fxs' ? 'fxoks' : 'fxsks',
      }));
    spans.push({ kind: 'analog', span: board.spans.length + 1, basechan, channels: ports.length, ports });
    next += ports.length;
  }
  return { board: board.id, site, spans, totalChannels: next - 1 };
}
