import { randomBytes } from 'node:crypto';
import { DecryptionError, KeyRing } from '../../src/lib/key-ring';

const k1 = { id: 'k1', key: randomBytes(32) };
const k2 = { id: 'k2', key: randomBytes(32) };

describe('KeyRing (AES-256-GCM envelope)', () => {
  it('round-trips with the additional data it was sealed with, and records the key id', () => {
    const ring = new KeyRing([k1]);
    const sealed = ring.seal('refresh-token-abc', 'conn-1|google_ads');
    expect(sealed.keyId).toBe('k1');
    expect(sealed.ciphertext).not.toContain('refresh-token-abc');
    expect(ring.open(sealed, 'conn-1|google_ads')).toBe('refresh-token-abc');
  });

  it('uses a fresh IV for every value', () => {
    const ring = new KeyRing([k1]);
    expect(ring.seal('same', 'a').ciphertext).not.toBe(ring.seal('same', 'a').ciphertext);
  });

  it('refuses a ciphertext moved to another row', () => {
    const ring = new KeyRing([k1]);
    const sealed = ring.seal('secret', 'conn-1|google_ads');
    expect(() => ring.open(sealed, 'conn-2|google_ads')).toThrow(DecryptionError);
  });

  it('refuses a tampered ciphertext', () => {
    const ring = new KeyRing([k1]);
    const sealed = ring.seal('secret', 'a');
    const raw = Buffer.from(sealed.ciphertext, 'base64');
    raw[raw.length - 1] = raw[raw.length - 1]! ^ 1;
    expect(() => ring.open({ ...sealed, ciphertext: raw.toString('base64') }, 'a')).toThrow(DecryptionError);
  });

  it('rotates: a new first key encrypts, the old one still decrypts', () => {
    const old = new KeyRing([k1]).seal('secret', 'a');
    const rotated = new KeyRing([k2, k1]);
    expect(rotated.open(old, 'a')).toBe('secret');
    expect(rotated.seal('secret', 'a').keyId).toBe('k2');
  });

  it('names the missing key id without revealing anything else', () => {
    const sealed = new KeyRing([k1]).seal('secret', 'a');
    expect(() => new KeyRing([k2]).open(sealed, 'a')).toThrow('No configured encryption key has id "k1"; add it to ENCRYPTION_KEYS.');
  });
});
