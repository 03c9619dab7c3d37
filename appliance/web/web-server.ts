// Starts the appliance's HTTP(S) server: the hono app on @hono/node-server, the agent
// WebSocket on the same port, users seeded from the boot configuration, and (for LAN
// agents) HTTPS with a self-signed certificate kept on the data partition.
import { createServer as createHttpsServer } from 'node:https';
import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import type { Duplex } from 'node:stream';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Low } from 'lowdb';
import { serve } from '@hono/node-server';
import type { Logger } from '../log/logger.ts';
import { FsyncJsonFile } from '../store/fsync-json-file.ts';
import type { WebConfig } from '../config/appliance-config.ts';
import { createApplianceWebApp, type ApplianceWebAppDeps } from './web-app.ts';
import { DeskSocket, type DeskSocketOptions } from './desk-socket.ts';
import { DeskRelay } from './desk-relay.ts';
import type { DeskPort } from './desk-protocol.ts';
import { WebAuth } from './web-auth.ts';
import { WebUserStore, WebUsersDoc, emptyWebUsersDoc } from './web-users.ts';
import { ensureSelfSignedCert } from './self-signed-cert.ts';
import { softphoneBundle } from './softphone-bundle.ts';
import type { ScryptParams } from '../../fleet/auth/password-hash.ts';

export interface StartWebServerOptions extends Omit<ApplianceWebAppDeps, 'auth'> {
  config: WebConfig;
  /** The data partition: users document, certificate. */
  dataDir: string;
  desk?: DeskPort;
  log?: Logger;
  /** Tests use a cheap scrypt cost. */
  hashParams?: ScryptParams;
  /** Limits and timers of the agent WebSocket. */
  socket?: Pick<DeskSocketOptions, 'abandonGraceMs' | 'heartbeatMs' | 'maxRequestsPerSecond'>;
}

export interface WebServer {
  readonly url: string;
  readonly port: number;
  readonly auth: WebAuth;
  readonly deskSocket: DeskSocket | undefined;
  close(): Promise<void>;
}

export async function startWebServer(options: StartWebServerOptions): Promise<WebServer> {
  const { config, log } = options;
  const users = await WebUserStore.open({
    db: new Low<WebUsersDoc>(new FsyncJsonFile(join(options.dataDir, 'web-users.json'), { schema: WebUsersDoc }), emptyWebUsersDoc()),
    ...(options.hashParams ? { hashParams: options.hashParams } : {}),
  });
  // Seeded users are created once; a password changed on the appliance later stays changed.
  for (const seed of config.users) {
    if (users.get(seed.username)) continue;
    const base = { username: seed.username, role: seed.role, ...(seed.agentId ? { agentId: seed.agentId } : {}), ...(seed.displayName ? { displayName: seed.displayName } : {}) };
    if (seed.passwordHash) await users.createHashed({ ...base, passwordHash: seed.passwordHash });
    else await users.create({ ...base, password: seed.password! });
    log?.info('web user created from configuration', { username: seed.username, role: seed.role });
  }
  const desk = options.desk;
  const auth = new WebAuth({
    users,
    idleTimeoutMs: config.sessionIdleMinutes * 60_000,
    ...(desk
      ? {
          agents: {
            verifyPassword: (id: string, pw: string) => desk.verifyPassword(id, pw),
            knowsAgent: (id: string) => desk.snapshot(id).ok,
            available: () => !(desk instanceof DeskRelay) || desk.running,
          },
        }
      : {}),
  });
  const app = createApplianceWebApp({ ...options, auth, trustProxy: config.trustProxy });
  // Bundled now rather than on the first agent's page load; a failure is logged at start.
  softphoneBundle().catch((err: Error) => log?.error('the softphone bundle could not be built', { error: err.message }));

  let tls: { key: string; cert: string } | undefined;
  if (config.tls.mode === 'self-signed') {
    const hosts = [...new Set([...config.tls.hosts, hostname(), 'localhost', '127.0.0.1'])];
    tls = await ensureSelfSignedCert(options.dataDir, hosts);
  } else if (config.tls.mode === 'files') {
    tls = { key: readFileSync(config.tls.keyFile!, 'utf8'), cert: readFileSync(config.tls.certFile!, 'utf8') };
  }

  const server = await new Promise<Server>((resolve, reject) => {
    const s = serve(
      {
        fetch: app.fetch,
        port: config.port,
        hostname: config.host,
        ...(tls ? { createServer: createHttpsServer, serverOptions: { key: tls.key, cert: tls.cert } } : {}),
      },
      () => resolve(s as Server),
    ) as Server;
    s.once('error', reject);
  });
  const deskSocket = options.desk ? new DeskSocket({ ...options.socket, desk: options.desk, auth, ...(log ? { log: log.child('desk-ws') } : {}) }) : undefined;
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    // A peer resetting mid-handshake must not take the process down with an unhandled error.
    socket.on('error', () => socket.destroy());
    if (!deskSocket?.handleUpgrade(req, socket, head)) socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
  });
  const port = (server.address() as AddressInfo).port;
  const shownHost = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `${tls ? 'https' : 'http'}://${shownHost}:${port}`;
  log?.info('web server listening', { url, tls: config.tls.mode });
  return {
    url,
    port,
    auth,
    deskSocket,
    async close() {
      deskSocket?.close();
      server.closeAllConnections?.();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
