import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ApplianceConfig } from './config/appliance-config.ts';
import { openDatabase } from './store/sqlite-database.ts';
import { BatchWriter } from './store/batch-writer.ts';
import { Outbox, outboxMigrations } from './fleet-link/outbox.ts';
import { FleetLink } from './fleet-link/fleet-link.ts';
import { TelemetrySampler } from './fleet-link/telemetry-sampler.ts';
import { createLogger, type Logger } from './log/logger.ts';

/** The running version: the package's, which release tooling stamps. */
export const APPLIANCE_VERSION: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

export interface Appliance {
  readonly bootId: string;
  readonly fleetLink: FleetLink | undefined;
  stop(): Promise<void>;
}

export interface StartApplianceOptions {
  log?: Logger;
  version?: string;
}

/**
 * The composition root's body: opens the store on the data partition, then starts the
 * modules in dependency order. Telephony modules join here in later issues.
 */
export async function startAppliance(config: ApplianceConfig, options: StartApplianceOptions = {}): Promise<Appliance> {
  const log = options.log ?? createLogger(`appliance.${config.site}.${config.device}`, { level: config.logLevel });
  const version = options.version ?? APPLIANCE_VERSION;
  const bootId = randomUUID();
  const startedAt = Date.now();
  mkdirSync(config.dataDir, { recursive: true });
  const db = openDatabase(join(config.dataDir, 'appliance.sqlite'), { migrations: [...outboxMigrations] });
  const writer = new BatchWriter(db);
  const outbox = new Outbox({ db, writer });

  let fleetLink: FleetLink | undefined;
  if (config.profile === 'connected' && config.fleet) {
    const sampler = new TelemetrySampler({ bootId, version, diskPath: config.dataDir, startedAt });
    fleetLink = new FleetLink({
      url: config.fleet.url,
      ref: { site: config.site, device: config.device },
      secret: config.fleet.secret,
      version,
      bootId,
      profile: config.profile,
      outbox,
      telemetry: () => sampler.sample(),
      telemetryIntervalMs: config.fleet.telemetryIntervalS * 1000,
      keepaliveS: config.fleet.keepaliveS,
      log: log.child('fleet-link'),
    });
    fleetLink.handle('ping', () => ({ pong: true, bootId, uptimeS: (Date.now() - startedAt) / 1000 }));
    fleetLink.start();
  } else {
    log.info('air-gapped profile: no fleet link');
  }
  log.info('appliance started', { version, bootId, dataDir: config.dataDir });

  return {
    bootId,
    fleetLink,
    async stop() {
      await fleetLink?.stop();
      await writer.close();
      db.close();
      log.info('appliance stopped');
    },
  };
}
