// The appliance process: `tsx appliance/main.ts --config /data/appliance.json`.
import { parseArgs } from 'node:util';
import { ConfigError, loadApplianceConfig } from './config/appliance-config.ts';
import { startAppliance } from './appliance.ts';
import { createLogger } from './log/logger.ts';

const { values } = parseArgs({ options: { config: { type: 'string', short: 'c' } } });
const path = values.config ?? process.env.CC_APPLIANCE_CONFIG;
const log = createLogger('appliance');
if (!path) {
  log.error('no configuration: pass --config <file> or set CC_APPLIANCE_CONFIG');
  process.exit(2);
}
try {
  const appliance = await startAppliance(loadApplianceConfig(path));
  // Test harnesses read this line to know the process is up.
  process.stdout.write(`${JSON.stringify({ ready: true, bootId: appliance.bootId })}\n`);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info('stopping', { signal });
    appliance.stop().then(
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
  log.error(err instanceof ConfigError ? err.message : 'appliance failed to start', { error: (err as Error).stack });
  process.exit(err instanceof ConfigError ? 2 : 1);
}
