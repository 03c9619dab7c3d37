import { randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { Low } from 'lowdb';
import { FsyncJsonFile } from '../appliance/store/fsync-json-file.ts';
import { createLogger, type Logger } from '../appliance/log/logger.ts';
import { EmbeddedBroker } from './broker/embedded-broker.ts';
import type { Principal } from './broker/broker-acl.ts';
import { FleetIngest, type IngestSinks } from './ingest/fleet-ingest.ts';
import { BatchWriter } from '../appliance/store/batch-writer.ts';
import { CommandCaller } from './ingest/command-caller.ts';
import { DeviceRegistry, RegistryDoc, emptyRegistryDoc } from './registry/device-registry.ts';
import type { ScryptParams } from './auth/password-hash.ts';
import { EventStore } from './events/event-store.ts';
import { UserStore, UsersDoc, emptyUsersDoc } from './auth/user-store.ts';
import { ConsoleAuth } from './auth/console-auth.ts';
import { createFleetApp } from './web/app.ts';
import { encode } from '../protocol/decode.ts';
import { publishOptions, topicFor, type TopicName } from '../protocol/topics.ts';
import type { DeviceRef } from '../protocol/ids.ts';
import { AuditLog } from './audit/audit-log.ts';
import { ConfigStore, FleetConfigDoc, emptyFleetConfigDoc } from './config/config-store.ts';
import { ConfigService } from './config/config-service.ts';
import { BundleSigner } from './config/bundle-signer.ts';
import { TerminalRelay, type TerminalLimits } from './terminal/terminal-relay.ts';
import { MetricsStore } from './metrics/metrics-store.ts';
import { RolloutDoc, RolloutStore, emptyRolloutDoc } from './rollouts/rollout-store.ts';
import { RolloutService } from './rollouts/rollout-service.ts';
import { BundleServer } from './rollouts/bundle-server.ts';
import { trustedKeysFromPems } from '../appliance/updater/bundle-signing.ts';

export type FleetBrokerOptions =
  | { kind: 'embedded'; port: number; host?: string }
  | { kind: 'external'; url: string; username: string; password: string };

export interface FleetOptions {
  dataDir: string;
  http: { port: number; host?: string };
  broker: FleetBrokerOptions;
  /** This fleet node's id: its MQTT client id and the caller level of its reply topics. */
  nodeId?: string;
  /** Created on first start if there is no user yet. */
  admin?: { username: string; password: string };
  /** Devices to create if absent (the demo's appliance). */
  provision?: { site: string; device: string; name: string; secret: string }[];
  registryFlushIntervalMs?: number;
  deviceSecretScrypt?: ScryptParams;
  terminalLimits?: Partial<TerminalLimits>;
  /** Rollouts: where devices download bundles (its own port, apart from the console) and the keys bundles must be signed with. */
  updates?: { port?: number; host?: string; publicUrl?: string; trustedKeys?: string[] };
  log?: Logger;
}

export interface Fleet {
  readonly httpUrl: string;
  readonly brokerUrl: string;
  readonly registry: DeviceRegistry;
  readonly events: EventStore;
  readonly ingest: FleetIngest;
  readonly commands: CommandCaller;
  readonly config: ConfigService;
  readonly audit: AuditLog;
  readonly terminals: TerminalRelay;
  readonly metrics: MetricsStore;
  readonly rollouts: RolloutService;
  /** Base URL of the bundle server devices download from. */
  readonly updatesUrl: string;
  readonly users: UserStore;
  readonly broker: EmbeddedBroker | undefined;
  restartBroker(): Promise<void>;
  stop(): Promise<void>;
}

const SERVICE_USER = 'fleet-service';

/** Starts every part of the fleet in dependency order: stores, broker, ingest, web. */
export async function startFleet(options: FleetOptions): Promise<Fleet> {
  const log = options.log ?? createLogger('fleet');
  const nodeId = options.nodeId ?? 'fleet-1';
  mkdirSync(options.dataDir, { recursive: true });

  const registry = await DeviceRegistry.open({
    db: new Low<RegistryDoc>(new FsyncJsonFile(join(options.dataDir, 'registry.json'), { schema: RegistryDoc }), emptyRegistryDoc()),
    ...(options.registryFlushIntervalMs ? { flushIntervalMs: options.registryFlushIntervalMs } : {}),
    ...(options.deviceSecretScrypt ? { secretHashParams: options.deviceSecretScrypt } : {}),
    onError: (err) => log.error('registry write failed', { error: (err as Error).message }),
  });
  for (const p of options.provision ?? []) {
    if (!registry.get(p)) await registry.createDevice(p);
  }
  const users = await UserStore.open({
    db: new Low<UsersDoc>(new FsyncJsonFile(join(options.dataDir, 'users.json'), { schema: UsersDoc }), emptyUsersDoc()),
  });
  if (options.admin) await users.ensureAdmin(options.admin.username, options.admin.password);
  else if (users.list().length === 0) {
    // First start without a chosen admin: make one and say it once, as routers do.
    const password = randomBytes(12).toString('base64url');
    await users.ensureAdmin('admin', password);
    log.warn('created the first console user; change its password after logging in', { username: 'admin', password });
  }
  const events = EventStore.open(join(options.dataDir, 'events.sqlite'));
  const audit = AuditLog.open(join(options.dataDir, 'audit.sqlite'));
  const configStore = await ConfigStore.open({
    doc: new Low<FleetConfigDoc>(new FsyncJsonFile(join(options.dataDir, 'fleet-config.json'), { schema: FleetConfigDoc }), emptyFleetConfigDoc()),
    dbPath: join(options.dataDir, 'config.sqlite'),
  });
  const signer = BundleSigner.loadOrCreate(join(options.dataDir, 'bundle-signing-key.pem'));
  // Publishing goes through the ingest's client, created below; nothing is published before it connects.
  let publisher: FleetIngest | undefined;
  const publish = <N extends TopicName>(name: N, ref: DeviceRef, payload: Parameters<typeof encode<N>>[1]) =>
    new Promise<void>((resolve, reject) => {
      if (!publisher) return reject(new Error('fleet not ready'));
      publisher.mqtt.publish(topicFor(name, ref as never), encode(name, payload), publishOptions(name), (err) => (err ? reject(err) : resolve()));
    });
  const config = new ConfigService({ store: configStore, registry, signer, publish: (ref, desired) => publish('configDesired', ref, desired), log: log.child('config') });
  let bundleServer: BundleServer | undefined;
  const rollouts = new RolloutService({
    store: await RolloutStore.open({ db: new Low<RolloutDoc>(new FsyncJsonFile(join(options.dataDir, 'rollouts.json'), { schema: RolloutDoc }), emptyRolloutDoc()), onError: (err) => log.error('rollout write failed', { error: (err as Error).message }) }),
    bundleDir: join(options.dataDir, 'bundles'),
    trustedKeys: trustedKeysFromPems(options.updates?.trustedKeys ?? []),
    groupMembers: (group) => (config.group(group), config.members(group).map((m) => ({ site: m.site, device: m.device }))),
    publish: (ref, desired) => publish('updateDesired', ref, desired),
    downloadBase: () => options.updates?.publicUrl ?? bundleServer?.url ?? '',
    log: log.child('rollouts'),
  });
  bundleServer = await BundleServer.start({ port: options.updates?.port ?? 0, ...(options.updates?.host ? { host: options.updates.host } : {}), resolve: (c, ref, token) => rollouts.resolveDownload(c, ref, token), log: log.child('bundles') });

  // Events are stored in group commits; each message's promise resolves after its COMMIT,
  // and only then does the broker acknowledge it to the device.
  const eventWriter = new BatchWriter(events.db);
  // Live metrics stay in memory (a sample a second per device); a removed device's go with it.
  const metrics = new MetricsStore();
  registry.changes$.subscribe((v) => v.removed && metrics.remove(v));
  let hooked: FleetIngest | undefined;
  const sinks: IngestSinks = {
    state: (ref, state, at) => void registry.applyState(ref, state, at),
    telemetry: (ref, telemetry, at) => void registry.applyTelemetry(ref, telemetry, at),
    event: (ref, event, at) => (registry.get(ref) ? eventWriter.run(() => events.insert(ref, event, at)) : 'unknown-device'),
    configReported: (ref, reported, at) => config.onReported(ref, reported, at),
    metrics: (ref, sample, at) => void (registry.get(ref) && metrics.apply(ref, sample, at)),
    updateStatus: (ref, status) => rollouts.onStatus(ref, status),
  };

  // The fleet reaches its embedded broker as an ordinary MQTT client too (to send commands),
  // with a password that exists only in this process.
  let broker: EmbeddedBroker | undefined;
  let brokerUrl: string;
  let service: { username: string; password: string };
  let startBroker: (() => Promise<EmbeddedBroker>) | undefined;
  if (options.broker.kind === 'embedded') {
    const servicePassword = randomBytes(32).toString('base64url');
    const expected = Buffer.from(servicePassword);
    const { port, host } = options.broker;
    startBroker = () =>
      EmbeddedBroker.start({
        port,
        ...(host ? { host } : {}),
        log: log.child('broker'),
        authenticate: async (username, password): Promise<Principal | undefined> => {
          if (username === SERVICE_USER) {
            const given = Buffer.from(password);
            return given.length === expected.length && timingSafeEqual(given, expected) ? { kind: 'service', name: SERVICE_USER } : undefined;
          }
          const ref = await registry.verifyDeviceCredentials(username, password);
          return ref && { kind: 'device', ref };
        },
        // Device messages go straight to the ingest before the broker acknowledges them:
        // aedes keeps nothing on disk, so this is what makes a device's PUBACK durable.
        onDevicePublish: (topic, payload) => (hooked ? hooked.accept(topic, payload) : Promise.reject(new Error('fleet not ready'))),
      });
    broker = await startBroker();
    registry.revoked$.subscribe((ref) => broker?.disconnectDevice(ref));
    brokerUrl = broker.url;
    service = { username: SERVICE_USER, password: servicePassword };
  } else {
    brokerUrl = options.broker.url;
    service = { username: options.broker.username, password: options.broker.password };
  }

  const ingest = new FleetIngest({
    url: brokerUrl,
    ...service,
    clientId: options.broker.kind === 'embedded' ? nodeId : service.username,
    subscribe: options.broker.kind === 'external',
    log: log.child('ingest'),
    sinks,
  });
  publisher = ingest;
  const caller = options.broker.kind === 'embedded' ? nodeId : service.username;
  const terminals = new TerminalRelay({
    caller,
    send: (ref, input) => publish('terminalInput', ref, input),
    audit: (entry) => audit.append(entry),
    ...(options.terminalLimits ? { limits: options.terminalLimits } : {}),
    log: log.child('terminal'),
  });
  ingest.on('terminal', (ref, from, frame) => terminals.onFrame(ref, from, frame));
  // After every (re)connect, e.g. an embedded broker restart that lost its retained messages.
  ingest.on('connected', () => {
    config.republish().then(
      (n) => n && log.info('desired configurations published again', { devices: n }),
      (err: Error) => log.error('publishing desired configurations failed', { error: err.message }),
    );
    rollouts.republish().catch((err: Error) => log.error('publishing update jobs failed', { error: err.message }));
  });
  await ingest.start();
  hooked = ingest;
  const commands = new CommandCaller({ ingest, caller });

  const app = createFleetApp({
    registry,
    events,
    auth: new ConsoleAuth({ users }),
    audit,
    config,
    commands,
    terminals,
    metrics,
    rollouts,
    stats: () => ({ ingest: flatten(ingest.counters), broker: broker ? { ...broker.counters } : {}, registry: { ...registry.stats() }, metrics: { ...metrics.counters } }),
    onError: (err, c) => log.error('console request failed', { path: c.req.path, error: (err as Error).stack }),
  });
  const server: ServerType = await new Promise((resolve) => {
    const s = serve({ fetch: app.fetch, port: options.http.port, hostname: options.http.host ?? '127.0.0.1' }, () => resolve(s));
  });
  const httpUrl = `http://${options.http.host ?? '127.0.0.1'}:${(server.address() as AddressInfo).port}`;
  log.info('fleet started', { httpUrl, brokerUrl });

  return {
    httpUrl,
    brokerUrl,
    registry,
    events,
    ingest,
    commands,
    config,
    audit,
    terminals,
    metrics,
    rollouts,
    updatesUrl: options.updates?.publicUrl ?? bundleServer.url,
    users,
    get broker() {
      return broker;
    },
    /** Restarts the embedded broker: every device drops and comes back with its backoff. */
    async restartBroker() {
      if (!startBroker || !broker) throw new Error('the fleet uses an external broker');
      await broker.close();
      broker = await startBroker();
    },
    async stop() {
      terminals.closeAll();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Open event streams (live view, terminals) would otherwise hold the server open.
        (server as { closeAllConnections?: () => void }).closeAllConnections?.();
      });
      await ingest.stop();
      await broker?.close();
      await eventWriter.close();
      await registry.close();
      events.close();
      audit.close();
      await configStore.close();
      await bundleServer?.close();
      await rollouts.close();
    },
  };
}

function flatten(counters: FleetIngest['counters']): Record<string, number> {
  const { malformed, ...rest } = counters;
  return { ...rest, ...Object.fromEntries(Object.entries(malformed).map(([k, v]) => [`malformed.${k}`, v ?? 0])) };
}
