/**
 * Reads a DAHDI system.conf back into its parts: what `dahdi_cfg` would apply. Used to check
 * a generated file against the board profile and to report which configuration is in force.
 */

export interface SystemConfSpan {
  span: number;
  timing: number;
  lbo: number;
  framing: string;
  coding: string;
  crc4: boolean;
}

export interface SystemConf {
  spans: SystemConfSpan[];
  /** Channel number to its signalling keyword (bchan, dchan, cas, fxoks, fxsks…). */
  channels: Map<number, string>;
  /** CAS channels and their idle bits. */
  casBits: Map<number, string>;
  echocanceller: Map<number, string>;
  loadzone: string | undefined;
  defaultzone: string | undefined;
}

export class SystemConfError extends Error {
  override name = 'SystemConfError';
}

const SIGNALLING_KEYS = new Set(['bchan', 'dchan', 'hardhdlc', 'cas', 'fxoks', 'fxsks', 'fxols', 'fxsls', 'fxogs', 'fxsgs', 'e&m', 'clear', 'unused']);

export function parseChannelList(text: string, line: number): number[] {
  const out: number[] = [];
  for (const part of text.split(',')) {
    const m = /^\s*(\d+)(?:\s*-\s*(\d+))?\s*$/.exec(part);
    if (!m) throw new SystemConfError(`line ${line}: bad channel list ${JSON.stringify(text)}`);
    const first = Number(m[1]);
    const last = m[2] === undefined ? first : Number(m[2]);
    if (last < first || first < 1) throw new SystemConfError(`line ${line}: bad channel range ${part.trim()}`);
    for (let c = first; c <= last; c++) out.push(c);
  }
  return out;
}

export function parseSystemConf(text: string): SystemConf {
  const conf: SystemConf = { spans: [], channels: new Map(), casBits: new Map(), echocanceller: new Map(), loadzone: undefined, defaultzone: undefined };
  text.split('\n').forEach((raw, i) => {
    const lineNo = i + 1;
    const line = raw.replace(/[#;].*$/, '').trim();
    if (!line) return;
    const eq = line.indexOf('=');
    if (eq < 0) throw new SystemConfError(`line ${lineNo}: expected key=value`);
    const key = line.slice(0, eq).trim().toLowerCase();
    const value = line.slice(eq + 1).trim();
    if (key === 'span') {
      const f = value.split(',').map((x) => x.trim());
      if (f.length < 5) throw new SystemConfError(`line ${lineNo}: span needs <span>,<timing>,<lbo>,<framing>,<coding>`);
      const [span, timing, lbo, framing, coding, ...rest] = f as [string, string, string, string, string, ...string[]];
      conf.spans.push({ span: Number(span), timing: Number(timing), lbo: Number(lbo), framing, coding, crc4: rest.includes('crc4') });
    } else if (key === 'loadzone') conf.loadzone = value;
    else if (key === 'defaultzone') conf.defaultzone = value;
    else if (key === 'echocanceller') {
      const [name, ...list] = value.split(',');
      for (const c of parseChannelList(list.join(','), lineNo)) conf.echocanceller.set(c, name!.trim());
    } else if (SIGNALLING_KEYS.has(key)) {
      let list = value;
      if (key === 'cas') {
        const colon = value.lastIndexOf(':');
        if (colon < 0) throw new SystemConfError(`line ${lineNo}: cas needs <channels>:<abcd>`);
        list = value.slice(0, colon);
        for (const c of parseChannelList(list, lineNo)) conf.casBits.set(c, value.slice(colon + 1));
      }
      for (const c of parseChannelList(list, lineNo)) {
        if (conf.channels.has(c)) throw new SystemConfError(`line ${lineNo}: channel ${c} is configured twice`);
        conf.channels.set(c, key);
      }
    } else {
      throw new SystemConfError(`line ${lineNo}: unknown key ${key}`);
    }
  });
  return conf;
}
