import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const root = new URL('../..', import.meta.url).pathname;

/** A real fleet process (`fleet/main.ts` with the given flags), up once it prints its ready line. */
export class FleetProcess {
  stderr = '';
  private constructor(
    private readonly child: ChildProcess,
    readonly httpUrl: string,
    readonly brokerUrl: string,
    readonly updatesUrl: string,
  ) {}

  static async start(args: string[], env: Record<string, string> = {}): Promise<FleetProcess> {
    const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'fleet/main.ts'), ...args], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-20_000)));
    const lines = createInterface({ input: child.stdout! });
    const ready = await new Promise<{ httpUrl: string; brokerUrl: string; updatesUrl: string }>((resolve, reject) => {
      const timer = setTimeout(() => (child.kill('SIGKILL'), reject(new Error(`fleet did not start: ${stderr}`))), 20_000);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new FleetExitError(code, stderr));
      });
      lines.on('line', (line) => {
        try {
          const msg = JSON.parse(line) as { ready?: boolean; httpUrl: string; brokerUrl: string; updatesUrl: string };
          if (msg.ready) {
            clearTimeout(timer);
            resolve(msg);
          }
        } catch {
          // a log line
        }
      });
    });
    const fleet = new FleetProcess(child, ready.httpUrl, ready.brokerUrl, ready.updatesUrl);
    child.stderr?.on('data', (d: Buffer) => (fleet.stderr = (fleet.stderr + d.toString()).slice(-20_000)));
    return fleet;
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  }
}

/** The fleet process exited before it was ready (e.g. refused flags): its code and what it said. */
export class FleetExitError extends Error {
  override name = 'FleetExitError';
  constructor(
    readonly code: number | null,
    readonly stderr: string,
  ) {
    super(`fleet exited ${code}: ${stderr}`);
  }
}
