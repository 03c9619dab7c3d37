import { spawn } from 'node-pty';
import type { SpawnPty } from './terminal-service.ts';

/** The real pty: node-pty's spawn, as the terminal service wants it. */
export const spawnNodePty: SpawnPty = (shell, options) =>
  spawn(shell, [], { name: 'xterm-256color', cols: options.cols, rows: options.rows, cwd: options.cwd, env: options.env });
