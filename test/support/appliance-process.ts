import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { z } from 'zod';
import type { ApplianceConfig } from '../../appliance/config/appliance-config.ts';

const root = new URL('../..', import.meta.url).pathname;

/**
 * A real appliance process (`appliance/main.ts`) with its own data directory, so a test can
 * kill it with SIGKILL like a power cut and start it again on the same data.
 */
export class ApplianceProcess {
  private child: ChildProcess | undefined;
  stderr = '';
  readonly configPath: string;

  constructor(config: Omit<z.input<typeof ApplianceConfig>, 'dataDir'> & { dataDir?: string }) {
    const dir = mkdtempSync(join(tmpdir(), 'cc-appliance-'));
    this.configPath = join(dir, 'appliance.json');
    writeFileSync(this.configPath, JSON.stringify({ dataDir: join(dir, 'data'), logLevel: 'warn', ...config }));
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Starts the process and resolves with its boot id once it says it is ready. */
  async start(env: Record<string, string> = {}): Promise<string> {
    const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'appliance/main.ts'), '--config', this.configPath], {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    child.stderr?.on('data', (d: Buffer) => (this.stderr = (this.stderr + d.toString()).slice(-20_000)));
    const lines = createInterface({ input: child.stdout! });
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`appliance did not start: ${this.stderr}`)), 15_000);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`appliance exited ${code}: ${this.stderr}`));
      });
      lines.on('line', (line) => {
        try {
          const msg = JSON.parse(line) as { ready?: boolean; bootId?: string };
          if (msg.ready && msg.bootId) {
            clearTimeout(timer);
            resolve(msg.bootId);
          }
        } catch {
          // not our line
        }
      });
    });
  }

  /** Waits for the process to exit on its own (e.g. a refused configuration). */
  exited(): Promise<number | null> {
    const child = this.child;
    if (!child || child.exitCode !== null) return Promise.resolve(child?.exitCode ?? null);
    return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill(signal);
    });
  }
}
