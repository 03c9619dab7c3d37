import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { appliedMigrations, applyMigrations, closeDatabase, openDatabase } from './sqlite-database.ts';
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

  test('sets the busy timeout it was given', () => {
    const db = openDatabase(fresh(), { busyTimeoutMs: 1234 });
    assert.equal(db.pragma('busy_timeout', { simple: true }), 1234);
    closeDatabase(db);
  });

  test('enforces foreign keys', () => {
    const db = openDatabase(':memory:', {
      migrations: [{ id: 'fk-1', sql: 'CREATE TABLE p (id INTEGER PRIMARY KEY); CREATE TABLE c (p INTEGER NOT NULL REFERENCES p (id))' }],
    });
    assert.throws(() => db.prepare('INSERT INTO c (p) VALUES (42)').run(), { code: 'SQLITE_CONSTRAINT_FOREIGNKEY' });
    closeDatabase(db);
  });

  test('a later owner applies its migrations to an open database and learns which were new', () => {
    const db = openDatabase(':memory:', { migrations: [{ id: 'a-1', sql: 'CREATE TABLE a (x)' }] });
    const b = [{ id: 'b-1', sql: 'CREATE TABLE b (x)' }, { id: 'b-2', sql: 'ALTER TABLE b ADD COLUMN y' }];
    assert.deepEqual(applyMigrations(db, b), ['b-1', 'b-2']);
    assert.deepEqual(applyMigrations(db, b), []);
    assert.deepEqual(appliedMigrations(db), ['a-1', 'b-1', 'b-2']);
    closeDatabase(db);
  });

  test('re-indenting a released migration is not taken for an edit', () => {
    const path = fresh();
    closeDatabase(openDatabase(path, { migrations: [{ id: 'w-1', sql: 'CREATE TABLE w (a, b)' }] }));
    const db = openDatabase(path, { migrations: [{ id: 'w-1', sql: '\n  CREATE TABLE w (a,\n    b)\n' }] });
    assert.deepEqual(appliedMigrations(db), ['w-1']);
    closeDatabase(db);
  });

  test('closing checkpoints and removes the WAL file, and closing twice is harmless', () => {
    const path = fresh();
    const db = openDatabase(path, { migrations: [{ id: 'c-1', sql: 'CREATE TABLE c (x)' }] });
    db.prepare('INSERT INTO c VALUES (1)').run();
    assert.ok(existsSync(`${path}-wal`));
    closeDatabase(db);
    closeDatabase(db);
    assert.equal(db.open, false);
    assert.equal(existsSync(`${path}-wal`), false);
  });

  test('duplicate migration ids in one list are refused', () => {
    assert.throws(() => openDatabase(fresh(), { migrations: [{ id: 'd', sql: 'SELECT 1' }, { id: 'd', sql: 'SELECT 2' }] }), /twice/);
  });
});
