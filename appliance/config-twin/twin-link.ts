import type { Decoded } from '../../protocol/decode.ts';
import type { FleetLink } from '../fleet-link/fleet-link.ts';
import type { Logger } from '../log/logger.ts';
import type { ConfigTwin } from './config-twin.ts';

/**
 * Wires the twin to the fleet link: the retained desired configuration (delivered again
 * after every connect) is offered to the twin, and the reported state is published,
 * retained, on every connect and after every change.
 */
export function linkTwinToFleet(twin: ConfigTwin, link: FleetLink, log: Logger): () => void {
  const report = () => link.publish('configReported', twin.reported());
  const onMessage = (message: Decoded) => {
    if (message.name !== 'configDesired') return;
    const desired = message.payload;
    twin
      .offer({ version: desired.version, hash: desired.hash, config: desired.config, source: 'fleet', by: desired.by })
      .catch((err: Error) => log.error('configuration offer failed', { version: desired.version, error: err.message }));
  };
  link.on('connected', report);
  link.on('message', onMessage);
  twin.on('report', report);
  return () => {
    link.off('connected', report);
    link.off('message', onMessage);
    twin.off('report', report);
  };
}
