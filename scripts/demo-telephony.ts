// The demo's telephony configuration (scripts/demo.ts): DID 4001 -> the two-level demo IVR
// (appliance/ivr/flows/demo.json: 1 sales, 2 support -> 1 billing / 2 technical, 0 operator),
// queues sales and support with skills, agents 1001-1003 (desk logins with scrypt hashes,
// and SIP desk-phone accounts with the same passwords), office hours, recording on, an
// example PSTN trunk group with a DOD caller id for outbound calls, and two demo customers.
// It is written to <dataDir>/telephony.json as `seedConfig`, applied on the first start.
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hashPassword } from '../appliance/desk/agent-credentials.ts';

export const DEMO_AGENTS = ['1001', '1002', '1003'] as const;
export const DEMO_DID = '4001';

/** Clear agent passwords kept in demo-secrets.json (made once). */
export function demoAgentPasswords(existing: Record<string, string> | undefined): Record<string, string> {
  return Object.fromEntries(DEMO_AGENTS.map((id) => [id, existing?.[id] ?? `agent-${id}-${randomBytes(3).toString('hex')}`]));
}

export function writeDemoTelephony(root: string, dataDir: string, passwords: Record<string, string>, sipPort: number, media?: Record<string, unknown>): void {
  const flow = JSON.parse(readFileSync(join(root, 'appliance/ivr/flows/demo.json'), 'utf8')) as { calendars?: Record<string, unknown> };
  const seedConfig = {
    schema: 1,
    sip: {
      listen: { host: '0.0.0.0', udpPort: sipPort, tcpPort: sipPort },
      realm: 'cc-demo.local',
      registrarUsers: DEMO_AGENTS.map((u) => ({ username: u, password: passwords[u]!, displayName: `Agent ${u}` })),
      // an example gateway: outbound calls from the desktop go here (nothing answers in the demo)
      trunks: [{ id: 'pstn-gw', host: '127.0.0.1', port: 5080, optionsIntervalMs: 0 }],
      trunkGroups: [{ id: 'pstn', trunks: ['pstn-gw'], callerId: '01088886666', callerName: 'Demo CC' }],
      dids: [{ did: DEMO_DID, route: { kind: 'ivr', flow: 'demo' } }],
      outboundRoutes: [{ prefix: '', trunkGroup: 'pstn' }],
    },
    acd: {
      site: 'bj-01',
      skills: ['sales', 'support', 'billing', 'technical'],
      reasonCodes: ['break', 'meal', 'training', 'meeting'],
      agents: [
        { id: '1001', name: '王芳 Wang Fang', skills: { sales: 8, support: 5, billing: 5 }, seniority: 5 },
        { id: '1002', name: '李强 Li Qiang', skills: { sales: 6 } },
        { id: '1003', name: '张伟 Zhang Wei', skills: { support: 8, technical: 8, billing: 3 } },
      ],
      queues: [
        { id: 'sales', name: '销售 Sales', skills: [{ skill: 'sales' }], offerTimeoutSeconds: 20, wrapUpSeconds: 60, announcements: { onEnqueue: true, everySeconds: 30 }, sticky: { timeoutSeconds: 10 } },
        { id: 'support', name: '售后 Support', skills: [{ skill: 'support' }], offerTimeoutSeconds: 20, wrapUpSeconds: 60, announcements: { onEnqueue: true, everySeconds: 30 }, sticky: { timeoutSeconds: 10 } },
      ],
    },
    ivr: { flows: [flow] },
    workingHours: flow.calendars ?? {},
    recording: { mode: 'all', announce: true, pauseOnHold: true },
    desk: {
      // a salt derived from the kept password: the same seed on every start, so it is not re-applied
      agents: DEMO_AGENTS.map((id) => ({ id, passwordHash: hashPassword(passwords[id]!, createHash('sha256').update(`cc-demo:${id}:${passwords[id]!}`).digest().subarray(0, 16)), phone: id })),
      outboundTrunkGroup: 'pstn',
    },
  };
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(join(dataDir, 'telephony.json'), JSON.stringify({
    ...(media ? { media } : {}),
    seedConfig,
    customers: [
      { phone: '13912345678', name: '陈先生 Mr Chen', level: 'gold', vip: true, notes: 'Reseller, prefers Mandarin.', tags: ['reseller'] },
      { phone: '13800138000', name: 'Ms Liu', level: 'normal', tags: ['trial'] },
    ],
  }, null, 2), { mode: 0o600 });
}
