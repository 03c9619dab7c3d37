import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AuditLog } from './audit-log.ts';

function log() {
  let now = 1_800_000_000_000;
  const audit = AuditLog.open(':memory:', { now: () => (now += 1000) });
  audit.append({ actor: 'alice', role: 'admin', action: 'config.push', target: 'group:north', outcome: 'ok', details: { devices: 20 } });
  audit.append({ actor: 'bob', role: 'viewer', action: 'config.push', target: 'group:north', outcome: 'refused', details: { reason: 'needs operator' } });
  audit.append({ actor: 'alice', role: 'admin', action: 'terminal.open', target: 'sh01/box1', outcome: 'ok', ip: '192.0.2.1', details: { session: 'abc_100%' } });
  audit.append({ actor: 'alice', role: 'admin', action: 'terminal.close', target: 'sh01/box1', outcome: 'ok', details: { reason: 'closed' } });
  return audit;
}

describe('audit log', () => {
  test('lists newest first and filters by actor, action prefix, target prefix, outcome and text', () => {
    const audit = log();
    assert.deepEqual(audit.search().map((e) => e.action), ['terminal.close', 'terminal.open', 'config.push', 'config.push']);
    assert.equal(audit.search({ actor: 'bob' }).length, 1);
    assert.deepEqual(audit.search({ action: 'terminal.' }).map((e) => e.action), ['terminal.close', 'terminal.open']);
    assert.equal(audit.search({ target: 'sh01/' }).length, 2);
    assert.equal(audit.search({ outcome: 'refused' })[0]?.actor, 'bob');
    assert.equal(audit.search({ q: '100%' }).length, 1, 'LIKE wildcards in the text are literal');
    assert.equal(audit.search({ q: '_' }).length, 1);
    const [newest] = audit.search({ limit: 1 });
    assert.equal(audit.search({ beforeId: newest!.id }).length, 3);
  });

  test('refuses to update or delete a row, even through SQL', () => {
    const audit = log();
    assert.throws(() => audit.db.prepare("UPDATE audit_log SET actor = 'mallory'").run(), /append-only/);
    assert.throws(() => audit.db.prepare('DELETE FROM audit_log').run(), /append-only/);
    assert.equal(audit.search().length, 4);
  });

  test('the hash chain exposes a row changed behind its back', () => {
    const audit = log();
    assert.deepEqual(audit.verify(), { ok: true, rows: 4 });
    audit.db.exec('DROP TRIGGER audit_log_no_update');
    audit.db.prepare("UPDATE audit_log SET actor = 'mallory' WHERE id = 2").run();
    assert.deepEqual(audit.verify(), { ok: false, id: 2 });
  });
});
