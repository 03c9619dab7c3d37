import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { keyIdOf, signBundle, type ConfigBundlePayload } from '../../protocol/config-bundle.ts';

/** The fleet's ed25519 key for offline bundles, made on first start and kept in the data folder. */
export class BundleSigner {
  readonly publicKey: KeyObject;
  readonly keyId: string;

  private constructor(private readonly privateKey: KeyObject) {
    this.publicKey = createPublicKey(privateKey);
    this.keyId = keyIdOf(this.publicKey);
  }

  static loadOrCreate(path: string): BundleSigner {
    if (!existsSync(path)) {
      const { privateKey } = generateKeyPairSync('ed25519');
      // `wx`: never overwrite a key another process just made.
      writeFileSync(path, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
    }
    return new BundleSigner(createPrivateKey(readFileSync(path)));
  }

  static fromKey(privateKey: KeyObject): BundleSigner {
    return new BundleSigner(privateKey);
  }

  /** What appliances put in `bundles.trustedKeys`. */
  get publicKeyPem(): string {
    return this.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  }

  sign(payload: ConfigBundlePayload): string {
    return signBundle(payload, this.privateKey);
  }
}
