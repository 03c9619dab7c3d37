// Stopping the appliance must not hang on a broker that stopped answering: a real TCP server
// that accepts the MQTT connection (CONNACK) and then never acknowledges anything.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FleetLink } from '../appliance/fleet-link/fleet-link.ts';
import { Outbox, outboxMigrations } from '../appliance/fleet-link/outbox.ts';
import { openDatabase } from '../appliance/store/sqlite-database.ts';
import { BatchWriter } from '../appliance/store/batch-writer.ts';
import { waitFor } from './support/wait.ts';

const sockets = new Set<Socket>();
// CONNACK for MQTT 3.1.1 (§3.2): session not present, accepted; everything after is swallowed.
const mute = createServer((socket) => {
  sockets.add(socket);
  socket.once('data', () => socket.write(Buffer.from([0x20, 0x02, 0x00, 0x00])));
  socket.on('error', () => undefined);
});
after(() => {
  for (const s of sockets) s.destroy();
  mute.close();
});

test('stop() returns within a few seconds when the broker accepted the connection and then went silent', async () => {
  await new Promise<void>((r) => mute.listen(0, '127.0.0.1', r));
  const db = openDatabase(join(mkdtempSync(join(tmpdir(), 'cc-link-stop-')), 'a.sqlite'), { migrations: outboxMigrations });
  const writer = new BatchWriter(db);
  const link = new FleetLink({
    url: `mqtt://127.0.0.1:${(mute.address() as AddressInfo).port}`,
    ref: { site: 'sh', device: 'mute1' },
    secret: 'secret-of-mute1-0123456789abcdef',
    version: '1.0.0',
    bootId: 'boot-mute',
    outbox: new Outbox({ db, writer }),
    keepaliveS: 60,
  });
  link.start();
  await waitFor('connected to the mute broker', () => link.isConnected);
  void link.emitEvent({ type: 'test.unacknowledged', data: {} }).catch(() => undefined);
  const started = Date.now();
  await link.stop();
  const took = Date.now() - started;
  assert.ok(took < 5000, `stop() took ${took} ms`);
  await writer.close();
  db.close();
});
