import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:net';
import { brokerUsername, type DeviceRef } from '../../protocol/ids.ts';
import { mosquittoAcl, mosquittoConf, mosquittoPasswordLine } from '../../fleet/broker/mosquitto-config.ts';
import { freePort } from './net.ts';
import { waitFor } from './wait.ts';

export interface MosquittoUsers {
  devices: { ref: DeviceRef; secret: string }[];
  services: { username: string; password: string }[];
}

/**
 * A real mosquitto on a free loopback port, configured by the fleet's own generator, that a
 * test can stop and start again on the same port (a broker restart) with persistence on.
 */
export class Mosquitto {
  private child: ChildProcess | undefined;
  readonly dir = mkdtempSync(join(tmpdir(), 'cc-mosquitto-'));

  private constructor(readonly port: number) {}

  get url(): string {
    return `mqtt://127.0.0.1:${this.port}`;
  }

  static async start(users: MosquittoUsers): Promise<Mosquitto> {
    const m = new Mosquitto(await freePort());
    const passwordFile = join(m.dir, 'passwd');
    const aclFile = join(m.dir, 'acl');
    writeFileSync(
      passwordFile,
      [...users.devices.map((d) => mosquittoPasswordLine(brokerUsername(d.ref), d.secret)), ...users.services.map((s) => mosquittoPasswordLine(s.username, s.password))].join('\n') + '\n',
      { mode: 0o600 },
    );
    writeFileSync(aclFile, mosquittoAcl({ devices: users.devices.map((d) => d.ref), serviceUsers: users.services.map((s) => s.username) }));
    writeFileSync(join(m.dir, 'mosquitto.conf'), mosquittoConf({ port: m.port, passwordFile, aclFile, persistenceDir: m.dir, user: userInfo().username }));
    await m.resume();
    return m;
  }

  /** Starts (again) on the same port with the same files. */
  async resume(): Promise<void> {
    const child = spawn('mosquitto', ['-c', join(this.dir, 'mosquitto.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    this.child = child;
    await waitFor(`mosquitto on port ${this.port} (${stderr})`, () => {
      if (child.exitCode !== null) throw new Error(`mosquitto exited ${child.exitCode}: ${stderr}`);
      return new Promise<boolean>((resolve) => {
        const s = connect(this.port, '127.0.0.1');
        s.once('connect', () => (s.destroy(), resolve(true)));
        s.once('error', () => resolve(false));
      });
    });
  }

  /** SIGTERM: mosquitto saves its persistence file and exits, as on a service restart. */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  }
}
