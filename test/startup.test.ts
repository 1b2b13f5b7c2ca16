import { spawn } from 'node:child_process';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { createCore } from '../src/app';
import { loadConfig } from '../src/config';
import { databaseKinds, dropDatabase, freshDatabaseUrl } from './support/databases';
import { adminRequest } from './fakes/ingest-requests';
import { startTestApp } from './support/test-app';

const root = path.join(__dirname, '..');

/** Runs src/main.ts as `npm start` would, and returns how it ended. */
function runMain(env: Record<string, string>): Promise<{ code: number | null; stderr: string; ms: number }> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['-r', path.join(root, 'test/support/ts-register.js'), path.join(root, 'src/main.ts')], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', NODE_ENV: 'test', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('close', (code) => resolve({ code, stderr, ms: Date.now() - started }));
  });
}

describe('start-up', () => {
  it('an unreachable Postgres stops start-up at once with a clear line, not a stack trace', async () => {
    const result = await runMain({ DATABASE_URL: 'postgres://nobody@127.0.0.1:1/x', PORT: '0' });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/Reconnect can't start\.\nCannot reach the database \(PostgreSQL 127\.0\.0\.1:1\/x/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.ms).toBeLessThan(20_000);
  });

  it('a bad configuration stops start-up listing every problem', async () => {
    const result = await runMain({ PORT: 'x', LOG_LEVEL: 'loud' });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/Invalid configuration:\n {2}- PORT: .*\n {2}- LOG_LEVEL: /);
  });

  it('an http:// provider URL without OAUTH_ALLOW_INSECURE_HTTP stops start-up with one line naming the variable', async () => {
    const result = await runMain({
      PORT: '0',
      DATABASE_URL: 'file::memory:',
      GENERIC_OAUTH_AUTHORIZE_URL: 'https://id.example.com/authorize',
      GENERIC_OAUTH_TOKEN_URL: 'http://id.example.com/token',
      GENERIC_OAUTH_USERINFO_URL: 'https://id.example.com/userinfo',
      GENERIC_OAUTH_CLIENT_ID: 'client',
      GENERIC_OAUTH_CLIENT_SECRET: 'client-secret-value',
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      "Reconnect can't start.\nInvalid configuration:\n  - GENERIC_OAUTH_TOKEN_URL: an http:// provider URL needs OAUTH_ALLOW_INSECURE_HTTP=true (local tests only; use https)\n",
    );
  });

  for (const { kind, skip } of databaseKinds()) {
    (skip ? it.skip : it)(`refuses to start when stored secrets don't decrypt with ENCRYPTION_KEYS [${kind}]`, async () => {
      const databaseUrl = freshDatabaseUrl(kind);
      const t = await startTestApp(kind, {}, { databaseUrl });
      const created = await adminRequest(t.url, 'POST', '/api/v1/connections', {
        teamId: 'T0001',
        provider: 'hubspot',
        name: 'HubSpot',
        externalAccountId: '1',
        credentials: { accessToken: 'at-1', refreshToken: 'rt-1' },
      });
      expect(created.status).toBe(201);
      await t.stop({ keepDatabase: true });
      try {
        const wrongKey = loadConfig({ NODE_ENV: 'test', DATABASE_URL: databaseUrl, ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}` });
        await expect(createCore(wrongKey)).rejects.toThrow(/Stored secrets can't be decrypted with ENCRYPTION_KEYS: .*key "k1"/);
        const missingKey = loadConfig({ NODE_ENV: 'test', DATABASE_URL: databaseUrl, ENCRYPTION_KEYS: `k2:${randomBytes(32).toString('base64')}` });
        await expect(createCore(missingKey)).rejects.toThrow(/No configured encryption key has id "k1"/);
      } finally {
        await dropDatabase(databaseUrl);
      }
    });
  }
});
