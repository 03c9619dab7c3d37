import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { Low } from 'lowdb';
import { terminalPolicyOf, type ApplianceConfig } from './config/appliance-config.ts';
import { parsePublicKey } from '../protocol/config-bundle.ts';
import { openDatabase } from './store/sqlite-database.ts';
import { BatchWriter } from './store/batch-writer.ts';
import { FsyncJsonFile } from './store/fsync-json-file.ts';
import { Outbox, outboxMigrations } from './fleet-link/outbox.ts';
import { FleetLink } from './fleet-link/fleet-link.ts';
import { TelemetrySampler } from './fleet-link/telemetry-sampler.ts';
import { LogControl } from './fleet-link/log-control.ts';
import { registerRemoteCommands } from './fleet-link/remote-commands.ts';
import { ConfigTwin } from './config-twin/config-twin.ts';
import { initialTwinState, TwinState } from './config-twin/twin-core.ts';
import { linkTwinToFleet } from './config-twin/twin-link.ts';
import { BundleInbox } from './config-twin/bundle-import.ts';
import { TerminalService } from './terminal/terminal-service.ts';
import { spawnNodePty } from './terminal/node-pty-spawner.ts';
import type { Logger } from './log/logger.ts';
import { UpdateAgent, type UpdateAgentOptions } from './updater/update-agent.ts';
import { startHardware, type HardwareLink } from './hardware-link/hardware-link.ts';
import { startTelephony, type Telephony } from './telephony.ts';
import { startApplianceWeb, type ApplianceWeb } from './web/start-appliance-web.ts';
import { startMetrics, type RunningMetrics } from './metrics/start-metrics.ts';

/** The running version: the package's, which release tooling stamps. */
export const APPLIANCE_VERSION: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

export interface Appliance {
  readonly bootId: string;
  readonly fleetLink: FleetLink | undefined;
  readonly twin: ConfigTwin;
  readonly terminal: TerminalService | undefined;
  readonly logs: LogControl;
  /** SIP, media, IVR, ACD, call control, agent desk, CDR and customers (telephony.ts). */
  readonly telephony: Telephony;
  /** The agent desktop, local wallboard and admin pages; undefined without a `web` section. */
  readonly web: ApplianceWeb | undefined;
  /** Live ACD metrics: published to the fleet every second, the latest kept for the local wallboard. */
  readonly metrics: RunningMetrics;
  stop(): Promise<void>;
}

export interface StartApplianceOptions {
  log?: Logger;
  version?: string;
  /** What `service.restart appliance` does: exit for systemd to restart (the default). */
  exitProcess?: (code: number) => void;
  /** The update agent's parts (updater, work dir, reboot, drain hook); without them the appliance takes no fleet rollouts. */
  updates?: Omit<UpdateAgentOptions, 'link' | 'currentVersion' | 'log'>;
}

/**
 * The composition root's body: opens the store on the data partition, then starts the
 * modules in dependency order. Telephony modules join here in later issues, registering
 * with the configuration twin (`twin.register`) to receive their sections.
 */
export async function startAppliance(config: ApplianceConfig, options: StartApplianceOptions = {}): Promise<Appliance> {
  const logs = new LogControl({ level: config.logLevel });
  const log = options.log ?? logs.logger(`appliance.${config.site}.${config.device}`);
  const version = options.version ?? APPLIANCE_VERSION;
  const ref = { site: config.site, device: config.device };
  const bootId = randomUUID();
  const startedAt = Date.now();
  mkdirSync(config.dataDir, { recursive: true });
  const db = openDatabase(join(config.dataDir, 'appliance.sqlite'), { migrations: [...outboxMigrations] });
  const writer = new BatchWriter(db);
  const outbox = new Outbox({ db, writer });

  // The configuration twin runs on every profile: fleet pushes, offline bundles and local
  // edits all go through it.
  const twin = await ConfigTwin.open({
    db: new Low<TwinState>(new FsyncJsonFile(join(config.dataDir, 'config-twin.json'), { schema: TwinState }), initialTwinState(startedAt)),
    log: log.child('config'),
  });
  const trustedKeys = config.bundles.trustedKeys.map((k) => parsePublicKey(k));
  const inbox = config.bundles.importDir
    ? new BundleInbox({ twin, ref, trustedKeys, dir: config.bundles.importDir, intervalMs: config.bundles.pollIntervalS * 1000, log: log.child('bundles') })
    : undefined;
  inbox?.start();
  // Registers with the twin before the fleet link can deliver a configuration.
  const telephony = await startTelephony({ twin, db, writer, dataDir: config.dataDir, log: log.child('telephony') });

  let fleetLink: FleetLink | undefined;
  let hardware: HardwareLink | undefined;
  let terminal: TerminalService | undefined;
  let unlinkTwin: (() => void) | undefined;
  let updateAgent: UpdateAgent | undefined;
  if (config.profile !== 'air-gapped' && config.fleet) {
    const sampler = new TelemetrySampler({
      bootId,
      version,
      diskPath: config.dataDir,
      startedAt,
      // Trunk up/down from the SIP OPTIONS keepalive and registrations (issue 3), once there are trunks.
      extra: () => {
        const trunks = telephony.trunkStates().slice(0, 256).map((t) => ({ ...t, ...(t.detail ? { detail: t.detail.slice(0, 256) } : {}) }));
        return trunks.length ? { trunks } : {};
      },
    });
    const link = new FleetLink({
      url: config.fleet.url,
      ref,
      secret: config.fleet.secret,
      version,
      bootId,
      profile: config.profile,
      outbox,
      telemetry: () => ({ ...sampler.sample(), ...(hardware?.telemetry() ? { hardware: hardware.telemetry() } : {}) }),
      telemetryIntervalMs: config.fleet.telemetryIntervalS * 1000,
      keepaliveS: config.fleet.keepaliveS,
      log: log.child('fleet-link'),
    });
    fleetLink = link;
    unlinkTwin = linkTwinToFleet(twin, link, log.child('config'));

    const policy = terminalPolicyOf(config);
    const t = config.policy.terminal;
    const service = new TerminalService({
      policy: {
        enabled: policy.enabled,
        ...(policy.reason ? { disabledReason: policy.reason } : {}),
        maxSessions: t.maxSessions,
        idleTimeoutMs: t.idleTimeoutS * 1000,
        maxDurationMs: t.maxDurationS * 1000,
        shell: t.shell,
        cwd: homedir(),
      },
      spawn: spawnNodePty,
      send: (caller, frame, onSent) => link.publish('terminalOutput', frame, { params: { caller }, ...(onSent ? { onSent } : {}) }),
      audit: (e) => void link.emitEvent({ type: e.type, severity: e.type === 'terminal.opened' ? 'warning' : 'info', data: { session: e.session, by: e.by, ...e.data } }).catch(() => undefined),
      log: log.child('terminal'),
    });
    terminal = service;
    link.on('message', (m) => {
      if (m.name === 'terminalInput') service.handle(m.payload);
    });
    // Frames lost with the connection would garble a session: end them, the user reopens.
    link.on('disconnected', () => service.closeAll('closed'));

    registerRemoteCommands(link, {
      bootId,
      version,
      profile: config.profile,
      startedAt,
      dataDir: config.dataDir,
      logs,
      twin,
      services: new Map([['fleet-link', () => link.reconnect()]]),
      exitProcess: options.exitProcess ?? ((code) => process.exit(code)),
      extraDiagnostics: () => ({ outbox: { pending: outbox.size() }, fleetLink: { ...link.counters, connected: link.isConnected }, terminal: { sessions: service.sessionCount } }),
    });
    if (options.updates) {
      updateAgent = new UpdateAgent({ ...options.updates, link, currentVersion: version, log: log.child('updates') });
      await updateAgent.start();
    }
    link.start();
  } else {
    log.info('air-gapped profile: no fleet link; configuration comes from offline bundles and local edits');
  }
  // Span and port state go into the telemetry above, alarms to the fleet as QoS 1 events.
  if (config.hardware) hardware = await startHardware({ config: config.hardware, emitEvent: fleetLink && ((e) => fleetLink!.emitEvent(e)), log: log.child('hardware') });
  // Live ACD metrics once a second (QoS 0, dropped while offline), following the ACD telephony runs.
  const metrics = startMetrics({ acd: () => telephony.acd, link: fleetLink, bootId, queueNames: () => Object.fromEntries((twin.config.acd?.queues ?? []).map((q) => [q.id, q.name ?? q.id])), log: log.child('metrics') });
  // The web server (agent desktop, local wallboard, admin): after telephony, whose desk and CDRs it serves.
  const web = await startApplianceWeb(config, { telephony, bootId, metrics, updates: options.updates, log: log.child('web') });
  log.info('appliance started', { version, bootId, dataDir: config.dataDir, profile: config.profile, configVersion: twin.running.version });

  return {
    bootId,
    fleetLink,
    twin,
    terminal,
    logs,
    telephony,
    web,
    metrics,
    async stop() {
      await web?.stop();
      metrics.stop();
      terminal?.closeAll('shutdown');
      hardware?.stop();
      await inbox?.stop();
      unlinkTwin?.();
      await updateAgent?.stop();
      await fleetLink?.stop();
      await telephony.stop();
      await writer.close();
      db.close();
      log.info('appliance stopped');
    },
  };
}
