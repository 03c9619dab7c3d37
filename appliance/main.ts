// The appliance process: `tsx appliance/main.ts --config /data/appliance.json`.
import { parseArgs } from 'node:util';
import { ConfigError, loadApplianceConfig, type ApplianceConfig } from './config/appliance-config.ts';
import { APPLIANCE_VERSION, startAppliance, type Appliance } from './appliance.ts';
import { createLogger } from './log/logger.ts';
import { openApplianceUpdates, UpdatesConfigError, type ApplianceUpdates } from './updater/appliance-updates.ts';

const { values } = parseArgs({ options: { config: { type: 'string', short: 'c' } } });
const path = values.config ?? process.env.CC_APPLIANCE_CONFIG;
const log = createLogger('appliance');
if (!path) {
  log.error('no configuration: pass --config <file> or set CC_APPLIANCE_CONFIG');
  process.exit(2);
}

let appliance: Appliance | undefined;
let updates: ApplianceUpdates | undefined;
let stopping = false;
let rebooting = false;

/** One boot: with an `updates` section, the boot control's turn first (it decides the version run). */
async function boot(config: ApplianceConfig): Promise<Appliance> {
  updates = config.updates
    ? await openApplianceUpdates(config.updates, {
        dataDir: config.dataDir,
        ...(config.hardware ? { hardwareBoard: config.hardware.board } : {}),
        programVersion: APPLIANCE_VERSION,
        reboot,
        telephony: () => appliance?.telephony,
        log: log.child('updates'),
      })
    : undefined;
  const started = await startAppliance(config, updates ? { version: updates.version, updates: updates.agent } : {});
  appliance = started;
  // After the services are up, as the image's cc-update-commit runs after cc-appliance.
  updates?.afterStart(started).catch((err: Error) => log.error('after-boot health check failed to run', { error: err.message }));
  return started;
}

/** What an installed update (or a failed health check) asks for, as the `updates` section says. */
function reboot(reason: string): void {
  if (rebooting || stopping || !updates) return;
  rebooting = true;
  const u = updates;
  log.warn('rebooting', { reason, mode: u.rebootMode });
  // Not inside the caller's await: the agent being stopped is the one asking.
  setImmediate(async () => {
    try {
      if (u.rebootMode === 'machine') return await u.boot.reboot(reason);
      await appliance?.stop();
      appliance = undefined;
      if (u.rebootMode === 'exit') return process.exit(0);
      const again = await boot(loadApplianceConfig(path!));
      log.info('booted again in place', { version: updates?.version, bootId: again.bootId });
    } catch (err) {
      log.error('reboot failed', { error: (err as Error).stack });
      process.exit(1);
    } finally {
      rebooting = false;
    }
  });
}

try {
  const started = await boot(loadApplianceConfig(path));
  // Test harnesses read this line to know the process is up.
  process.stdout.write(`${JSON.stringify({ ready: true, bootId: started.bootId })}\n`);
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info('stopping', { signal });
    Promise.resolve(appliance?.stop()).then(
      () => process.exit(0),
      (err: Error) => {
        log.error('stop failed', { error: err.message });
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
} catch (err) {
  const bad = err instanceof ConfigError || err instanceof UpdatesConfigError;
  log.error(bad ? (err as Error).message : 'appliance failed to start', { error: (err as Error).stack });
  process.exit(bad ? 2 : 1);
}
