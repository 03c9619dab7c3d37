// What the appliance's composition root calls (one line in appliance.ts): the web server for
// agents, supervisors and admins, wired to telephony (agent desk, CDRs, recordings), to the
// live metrics for the local wallboard and to the updater for the admin update endpoints.
import { join } from 'node:path';
import type { ApplianceConfig } from '../config/appliance-config.ts';
import type { Logger } from '../log/logger.ts';
import type { Telephony } from '../telephony.ts';
import { Updater } from '../updater/updater.ts';
import { startMetrics, type RunningMetrics } from '../metrics/start-metrics.ts';
import { DeskRelay } from './desk-relay.ts';
import { startWebServer, type WebServer } from './web-server.ts';

export interface ApplianceWebParts {
  telephony: Pick<Telephony, 'desk' | 'cdr' | 'acd' | 'voicemail' | 'voicemailBoxesOf'>;
  bootId: string;
  /** The metrics publisher the appliance runs; without one the wallboard samples the ACD itself. */
  metrics?: { publisher: { latest: unknown } } | undefined;
  /** The appliance's updater (offline update bundles for admins), when it runs one. */
  updates?: { updater: unknown; workDir: string } | undefined;
  log?: Logger;
}

export interface ApplianceWeb {
  readonly server: WebServer;
  stop(): Promise<void>;
}

/** Starts the web server when the configuration has a `web` section; undefined otherwise. */
export async function startApplianceWeb(config: ApplianceConfig, parts: ApplianceWebParts): Promise<ApplianceWeb | undefined> {
  if (!config.web) return undefined;
  const { telephony } = parts;
  const desk = new DeskRelay(() => telephony.desk);
  // Until the appliance runs a metrics publisher, sample the ACD here (no fleet link: local only).
  let own: RunningMetrics | undefined;
  const metrics = parts.metrics ?? (own = startMetrics({ acd: () => telephony.acd, bootId: parts.bootId, ...(parts.log ? { log: parts.log } : {}) }));
  const updater = parts.updates?.updater instanceof Updater ? { updater: parts.updates.updater, workDir: join(parts.updates.workDir, 'web-upload') } : undefined;
  try {
    const server = await startWebServer({
      config: config.web,
      dataDir: config.dataDir,
      desk,
      cdrs: telephony.cdr,
      voicemail: telephony.voicemail,
      voicemailBoxesOf: (agentId) => telephony.voicemailBoxesOf(agentId),
      recordingsDir: join(config.dataDir, 'recordings'),
      wallboard: () => metrics.publisher.latest ?? null,
      ...(updater ? { updater } : {}),
      ...(parts.log ? { log: parts.log } : {}),
    });
    return {
      server,
      async stop() {
        await server.close();
        desk.close();
        own?.stop();
      },
    };
  } catch (err) {
    desk.close();
    own?.stop();
    throw err;
  }
}
