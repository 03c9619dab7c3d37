// The appliance web server on a loopback port with a temporary data folder, for tests.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebConfig } from '../../appliance/config/appliance-config.ts';
import { startWebServer, type StartWebServerOptions, type WebServer } from '../../appliance/web/web-server.ts';

/** scrypt at a test cost: logins stay fast while the code path is the real one. */
export const TEST_SCRYPT = { N: 1024, r: 8, p: 1 };

export interface TestWebServer extends WebServer {
  dataDir: string;
  stop(): Promise<void>;
}

export async function startTestWebServer(options: Partial<Omit<StartWebServerOptions, 'config'>> & { config?: Partial<WebConfig> } = {}): Promise<TestWebServer> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'cc-web-'));
  const config = WebConfig.parse({ host: '127.0.0.1', port: 0, tls: { mode: 'off' }, ...options.config });
  const server = await startWebServer({ wallboard: () => ({ ts: Date.now(), queues: [] }), hashParams: TEST_SCRYPT, ...options, config, dataDir });
  return {
    ...server,
    url: server.url,
    port: server.port,
    auth: server.auth,
    deskSocket: server.deskSocket,
    dataDir,
    async stop() {
      await server.close();
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Logs in over HTTP; returns the cookie header and the CSRF token. */
export async function loginOverHttp(baseUrl: string, username: string, password: string): Promise<{ cookie: string; csrf: string; status: number }> {
  const res = await fetch(`${baseUrl}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
  const body = (await res.json()) as { csrfToken?: string };
  return { cookie: (res.headers.get('set-cookie') ?? '').split(';')[0]!, csrf: body.csrfToken ?? '', status: res.status };
}
