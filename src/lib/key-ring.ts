import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * AES-256-GCM with a key ring: the first key encrypts, every key decrypts, and each value records the
 * id of its key so keys rotate without downtime (the way Rails Active Record Encryption does it).
 * Callers pass additional authenticated data (row id and provider) so a ciphertext can't be moved to
 * another row. Errors never include plaintext or key material.
 */

export interface EncryptionKey {
  id: string;
  key: Buffer;
}

export interface Sealed {
  keyId: string;
  /** base64(iv[12] | tag[16] | ciphertext) */
  ciphertext: string;
}

const IV_BYTES = 12;
const TAG_BYTES = 16;

export class DecryptionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DecryptionError';
  }
}

export class KeyRing {
  private readonly byId: Map<string, Buffer>;

  constructor(private readonly keys: EncryptionKey[]) {
    if (keys.length === 0) throw new Error('KeyRing needs at least one key');
    this.byId = new Map(keys.map((k) => [k.id, k.key]));
  }

  get currentKeyId(): string {
    return this.keys[0]!.id;
  }

  seal(plaintext: string, aad: string): Sealed {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.keys[0]!.key, iv);
    cipher.setAAD(Buffer.from(aad, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return { keyId: this.currentKeyId, ciphertext: Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64') };
  }

  open(sealed: Sealed, aad: string): string {
    const key = this.byId.get(sealed.keyId);
    if (!key) throw new DecryptionError(`No configured encryption key has id "${sealed.keyId}"; add it to ENCRYPTION_KEYS.`);
    const raw = Buffer.from(sealed.ciphertext, 'base64');
    if (raw.length < IV_BYTES + TAG_BYTES) throw new DecryptionError('Stored value is truncated.');
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, IV_BYTES));
      decipher.setAAD(Buffer.from(aad, 'utf8'));
      decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch {
      throw new DecryptionError(`Stored value does not decrypt with key "${sealed.keyId}" (wrong key, or moved to another row).`);
    }
  }

  sealJson(value: unknown, aad: string): Sealed {
    return this.seal(JSON.stringify(value), aad);
  }

  openJson<T>(sealed: Sealed, aad: string): T {
    return JSON.parse(this.open(sealed, aad)) as T;
  }
}
