import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigDocumentSchema, canonicalJson, configHash, configSectionNames, emptyConfigDocument, validateConfigDocument } from './config-document.ts';
import { sampleTemplate } from '../fleet/config/sample-template.ts';

const clone = <T>(v: T): T => structuredClone(v);

function issuesOf(doc: unknown): string[] {
  const r = validateConfigDocument(doc);
  return r.ok ? [] : r.issues.map((i) => `${i.path}: ${i.message}`);
}

describe('configuration document', () => {
  test('the sample branch template is valid and fills defaults from each module', () => {
    const r = validateConfigDocument(sampleTemplate());
    assert.ok(r.ok, issuesOf(sampleTemplate()).join('\n'));
    assert.equal(r.config.sip?.trunks[0]?.port, 5060);
    assert.equal(r.config.acd?.queues[0]?.strategy, 'longest-idle');
    assert.equal(r.config.retention?.cdrDays, 365);
  });

  test('an empty document of the current schema is valid', () => {
    assert.deepEqual(issuesOf(emptyConfigDocument()), []);
  });

  test('refuses another schema version and unknown sections by name', () => {
    assert.match(issuesOf({ schema: 2 }).join(), /schema: must be 1/);
    assert.match(issuesOf({ schema: 1, voicemailz: {} }).join(), /voicemailz/);
  });

  test('reports a shape error with the path into the section', () => {
    const doc = clone(sampleTemplate());
    doc.sip!.trunks![0]!.host = 'pstn.example.com';
    assert.match(issuesOf(doc).join(), /sip\.trunks\.0\.host: an IPv4 or IPv6 address/);
  });

  test('runs each module\'s semantic checks: ACD references, IVR graph, DID targets, recording queues', () => {
    const doc = clone(sampleTemplate());
    doc.acd!.agents![0]!.skills = { klingon: 3 };
    doc.ivr!.flows![0]!.nodes[0] = { ...(doc.ivr!.flows![0]!.nodes[0] as object), onInvalid: 'nowhere' } as never;
    doc.sip!.dids!.push({ did: '+861088889999', route: { kind: 'queue', queue: 'vip' } });
    doc.recording!.queues = { ghost: 'none' };
    const issues = issuesOf(doc).join('\n');
    assert.match(issues, /^acd: .*unknown skill 'klingon'/m);
    assert.match(issues, /^ivr\.flows\.0: .*nowhere/m);
    assert.match(issues, /^sip\.dids\.2\.route\.queue: unknown queue vip/m);
    assert.match(issues, /^recording\.queues\.ghost: unknown queue ghost/m);
  });

  test('every section is optional and named in the schema', () => {
    assert.deepEqual(Object.keys(ConfigDocumentSchema.shape).sort(), ['schema', ...configSectionNames].sort());
  });

  test('the hash ignores key order and undefined fields, and changes with any value', () => {
    const a = { schema: 1, features: { b: true, a: false }, retention: undefined };
    const b = { features: { a: false, b: true }, schema: 1 };
    assert.equal(canonicalJson(a), canonicalJson(b));
    assert.equal(configHash(a), configHash(b));
    assert.notEqual(configHash(a), configHash({ ...b, features: { a: true, b: true } }));
    assert.match(configHash(a), /^[0-9a-f]{64}$/);
  });
});
