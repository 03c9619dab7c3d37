import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { appliedMigrations, closeDatabase, openDatabase } from './sqlite-database.ts';
import { MigrationError } from './store-errors.ts';

const fresh = () => join(mkdtempSync(join(tmpdir(), 'cc-sqlite-')), 'db.sqlite');

describe('sqlite database', () => {
  test('opens in WAL mode with synchronous=FULL and foreign keys on', () => {
    const db = openDatabase(fresh());
    assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    assert.equal(db.pragma('synchronous', { simple: true }), 2); // FULL
    assert.equal(db.pragma('foreign_keys', { simple: true }), 1);
    closeDatabase(db);
  });

  test('each owner applies its own migrations once, across reopenings', () => {
    const path = fresh();
    const a = [{ id: 'outbox-1', sql: 'CREATE TABLE o (x)' }];
    const b = [{ id: 'journal-1', sql: 'CREATE TABLE j (x)' }];
    closeDatabase(openDatabase(path, { migrations: a }));
    const db = openDatabase(path, { migrations: [...a, ...b] });
    assert.deepEqual(appliedMigrations(db), ['outbox-1', 'journal-1']);
    closeDatabase(db);
    closeDatabase(openDatabase(path, { migrations: [...a, ...b] })); // nothing applied twice, no error
  });

  test('a released migration whose SQL changed is refused', () => {
    const path = fresh();
    closeDatabase(openDatabase(path, { migrations: [{ id: 'x-1', sql: 'CREATE TABLE x (a)' }] }));
    assert.throws(() => openDatabase(path, { migrations: [{ id: 'x-1', sql: 'CREATE TABLE x (a, b)' }] }), MigrationError);
  });

  test('a failing migration applies none of the pending steps', () => {
    const path = fresh();
    assert.throws(
      () => openDatabase(path, { migrations: [{ id: 'ok-1', sql: 'CREATE TABLE ok (a)' }, { id: 'bad-1', sql: 'CREATE TABLE oops (' }] }),
      (e: Error) => e instanceof MigrationError && /bad-1/.test(e.message),
    );
    const db = openDatabase(path);
    assert.deepEqual(appliedMigrations(db), []);
    assert.equal(db.prepare(`SELECT COUNT(*) FROM sqlite_master WHERE name = 'ok'`).pluck().get(), 0);
    closeDatabase(db);
  });

  test('duplicate migration ids in one list are refused', () => {
    assert.throws(() => openDatabase(fresh(), { migrations: [{ id: 'd', sql: 'SELECT 1' }, { id: 'd', sql: 'SELECT 2' }] }), /twice/);
  });
});
