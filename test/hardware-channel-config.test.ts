// The channel configuration generated from a board profile plus site config: compared with
// reviewed golden files, and read back with the system.conf parser to check, channel by
// channel, that it says what the profile says.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { planChannels } from '../hardware/dahdi/channel-plan.ts';
import { renderDahdiConfig } from '../hardware/dahdi/dahdi-config.ts';
import { parseSystemConf } from '../hardware/dahdi/system-conf-parser.ts';
import { builtinProfile } from '../hardware/profiles/builtin-profiles.ts';
import { checkSiteTelephony, SiteTelephonyError } from '../hardware/profiles/site-telephony.ts';
import { e1x2Site, fxsfxo8Site } from './fixtures/hardware/sites.ts';

const golden = (name: string) => readFileSync(new URL(`./fixtures/hardware/golden/${name}`, import.meta.url), 'utf8');

/** chan_dahdi.conf's channel lines with the options in force at each (options carry over). */
function chanDahdiChannels(text: string): Map<number, Record<string, string>> {
  const out = new Map<number, Record<string, string>>();
  let current: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const line = raw.replace(/;.*$/, '').trim();
    if (!line || line.startsWith('[')) continue;
    const chan = /^channel\s*=>\s*(.+)$/.exec(line);
    if (chan) {
      for (const part of chan[1]!.split(',')) {
        const [a, b] = part.split('-').map(Number) as [number, number | undefined];
        for (let c = a; c <= (b ?? a); c++) out.set(c, { ...current });
      }
      continue;
    }
    const eq = line.indexOf('=');
    current[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  }
  return out;
}

describe('2-span E1 board (cc-e1x2: span 1 ISDN PRI, span 2 MFC/R2)', () => {
  const board = builtinProfile('cc-e1x2');
  const files = renderDahdiConfig(planChannels(board, checkSiteTelephony(board, e1x2Site)));

  test('system.conf and chan_dahdi.conf equal the reviewed golden files', () => {
    assert.equal(files['system.conf'], golden('cc-e1x2.system.conf'));
    assert.equal(files['chan_dahdi.conf'], golden('cc-e1x2.chan_dahdi.conf'));
  });

  test('each span line carries the framing, line code and CRC-4 of its profile', () => {
    const conf = parseSystemConf(files['system.conf']);
    assert.equal(conf.spans.length, board.spans.length);
    for (const profile of board.spans) {
      const span = conf.spans.find((s) => s.span === profile.span);
      assert.ok(span, `span ${profile.span} is configured`);
      assert.equal(span.framing, profile.framing);
      assert.equal(span.coding, profile.lineCoding);
      assert.equal(span.crc4, profile.type === 'E1' && profile.crc4);
    }
    assert.deepEqual(conf.spans.map((s) => s.timing), [1, 2], 'span 1 takes the clock first, the site made span 2 the second source');
  });

  test('the PRI span has 30 B channels and its D channel on timeslot 16', () => {
    const conf = parseSystemConf(files['system.conf']);
    const span1 = [...conf.channels].filter(([c]) => c >= 1 && c <= 31);
    assert.equal(span1.filter(([, k]) => k === 'bchan').length, 30);
    assert.deepEqual(span1.filter(([, k]) => k === 'dchan').map(([c]) => c), [16]);
  });

  test('the R2 span signals CAS on its 30 voice timeslots and leaves timeslot 16 to the signalling bits', () => {
    const conf = parseSystemConf(files['system.conf']);
    const span2 = [...conf.channels].filter(([c]) => c >= 32 && c <= 62);
    assert.equal(span2.length, 30);
    assert.ok(span2.every(([, k]) => k === 'cas'));
    assert.equal(conf.channels.has(32 + 15), false, 'channel 47 (timeslot 16) is not a voice channel');
    assert.ok([...conf.casBits.values()].every((bits) => bits === '1101'), 'idle ABCD pattern');
    assert.equal(conf.loadzone, 'cn');
  });

  test('chan_dahdi gives every voice channel the signalling and options of its span', () => {
    const conf = parseSystemConf(files['system.conf']);
    const chans = chanDahdiChannels(files['chan_dahdi.conf']);
    const voice = [...conf.channels].filter(([, k]) => k === 'bchan' || k === 'cas').map(([c]) => c);
    assert.deepEqual([...chans.keys()].sort((a, b) => a - b), voice);
    assert.equal(chans.get(1)?.signalling, 'pri_cpe');
    assert.equal(chans.get(1)?.switchtype, 'euroisdn');
    assert.equal(chans.get(1)?.context, 'from-pri');
    assert.equal(chans.get(40)?.signalling, 'mfcr2');
    assert.equal(chans.get(40)?.mfcr2_variant, 'cn');
    assert.equal(chans.get(40)?.mfcr2_max_ani, '12');
    assert.equal(chans.get(40)?.group, '2');
  });
});

describe('8-port analog board (cc-fxsfxo8: ports 1-4 FXS, 5-8 FXO)', () => {
  const board = builtinProfile('cc-fxsfxo8');
  const files = renderDahdiConfig(planChannels(board, checkSiteTelephony(board, fxsfxo8Site)));

  test('system.conf and chan_dahdi.conf equal the reviewed golden files', () => {
    assert.equal(files['system.conf'], golden('cc-fxsfxo8.system.conf'));
    assert.equal(files['chan_dahdi.conf'], golden('cc-fxsfxo8.chan_dahdi.conf'));
  });

  test('FXS ports get FXO kewlstart signalling and FXO ports FXS kewlstart, one channel per port', () => {
    const conf = parseSystemConf(files['system.conf']);
    assert.equal(conf.spans.length, 0);
    assert.equal(conf.channels.size, board.ports.length);
    for (const [i, port] of board.ports.entries()) {
      assert.equal(conf.channels.get(i + 1), port.kind === 'fxs' ? 'fxoks' : 'fxsks', `port ${port.port}`);
      assert.equal(conf.echocanceller.get(i + 1), 'oslec');
    }
  });

  test('chan_dahdi carries each port kind, extension and context', () => {
    const chans = chanDahdiChannels(files['chan_dahdi.conf']);
    assert.equal(chans.size, 8);
    for (const [i, port] of board.ports.entries()) {
      assert.equal(chans.get(i + 1)?.signalling, port.kind === 'fxs' ? 'fxo_ks' : 'fxs_ks');
    }
    assert.equal(chans.get(1)?.callerid, '"Reception" <8001>');
    assert.equal(chans.get(2)?.callerid, '"Port 2" <8002>');
    assert.equal(chans.get(5)?.context, 'from-pstn-main');
    assert.equal(chans.get(5)?.group, '21');
    assert.equal(chans.get(6)?.context, 'from-pstn', 'a port the site leaves alone gets the default of its kind');
  });
});

describe('site configuration checked against the board', () => {
  test('R2 options on the PRI span, an unknown span and an extension on an FXO port are each refused with a reason', () => {
    const e1 = builtinProfile('cc-e1x2');
    assert.throws(() => checkSiteTelephony(e1, { spans: [{ span: 1, r2: {} }] }), (err: Error) => err instanceof SiteTelephonyError && /span 1: R2 options on a pri span/.test(err.message));
    assert.throws(() => checkSiteTelephony(e1, { spans: [{ span: 3 }] }), /span 3: board cc-e1x2 has no such span/);
    const analog = builtinProfile('cc-fxsfxo8');
    assert.throws(() => checkSiteTelephony(analog, { ports: [{ port: 6, extension: '8006' }] }), /port 6: an extension is for FXS ports, this one is FXO/);
    assert.throws(() => checkSiteTelephony(analog, { toneZone: 'xx' }), /toneZone/);
  });

  test('a T1 PRI span puts its D channel on channel 24', () => {
    const t1 = builtinProfile('cc-t1x1');
    const conf = parseSystemConf(renderDahdiConfig(planChannels(t1, checkSiteTelephony(t1, {})))['system.conf']);
    assert.deepEqual(conf.spans[0], { span: 1, timing: 1, lbo: 0, framing: 'esf', coding: 'b8zs', crc4: false });
    assert.equal([...conf.channels.values()].filter((k) => k === 'bchan').length, 23);
    assert.equal(conf.channels.get(24), 'dchan');
  });
});
