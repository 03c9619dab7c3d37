// An appliance in the test process: the real FleetLink and the real configuration twin (on
// an in-memory document), without telephony. Many of them make a fleet in one process.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Low, Memory } from 'lowdb';
import type { DeviceRef } from '../../protocol/ids.ts';
import { FleetLink } from '../../appliance/fleet-link/fleet-link.ts';
import { Outbox, outboxMigrations } from '../../appliance/fleet-link/outbox.ts';
import { openDatabase } from '../../appliance/store/sqlite-database.ts';
import { BatchWriter } from '../../appliance/store/batch-writer.ts';
import { ConfigTwin } from '../../appliance/config-twin/config-twin.ts';
import { initialTwinState, type RunningConfig, type TwinState } from '../../appliance/config-twin/twin-core.ts';
import { linkTwinToFleet } from '../../appliance/config-twin/twin-link.ts';
import { silentLogger } from '../../appliance/log/logger.ts';

export class SimAppliance {
  /** Every configuration this appliance switched to, in order. */
  readonly applied: RunningConfig[] = [];
  readonly refused: Array<{ version: number; messages: string[] }> = [];
  private constructor(
    readonly ref: DeviceRef,
    readonly twin: ConfigTwin,
    readonly link: FleetLink,
    private readonly close: () => Promise<void>,
  ) {
    twin.on('applied', (running) => this.applied.push(running));
    twin.on('refused', (version, issues) => this.refused.push({ version, messages: issues.map((i) => `${i.path}: ${i.message}`) }));
  }

  static async create(url: string, ref: DeviceRef, secret: string): Promise<SimAppliance> {
    const dir = mkdtempSync(join(tmpdir(), 'cc-sim-'));
    const db = openDatabase(join(dir, 'a.sqlite'), { migrations: outboxMigrations });
    const writer = new BatchWriter(db);
    const twin = await ConfigTwin.open({ db: new Low<TwinState>(new Memory(), initialTwinState(Date.now())) });
    const link = new FleetLink({ url, ref, secret, version: '0.1.0', bootId: `sim-${ref.device}`, outbox: new Outbox({ db, writer }), keepaliveS: 10, backoff: { minMs: 50, maxMs: 400 }, log: silentLogger });
    const unlink = linkTwinToFleet(twin, link, silentLogger);
    return new SimAppliance(ref, twin, link, async () => {
      unlink();
      await link.stop();
      await writer.close();
      db.close();
    });
  }

  start(): void {
    this.link.start();
  }

  stop(): Promise<void> {
    return this.close();
  }
}
