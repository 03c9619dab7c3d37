import { execFile } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { planChannels, type ChannelPlan } from '../dahdi/channel-plan.ts';
import type { DahdiConfigFiles } from '../dahdi/dahdi-config.ts';
import { alarmsFromDahdiBits, type HardwareStatus, type PortStatus, type SpanStatus } from '../hal/hardware-status.ts';
import type { TelephonyHal } from '../hal/telephony-hal.ts';
import type { BoardProfile } from '../profiles/board-profile.ts';
import { SiteTelephony } from '../profiles/site-telephony.ts';
import { DahdiSysfsError, readDahdiTree, type RawChannel, type RawSpan } from './dahdi-sysfs-reader.ts';
import { writeFileDurably } from './write-file-durably.ts';

export interface LinuxDahdiHalOptions {
  board: BoardProfile;
  /** Where sysfs is mounted: /sys on the box, a fixture directory in tests. */
  sysRoot?: string;
  /** Where system.conf goes: /etc/dahdi on the box (a symlink into the data partition, the system slot is read-only). */
  configDir?: string;
  /** Where the chan_dahdi-style channel file goes. */
  channelConfigDir?: string;
  /** Applies system.conf; dahdi_cfg by default. Empty to only write the files. */
  applyCommand?: string[];
  now?: () => number;
  run?: (command: string[]) => Promise<void>;
}

const execFileAsync = promisify(execFile);

export class LinuxDahdiHal implements TelephonyHal {
  readonly board: BoardProfile;
  private readonly plan: ChannelPlan;

  constructor(private readonly options: LinuxDahdiHalOptions) {
    this.board = options.board;
    this.plan = planChannels(options.board, SiteTelephony.parse({}));
  }

  async read(): Promise<HardwareStatus> {
    const root = this.options.sysRoot ?? '/sys';
    const tree = await readDahdiTree(root);
    const chans = (span: number) => tree.channels.filter((c) => c.span === span);
    const spans: SpanStatus[] = [];
    for (const sp of this.plan.spans) {
      if (sp.kind !== 'digital') continue;
      const raw = tree.spans.find((s) => s.span === sp.span);
      if (!raw) throw new DahdiSysfsError(`board ${this.board.id}: span ${sp.span} is not registered under ${root} (is the driver loaded?)`);
      if (raw.spantype !== sp.profile.type) {
        throw new DahdiSysfsError(`board ${this.board.id}: span ${sp.span} is ${raw.spantype}, the profile says ${sp.profile.type}`);
      }
      // Channel numbers come from the driver (basechan), positions from the plan.
      const bearerPos = new Set(sp.bearer.flatMap((r) => Array.from({ length: r.last - r.first + 1 }, (_, i) => r.first + i - sp.basechan + 1)));
      const inUse = chans(sp.span).filter((c) => bearerPos.has(c.chanpos) && c.inUse).length;
      spans.push({ span: sp.span, type: sp.profile.type, alarms: alarmsFromDahdiBits(raw.alarmBits), inUse, bearer: bearerPos.size, syncSource: raw.isSyncMaster });
    }
    const ports: PortStatus[] = [];
    const analog = this.plan.spans.find((s) => s.kind === 'analog');
    if (analog && analog.kind === 'analog') {
      const raw = this.findAnalogSpan(tree.spans);
      if (!raw) throw new DahdiSysfsError(`board ${this.board.id}: analog card ${this.board.analogCard ?? ''} is not registered under ${root}`);
      const channels = chans(raw.span);
      for (const port of analog.ports) {
        const pos = port.channel - analog.basechan + 1;
        const ch = channels.find((c) => c.chanpos === pos);
        if (!ch) throw new DahdiSysfsError(`board ${this.board.id}: port ${port.port} (channel position ${pos}) is missing on ${raw.name}`);
        ports.push(this.portStatus(port.port, port.profile.kind, ch));
      }
    }
    return { board: this.board.id, ts: (this.options.now ?? Date.now)(), spans, ports };
  }

  async applyChannelConfig(files: DahdiConfigFiles): Promise<void> {
    const dir = this.options.configDir ?? '/etc/dahdi';
    const chanDir = this.options.channelConfigDir ?? dir;
    await mkdir(dir, { recursive: true });
    await mkdir(chanDir, { recursive: true });
    await writeFileDurably(join(dir, 'system.conf'), files['system.conf']);
    await writeFileDurably(join(chanDir, 'chan_dahdi.conf'), files['chan_dahdi.conf']);
    const command = this.options.applyCommand ?? ['dahdi_cfg'];
    if (command.length === 0) return;
    const run =
      this.options.run ??
      (async (cmd: string[]) => {
        await execFileAsync(cmd[0]!, cmd.slice(1), { timeout: 30_000 });
      });
    try {
      await run(command);
    } catch (err) {
      throw new DahdiSysfsError(`${command.join(' ')} refused the channel configuration: ${(err as Error).message}`);
    }
  }

  private findAnalogSpan(spans: RawSpan[]): RawSpan | undefined {
    const name = this.board.analogCard;
    return spans.find((s) => name !== undefined && s.name.startsWith(name)) ?? spans.find((s) => !['E1', 'T1', 'J1'].includes(s.spantype));
  }

  private portStatus(port: number, kind: 'fxs' | 'fxo', ch: RawChannel): PortStatus {
    const hook = ch.hookstate === 'offhook' ? 'off-hook' : ch.hookstate === 'onhook' || ch.hookstate === 'ringing' ? 'on-hook' : 'unknown';
    // wctdm-style drivers put an FXO channel in RED when the line loses battery.
    const noBattery = kind === 'fxo' && ch.alarms.includes('RED');
    return { port, kind, hook, ringing: ch.hookstate === 'ringing', alarms: noBattery ? ['no-battery'] : [] };
  }
}
