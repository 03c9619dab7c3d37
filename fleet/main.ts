// The fleet process: `tsx fleet/main.ts [--data DIR] [--port 8080] [--mqtt-port 1883] [--broker mqtt://…]
//   [--updates-port 8081] [--updates-host H] [--updates-url http://fleet.example:8081] [--update-key release.pub …]`.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { parseBrokerUsername } from '../protocol/ids.ts';
import { describeIssues } from '../protocol/decode.ts';
import { createLogger } from '../appliance/log/logger.ts';
import { trustedKeysFromPems } from '../appliance/updater/bundle-signing.ts';
import { startFleet, type FleetOptions } from './fleet.ts';

const log = createLogger('fleet');
const { values } = parseArgs({
  options: {
    data: { type: 'string', default: process.env.FLEET_DATA ?? './var/fleet' },
    host: { type: 'string', default: process.env.FLEET_HOST ?? '127.0.0.1' },
    port: { type: 'string', default: process.env.FLEET_HTTP_PORT ?? '8080' },
    'mqtt-port': { type: 'string', default: process.env.FLEET_MQTT_PORT ?? '1883' },
    'mqtt-host': { type: 'string', default: process.env.FLEET_MQTT_HOST ?? '127.0.0.1' },
    broker: { type: 'string', default: process.env.FLEET_BROKER_URL },
    'broker-user': { type: 'string', default: process.env.FLEET_BROKER_USER },
    'broker-password': { type: 'string', default: process.env.FLEET_BROKER_PASSWORD },
    admin: { type: 'string', default: process.env.FLEET_ADMIN },
    provision: { type: 'string', multiple: true, default: [] },
    // Rollouts: the bundle server devices download from (its own port), the URL they reach it
    // at (behind NAT or a proxy it is not the listening address), the keys bundles must carry.
    'updates-port': { type: 'string', default: process.env.FLEET_UPDATES_PORT ?? '8081' },
    'updates-host': { type: 'string', default: process.env.FLEET_UPDATES_HOST },
    'updates-url': { type: 'string', default: process.env.FLEET_UPDATES_URL },
    /** A public key file (.pub PEM) or a directory of them; FLEET_UPDATE_KEYS takes a comma-separated list. */
    'update-key': { type: 'string', multiple: true, default: process.env.FLEET_UPDATE_KEYS ? process.env.FLEET_UPDATE_KEYS.split(',').filter(Boolean) : [] },
  },
});

const Port = z.coerce.number().int().min(0).max(65535);
const Args = z.object({
  port: Port,
  'mqtt-port': Port,
  broker: z.string().regex(/^mqtts?:\/\//, 'must be an mqtt:// or mqtts:// URL').optional(),
  admin: z.string().regex(/^[^:]+:.{8,}$/, 'must be user:password with a password of 8 or more characters').optional(),
  provision: z.array(z.string().regex(/^[^:]+:[^:]{16,}(:.*)?$/, 'must be site.device:secret[:name] with a secret of 16 or more characters')),
  'updates-port': Port,
  'updates-url': z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }).optional(),
  'update-key': z.array(z.string().min(1)),
});
const parsed = Args.safeParse(values);
if (!parsed.success) {
  log.error(`bad arguments: ${describeIssues(parsed.error)}`);
  process.exit(2);
}
const args = parsed.data;

let broker: FleetOptions['broker'] = { kind: 'embedded', port: args['mqtt-port'], host: values['mqtt-host']! };
if (args.broker) {
  if (!values['broker-user'] || !values['broker-password']) {
    log.error('an external broker needs --broker-user and --broker-password (or FLEET_BROKER_USER/FLEET_BROKER_PASSWORD)');
    process.exit(2);
  }
  broker = { kind: 'external', url: args.broker, username: values['broker-user'], password: values['broker-password'] };
}

/** Reads each --update-key: a PEM file, or every `*.pub` in a directory (as the appliance's key directory). */
function readUpdateKeys(paths: string[]): string[] {
  const pems: string[] = [];
  for (const path of paths) {
    try {
      const files = statSync(path).isDirectory() ? readdirSync(path).filter((n) => n.endsWith('.pub')).sort().map((n) => join(path, n)) : [path];
      if (files.length === 0) throw new Error('the directory holds no .pub file');
      for (const file of files) {
        const pem = readFileSync(file, 'utf8');
        trustedKeysFromPems([pem]);
        pems.push(pem);
      }
    } catch (err) {
      log.error(`bad --update-key ${path}: ${(err as Error).message}`);
      process.exit(2);
    }
  }
  return pems;
}
const updateKeys = readUpdateKeys(args['update-key']);
if (updateKeys.length === 0) log.warn('no --update-key (FLEET_UPDATE_KEYS): every uploaded update bundle will be refused');
const updatesHost = values['updates-host'] ?? values.host!;
if (!args['updates-url'] && /^(0\.0\.0\.0|::|\[::\])$/.test(updatesHost)) {
  log.warn('the bundle server listens on every address but has no --updates-url: devices are sent a URL they may not reach');
}

const provision = args.provision.map((p) => {
  const [user, secret, name] = p.split(':') as [string, string, string | undefined];
  const ref = parseBrokerUsername(user);
  if (!ref) {
    log.error(`bad --provision ${user}: expected site.device`);
    process.exit(2);
  }
  return { ...ref, secret, name: name ?? `${ref.site}/${ref.device}` };
});

try {
  const admin = args.admin ? { username: args.admin.split(':')[0]!, password: args.admin.slice(args.admin.indexOf(':') + 1) } : undefined;
  const updates = { port: args['updates-port'], host: updatesHost, trustedKeys: updateKeys, ...(args['updates-url'] ? { publicUrl: args['updates-url'].replace(/\/+$/, '') } : {}) };
  const fleet = await startFleet({ dataDir: values.data!, http: { port: args.port, host: values.host! }, broker, provision, updates, ...(admin ? { admin } : {}), log });
  process.stdout.write(`${JSON.stringify({ ready: true, httpUrl: fleet.httpUrl, brokerUrl: fleet.brokerUrl, updatesUrl: fleet.updatesUrl })}\n`);
  const stop = () => void fleet.stop().then(() => process.exit(0), () => process.exit(1));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
} catch (err) {
  log.error('fleet failed to start', { error: (err as Error).stack });
  process.exit(1);
}
