import { signBody, verifySignature } from '../../src/lib/signature';

const secret = 'ingest-secret-value';
const now = new Date('2026-11-23T10:00:00Z');
const ts = Math.floor(now.getTime() / 1000);

describe('webhook signature v1', () => {
  it('is hex HMAC-SHA256 of "v1:<timestamp>:<body>"', () => {
    // Known vector computed with: printf 'v1:1700000000:{}' | openssl dgst -sha256 -hmac ingest-secret-value
    expect(signBody(secret, 1700000000, '{}')).toBe('v1=ca6fb40896684bbeea303f0eb23ba15c0e750f2b024e73f67d4890a7d172b176');
  });

  it('accepts a fresh, correct signature', () => {
    expect(verifySignature(secret, { timestamp: String(ts), signature: signBody(secret, ts, 'body') }, 'body', now)).toBeNull();
  });

  it.each([
    ['missing headers', {}, 'missing'],
    ['one flipped body byte', { timestamp: String(ts), signature: signBody(secret, ts, 'bodx') }, 'mismatch'],
    ['six minutes old', { timestamp: String(ts - 360), signature: signBody(secret, ts - 360, 'body') }, 'stale'],
    ['six minutes in the future', { timestamp: String(ts + 360), signature: signBody(secret, ts + 360, 'body') }, 'stale'],
    ['a non-numeric timestamp', { timestamp: '12abc', signature: 'v1=00' }, 'stale'],
    ['the wrong secret', { timestamp: String(ts), signature: signBody('other', ts, 'body') }, 'mismatch'],
  ])('refuses %s', (_name, headers, expected) => {
    expect(verifySignature(secret, headers as { timestamp?: string; signature?: string }, 'body', now)).toBe(expected);
  });
});
