// `npm start`: the fleet console with its embedded broker and one demo appliance, each in its
// own process as on real machines, with a demo configuration under ./var/demo.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { DEMO_DID, demoAgentPasswords, writeDemoTelephony } from './demo-telephony.ts';

const root = new URL('..', import.meta.url).pathname;
const dir = join(root, 'var/demo');
mkdirSync(dir, { recursive: true });

// Secrets are made once and kept, so a restart finds the same demo device and login.
const secretsPath = join(dir, 'demo-secrets.json');
const secrets: { device: string; admin: string; agents?: Record<string, string> } = existsSync(secretsPath)
  ? JSON.parse(readFileSync(secretsPath, 'utf8'))
  : { device: randomBytes(24).toString('base64url'), admin: 'admin-' + randomBytes(4).toString('hex') };
secrets.agents = demoAgentPasswords(secrets.agents);
writeFileSync(secretsPath, JSON.stringify(secrets), { mode: 0o600 });

// Update bundles: a signing key pair made once (the fleet and the demo appliance trust its
// public half), the bundle server devices download from on its own port.
const updateKey = join(dir, 'update-signing.key');
const updatePub = join(dir, 'update-signing.pub');
if (!existsSync(updateKey) || !existsSync(updatePub)) {
  const pair = generateKeyPairSync('ed25519');
  writeFileSync(updateKey, pair.privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
  writeFileSync(updatePub, pair.publicKey.export({ format: 'pem', type: 'spki' }));
}
const updatesPort = process.env.DEMO_UPDATES_PORT ?? '8081';
const updatePayload = join(dir, 'update-payload');
mkdirSync(updatePayload, { recursive: true });
writeFileSync(join(updatePayload, 'README'), 'A demo update: the simulated slots of the demo appliance receive these files.\n');
const updateMachine = join(dir, 'appliance-machine');
/** The version to suggest for the next demo bundle: one patch above what the demo appliance's simulated machine holds. */
function nextDemoVersion(): string {
  try {
    const slots = JSON.parse(readFileSync(join(updateMachine, 'slots.json'), 'utf8')) as Record<string, { version?: string }>;
    const newest = Object.values(slots).map((s) => (s.version ?? '0.0.0').split('.').map(Number)).sort((x, y) => x[0]! - y[0]! || x[1]! - y[1]! || x[2]! - y[2]!).at(-1)!;
    return `${newest[0]}.${newest[1]}.${newest[2]! + 1}`;
  } catch {
    return '0.2.0';
  }
}

const httpPort = process.env.FLEET_HTTP_PORT ?? '8080';
const mqttPort = process.env.FLEET_MQTT_PORT ?? '1883';
// The appliance's agent desktop: http on localhost (a secure context, so the softphone gets the
// microphone); APPLIANCE_WEB_LAN=1 serves HTTPS with a self-signed certificate on every address.
const webPort = Number(process.env.APPLIANCE_WEB_PORT ?? '8443');
const webOnLan = process.env.APPLIANCE_WEB_LAN === '1';
const webUrl = `${webOnLan ? 'https' : 'http'}://localhost:${webPort}`;
const site = 'bj-01';
const device = 'cc-demo';
const applianceConfig = join(dir, 'appliance.json');
// Telephony: DID 4001 -> two-level IVR -> sales/support queues, agents 1001-1003 (see demo-telephony.ts).
const sipPort = Number(process.env.DEMO_SIP_PORT ?? '5060');
writeDemoTelephony(root, join(dir, 'appliance-data'), secrets.agents, sipPort);
writeFileSync(
  applianceConfig,
  JSON.stringify(
    {
      site,
      device,
      dataDir: join(dir, 'appliance-data'),
      fleet: { url: `mqtt://127.0.0.1:${mqttPort}`, secret: secrets.device, telemetryIntervalS: 2, keepaliveS: 10 },
      // A simulated 2-span E1 card whose spans now and then lose signal: the console shows alarms come and go.
      hardware: { board: 'cc-e1x2', driver: 'simulator', simulator: { seed: 7, chaos: { meanAlarmIntervalS: 900, meanAlarmDurationS: 90 } } },
      // Agents log in with the desk section's ids; this admin (the fleet admin's password) manages local users.
      web: { host: webOnLan ? '0.0.0.0' : '127.0.0.1', port: webPort, tls: { mode: webOnLan ? 'self-signed' : 'off' }, users: [{ username: 'admin', role: 'admin', password: secrets.admin }] },
      // Rollouts from the console: simulated A/B slots in a directory; a "reboot" restarts the appliance in place.
      updates: { boot: { kind: 'simulated', dir: updateMachine }, trustedKeys: [readFileSync(updatePub, 'utf8')] },
    },
    null,
    2,
  ),
);

const children: ChildProcess[] = [];
function start(name: string, args: string[]): Promise<Record<string, unknown>> {
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  child.on('exit', (code) => {
    console.error(`${name} exited (${code}); stopping the demo`);
    shutdown(1);
  });
  return new Promise((resolve) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      try {
        const msg = JSON.parse(line) as Record<string, unknown>;
        if (msg.ready) resolve(msg);
      } catch {
        process.stdout.write(`${line}\n`);
      }
    });
  });
}

let stopping = false;
function shutdown(code: number): void {
  if (stopping) return;
  stopping = true;
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  setTimeout(() => process.exit(code), 1500).unref();
}
process.on('SIGINT', () => shutdown(0));
process.on('SIGTERM', () => shutdown(0));

const fleet = await start('fleet', [
  'fleet/main.ts',
  '--data', join(dir, 'fleet'),
  '--port', httpPort,
  '--mqtt-port', mqttPort,
  '--admin', `admin:${secrets.admin}`,
  '--provision', `${site}.${device}:${secrets.device}:Beijing branch demo appliance`,
  '--updates-port', updatesPort,
  '--update-key', updatePub,
]);
await start('appliance', ['appliance/main.ts', '--config', applianceConfig]);
console.log(`
  Contact center demo is running.
  Fleet console   ${String(fleet.httpUrl)}/      login: admin / ${secrets.admin}
  MQTT broker     ${String(fleet.brokerUrl)}
  Demo appliance  ${site}/${device} (config ${applianceConfig})
  Agent desktop   ${webUrl}/      wallboard: ${webUrl}/wallboard
  Agents          ${Object.entries(secrets.agents).map(([id, pw]) => `${id} / ${pw}`).join('   ')}
  SIP             udp/tcp port ${sipPort}: call ${DEMO_DID} (sip:${DEMO_DID}@<this host>:${sipPort}) from any softphone;
                  desk phones register as 1001-1003 with the agents' passwords
  Updates         bundle server ${String(fleet.updatesUrl)}; make a signed bundle (a version above the running one) with
                    npx tsx scripts/make-bundle.ts --key ${updateKey} --board cc-e1x2 --version ${nextDemoVersion()} \\
                      --dir ${updatePayload} --out ${join(dir, `cc-${nextDemoVersion()}.ccb`)}
                  then on ${String(fleet.httpUrl)}/rollouts upload it, put ${site}/${device} in a group and start a campaign
  Ctrl-C stops everything.
`);
