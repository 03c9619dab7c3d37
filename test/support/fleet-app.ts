// The console app over in-memory stores, for tests that drive its HTTP surface without a
// broker: what the app would publish (desired configurations, terminal frames, commands)
// is captured, and a test can answer as a device would.
import { generateKeyPairSync } from 'node:crypto';
import { Low, Memory } from 'lowdb';
import type { DeviceRef } from '../../protocol/ids.ts';
import type { DesiredConfig } from '../../protocol/config-twin.ts';
import type { TerminalInput } from '../../protocol/terminal.ts';
import type { CommandResponse } from '../../protocol/schemas.ts';
import { ConsoleAuth } from '../../fleet/auth/console-auth.ts';
import { LoginLimiter } from '../../fleet/auth/login-limiter.ts';
import { SessionStore } from '../../fleet/auth/session-store.ts';
import { UserStore, emptyUsersDoc, type UsersDoc } from '../../fleet/auth/user-store.ts';
import { EventStore } from '../../fleet/events/event-store.ts';
import { AuditLog } from '../../fleet/audit/audit-log.ts';
import { ConfigStore, emptyFleetConfigDoc, type FleetConfigDoc } from '../../fleet/config/config-store.ts';
import { ConfigService } from '../../fleet/config/config-service.ts';
import { BundleSigner } from '../../fleet/config/bundle-signer.ts';
import { TerminalRelay } from '../../fleet/terminal/terminal-relay.ts';
import { DeviceRegistry, emptyRegistryDoc, type RegistryDoc } from '../../fleet/registry/device-registry.ts';
import { createFleetApp, type FleetAppDeps } from '../../fleet/web/app.ts';

export const CHEAP_SCRYPT = { N: 1024, r: 8, p: 1 };

export interface TestConsoleOptions {
  now?: () => number;
  idleTimeoutMs?: number;
  /** Answers commands; the default replies ok with `{ echo: name }`. */
  command?: (ref: DeviceRef, name: string, args: Record<string, unknown>) => CommandResponse | Promise<CommandResponse>;
  app?: Partial<Pick<FleetAppDeps, 'stats' | 'clientIp' | 'live'>>;
}

export async function testConsole(options: TestConsoleOptions = {}) {
  const now = options.now ?? Date.now;
  const registry = await DeviceRegistry.open({ db: new Low<RegistryDoc>(new Memory(), emptyRegistryDoc()), secretHashParams: CHEAP_SCRYPT, now });
  const users = await UserStore.open({ db: new Low<UsersDoc>(new Memory(), emptyUsersDoc()), hashParams: CHEAP_SCRYPT, now });
  const auth = new ConsoleAuth({ users, sessions: new SessionStore({ now, ...(options.idleTimeoutMs ? { idleTimeoutMs: options.idleTimeoutMs } : {}) }), limiter: new LoginLimiter({ now }) });
  const events = EventStore.open(':memory:');
  const audit = AuditLog.open(':memory:', { now });
  const store = await ConfigStore.open({ doc: new Low<FleetConfigDoc>(new Memory(), emptyFleetConfigDoc()), dbPath: ':memory:' });
  const published: Array<{ ref: DeviceRef; desired: DesiredConfig }> = [];
  const signer = BundleSigner.fromKey(generateKeyPairSync('ed25519').privateKey);
  const config = new ConfigService({ store, registry, signer, now, publish: async (ref, desired) => void published.push({ ref, desired }) });
  const terminalFrames: Array<{ ref: DeviceRef; input: TerminalInput }> = [];
  const terminals = new TerminalRelay({ caller: 'fleet-1', send: async (ref, input) => void terminalFrames.push({ ref, input }), audit: (e) => audit.append(e), limits: { openTimeoutMs: 300 }, now });
  const commandCalls: Array<{ ref: DeviceRef; name: string; args: Record<string, unknown>; by?: string | undefined }> = [];
  const commands: FleetAppDeps['commands'] = {
    call: async (ref, name, args = {}, o = {}) => {
      commandCalls.push({ ref, name, args, by: o.by });
      return options.command ? options.command(ref, name, args) : { id: 'c', ok: true, ts: now(), result: { echo: name } };
    },
  };
  const app = createFleetApp({ registry, events, auth, audit, config, commands, terminals, stats: () => ({}), ...options.app });
  return { app, registry, users, auth, events, audit, store, config, signer, terminals, published, terminalFrames, commandCalls };
}
