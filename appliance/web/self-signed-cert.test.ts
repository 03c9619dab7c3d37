import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { get } from 'node:https';
import { join } from 'node:path';
import { ensureSelfSignedCert, makeSelfSignedCert } from './self-signed-cert.ts';
import { startTestWebServer } from '../../test/support/appliance-web.ts';

test('the certificate covers its host names and addresses, is self-signed and matches its key', () => {
  const { cert } = makeSelfSignedCert(['cc-box.local', '192.168.10.5', 'fe80::1']);
  const x = new X509Certificate(cert);
  assert.equal(x.checkHost('cc-box.local'), 'cc-box.local');
  assert.equal(x.checkIP('192.168.10.5'), '192.168.10.5');
  assert.equal(x.checkIP('fe80::1'), 'fe80::1');
  assert.equal(x.checkHost('other.local'), undefined);
  assert.ok(x.verify(x.publicKey), 'signed by its own key');
  assert.ok(new Date(x.validTo).getTime() > Date.now() + 3000 * 86_400_000);
});

test('the appliance serves HTTPS with the certificate made on the data partition, and keeps it across restarts', async () => {
  const server = await startTestWebServer({ config: { tls: { mode: 'self-signed', hosts: ['cc-box.local'] } } });
  try {
    assert.match(server.url, /^https:/);
    const cert = readFileSync(join(server.dataDir, 'web-cert.pem'), 'utf8');
    const status = await new Promise<number>((resolve, reject) => {
      get(`https://127.0.0.1:${server.port}/login`, { ca: cert }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      }).on('error', reject);
    });
    assert.equal(status, 200, 'a client trusting the certificate connects');
    const again = await ensureSelfSignedCert(server.dataDir, ['cc-box.local', '127.0.0.1']);
    assert.equal(again.cert, cert, 'the same certificate is reused');
    const widened = await ensureSelfSignedCert(server.dataDir, ['cc-box.local', '10.1.2.3']);
    assert.notEqual(widened.cert, cert, 'a new address gets a new certificate');
  } finally {
    await server.stop();
  }
});
