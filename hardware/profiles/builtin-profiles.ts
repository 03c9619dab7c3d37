import { parseBoardProfile, type BoardProfile, type BoardProfileInput } from './board-profile.ts';

/**
 * The boards the project knows. Each is parsed through the schema at load, so a profile that
 * breaks a rule fails at start-up with its reason, not later in a generated file.
 */
const inputs: BoardProfileInput[] = [
  {
    id: 'cc-e1x2',
    name: 'Branch appliance with a 2-span E1 card',
    cpu: { arch: 'x86_64', cores: 4, model: 'Intel Atom x6413E' },
    nics: [
      { name: 'eth0', role: 'wan', speedMbps: 1000 },
      { name: 'eth1', role: 'lan', speedMbps: 1000 },
    ],
    watchdog: { device: '/dev/watchdog0', maxTimeoutS: 300 },
    leds: [
      { name: 'cc:green:power', role: 'power' },
      { name: 'cc:green:status', role: 'status' },
      { name: 'cc:red:alarm', role: 'alarm' },
      { name: 'cc:green:span1', role: 'span', span: 1 },
      { name: 'cc:green:span2', role: 'span', span: 2 },
    ],
    spans: [
      { span: 1, type: 'E1', framing: 'ccs', lineCoding: 'hdb3', crc4: true, signalling: 'pri', label: 'PSTN PRI' },
      { span: 2, type: 'E1', framing: 'cas', lineCoding: 'hdb3', crc4: false, signalling: 'mfc-r2', label: 'PSTN R2' },
    ],
  },
  {
    id: 'cc-fxsfxo8',
    name: 'Branch appliance with an 8-port analog card (4 FXS + 4 FXO)',
    cpu: { arch: 'x86_64', cores: 2, model: 'Intel Celeron J4125' },
    nics: [{ name: 'eth0', role: 'wan', speedMbps: 1000 }],
    watchdog: { device: '/dev/watchdog0', maxTimeoutS: 120 },
    leds: [
      { name: 'cc:green:power', role: 'power' },
      { name: 'cc:red:alarm', role: 'alarm' },
    ],
    analogCard: 'WCTDM/0',
    ports: [
      { port: 1, kind: 'fxs', label: 'reception phone' },
      { port: 2, kind: 'fxs' },
      { port: 3, kind: 'fxs' },
      { port: 4, kind: 'fxs' },
      { port: 5, kind: 'fxo', label: 'PSTN line 1' },
      { port: 6, kind: 'fxo' },
      { port: 7, kind: 'fxo' },
      { port: 8, kind: 'fxo' },
    ],
  },
  {
    id: 'cc-t1x1',
    name: 'Branch appliance with one T1 span',
    cpu: { arch: 'x86_64', cores: 4 },
    nics: [{ name: 'eth0', role: 'wan' }],
    watchdog: { device: '/dev/watchdog0', maxTimeoutS: 300 },
    spans: [{ span: 1, type: 'T1', framing: 'esf', lineCoding: 'b8zs', signalling: 'pri' }],
  },
  {
    // What the disk image runs on under qemu: no telephony card, the i6300esb watchdog qemu emulates.
    id: 'cc-x86-generic',
    name: 'Generic x86-64 (virtual machine or PC without telephony cards)',
    cpu: { arch: 'x86_64', cores: 1 },
    nics: [{ name: 'eth0', role: 'wan' }],
    watchdog: { device: '/dev/watchdog0', maxTimeoutS: 600 },
  },
];

export const builtinProfiles: ReadonlyMap<string, BoardProfile> = new Map(
  inputs.map((input) => {
    const profile = parseBoardProfile(input, `built-in profile ${input.id}`);
    return [profile.id, profile] as const;
  }),
);

export function builtinProfile(id: string): BoardProfile {
  const profile = builtinProfiles.get(id);
  if (!profile) throw new Error(`no built-in board profile ${id} (known: ${[...builtinProfiles.keys()].join(', ')})`);
  return profile;
}
