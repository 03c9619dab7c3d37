import { formatRanges, type AnalogPortPlan, type ChannelPlan, type ChannelRange, type DigitalSpanPlan } from './channel-plan.ts';

/**
 * Renders a channel plan as the two files the DAHDI tool chain reads: /etc/dahdi/system.conf
 * (spans and channel signalling, applied by dahdi_cfg) and a chan_dahdi.conf-style channel
 * file (groups, contexts, PRI switch types, MFC/R2 options) for the signalling side.
 */

export interface DahdiConfigFiles {
  'system.conf': string;
  'chan_dahdi.conf': string;
}

const HEADER = (what: string, plan: ChannelPlan) =>
  `; ${what} generated from board profile ${plan.board}: do not edit, edit the site configuration\n`;

const allBearer = (plan: ChannelPlan): ChannelRange[] =>
  plan.spans.flatMap((s) => (s.kind === 'digital' ? s.bearer : s.ports.map((p) => ({ first: p.channel, last: p.channel }))));

function systemSpan(s: DigitalSpanPlan, echo: string): string[] {
  const p = s.profile;
  const fields = [`${s.span}`, `${s.timing}`, `${p.lbo}`, p.framing, p.lineCoding];
  if (p.type === 'E1' && p.crc4) fields.push('crc4');
  const lines = [`# span ${s.span}: ${p.type} ${p.signalling === 'pri' ? 'ISDN PRI' : 'MFC/R2'}${p.label ? ` (${p.label})` : ''}`, `span=${fields.join(',')}`];
  if (p.signalling === 'pri') {
    lines.push(`bchan=${formatRanges(s.bearer)}`, `dchan=${s.dchan}`);
  } else {
    // R2 line signalling uses the CAS ABCD bits; 1101 is the idle pattern (ITU-T Q.421 §3).
    for (const r of s.bearer) lines.push(`cas=${formatRanges([r])}:1101`);
  }
  if (echo !== 'none') lines.push(`echocanceller=${echo},${formatRanges(s.bearer)}`);
  return lines;
}

export function renderSystemConf(plan: ChannelPlan): string {
  const echo = plan.site.echoCanceller;
  const blocks: string[][] = [[HEADER('system.conf', plan).replace(/^;/, '#').trimEnd()]];
  for (const s of plan.spans) {
    if (s.kind === 'digital') blocks.push(systemSpan(s, echo));
    else {
      const byKind = (sig: AnalogPortPlan['signalling']) => s.ports.filter((p) => p.signalling === sig).map((p) => ({ first: p.channel, last: p.channel }));
      const lines = [`# analog card: ${s.ports.length} ports from channel ${s.basechan}`];
      const fxs = byKind('fxoks');
      const fxo = byKind('fxsks');
      if (fxs.length) lines.push(`fxoks=${formatRanges(merge(fxs))}`);
      if (fxo.length) lines.push(`fxsks=${formatRanges(merge(fxo))}`);
      if (echo !== 'none') lines.push(`echocanceller=${echo},${formatRanges(merge(s.ports.map((p) => ({ first: p.channel, last: p.channel }))))}`);
      blocks.push(lines);
    }
  }
  blocks.push([`loadzone=${plan.site.toneZone}`, `defaultzone=${plan.site.toneZone}`]);
  if (allBearer(plan).length === 0) blocks.push(['# no telephony channels on this board']);
  return `${blocks.map((b) => b.join('\n')).join('\n\n')}\n`;
}

function merge(list: ChannelRange[]): ChannelRange[] {
  const out: ChannelRange[] = [];
  for (const r of [...list].sort((a, b) => a.first - b.first)) {
    const last = out[out.length - 1];
    if (last && last.last + 1 >= r.first) last.last = Math.max(last.last, r.last);
    else out.push({ ...r });
  }
  return out;
}

function chanDigital(s: DigitalSpanPlan): string[] {
  const lines = [`; span ${s.span}: ${s.profile.type} ${s.profile.signalling}`, `group=${s.site.group}`, `context=${s.site.context}`];
  if (s.profile.signalling === 'pri') {
    const pri = s.site.pri ?? { side: 'cpe', switchtype: 'euroisdn' };
    lines.push(`signalling=pri_${pri.side}`, `switchtype=${pri.switchtype}`);
  } else {
    const r2 = s.site.r2 ?? { variant: 'cn', maxAni: 10, maxDnis: 4, category: 'national_subscriber', getAniFirst: false };
    lines.push(
      'signalling=mfcr2',
      `mfcr2_variant=${r2.variant}`,
      `mfcr2_max_ani=${r2.maxAni}`,
      `mfcr2_max_dnis=${r2.maxDnis}`,
      `mfcr2_category=${r2.category}`,
      `mfcr2_get_ani_first=${r2.getAniFirst ? 'yes' : 'no'}`,
    );
  }
  lines.push(`channel => ${formatRanges(s.bearer)}`);
  return lines;
}

function chanPort(p: AnalogPortPlan): string[] {
  const isFxs = p.profile.kind === 'fxs';
  const lines = [`; port ${p.port}: ${p.profile.kind.toUpperCase()}${p.profile.label ? ` (${p.profile.label})` : ''}`];
  // chan_dahdi options carry over to later channel lines, so each block sets all of its own.
  lines.push(`signalling=${isFxs ? 'fxo_ks' : 'fxs_ks'}`);
  lines.push(`group=${p.site.group ?? (isFxs ? 10 : 20)}`);
  lines.push(`context=${p.site.context ?? (isFxs ? 'from-internal' : 'from-pstn')}`);
  if (isFxs) {
    const name = p.site.callerIdName ?? `Port ${p.port}`;
    lines.push(p.site.extension ? `callerid="${name}" <${p.site.extension}>` : `callerid="${name}"`);
  } else {
    lines.push('callerid=asreceived');
  }
  lines.push(`channel => ${p.channel}`);
  return lines;
}

export function renderChanDahdiConf(plan: ChannelPlan): string {
  const blocks: string[][] = [
    [HEADER('chan_dahdi.conf', plan).trimEnd(), '[channels]', `language=${plan.site.language}`, `echocancel=${plan.site.echoCanceller === 'none' ? 'no' : 'yes'}`, 'usecallerid=yes'],
  ];
  for (const s of plan.spans) {
    if (s.kind === 'digital') blocks.push(chanDigital(s));
    else for (const p of s.ports) blocks.push(chanPort(p));
  }
  return `${blocks.map((b) => b.join('\n')).join('\n\n')}\n`;
}

export function renderDahdiConfig(plan: ChannelPlan): DahdiConfigFiles {
  return { 'system.conf': renderSystemConf(plan), 'chan_dahdi.conf': renderChanDahdiConf(plan) };
}
