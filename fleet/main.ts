// The fleet process: `tsx fleet/main.ts [--data DIR] [--port 8080] [--mqtt-port 1883] [--broker mqtt://…]`.
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { parseBrokerUsername } from '../protocol/ids.ts';
import { describeIssues } from '../protocol/decode.ts';
import { createLogger } from '../appliance/log/logger.ts';
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
  },
});

const Port = z.coerce.number().int().min(0).max(65535);
const Args = z.object({
  port: Port,
  'mqtt-port': Port,
  broker: z.string().regex(/^mqtts?:\/\//, 'must be an mqtt:// or mqtts:// URL').optional(),
  admin: z.string().regex(/^[^:]+:.{8,}$/, 'must be user:password with a password of 8 or more characters').optional(),
  provision: z.array(z.string().regex(/^[^:]+:[^:]{16,}(:.*)?$/, 'must be site.device:secret[:name] with a secret of 16 or more characters')),
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
  const fleet = await startFleet({ dataDir: values.data!, http: { port: args.port, host: values.host! }, broker, provision, ...(admin ? { admin } : {}), log });
  process.stdout.write(`${JSON.stringify({ ready: true, httpUrl: fleet.httpUrl, brokerUrl: fleet.brokerUrl })}\n`);
  const stop = () => void fleet.stop().then(() => process.exit(0), () => process.exit(1));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
} catch (err) {
  log.error('fleet failed to start', { error: (err as Error).stack });
  process.exit(1);
}
