import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { createApp, type ReconnectApp } from '../../src/app';
import { loadConfig } from '../../src/config';
import type { Clock } from '../../src/lib/clock';
import type { DatabaseKind } from '../../src/db/database-url';
import { dropDatabase, freshDatabaseUrl } from './databases';

/** The real app, in process, on a free port, with a fresh database and every log line captured. */

export const TEST_SECRETS = {
  ingest: 'ingest-secret-for-tests-0123456789',
  admin: 'admin-token-for-tests-0123456789',
  signing: 'slack-signing-secret-for-tests-0123',
  botToken: 'xoxb-test-token',
  webhook: 'outbound-webhook-secret-0123456789',
  encryptionKey: randomBytes(32).toString('base64'),
};

export interface TestApp {
  app: ReconnectApp;
  url: string;
  logs: string[];
  databaseUrl: string;
  stop(options?: { keepDatabase?: boolean }): Promise<void>;
}

export async function startTestApp(
  kind: DatabaseKind,
  env: Record<string, string | undefined> = {},
  options: { clock?: Clock; databaseUrl?: string } = {},
): Promise<TestApp> {
  const databaseUrl = options.databaseUrl ?? freshDatabaseUrl(kind);
  // OAuth redirects need the public URL before the server listens, so pick the port first.
  const port = env.PORT ?? String(await freePort());
  const config = loadConfig({
    NODE_ENV: 'test',
    PORT: port,
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    DATABASE_URL: databaseUrl,
    LOG_LEVEL: 'debug',
    INGEST_SECRET: TEST_SECRETS.ingest,
    ADMIN_TOKEN: TEST_SECRETS.admin,
    ENCRYPTION_KEYS: `k1:${TEST_SECRETS.encryptionKey}`,
    OUTBOX_POLL_MS: '50',
    PROBE_INTERVAL_MINUTES: '0',
    // Most tests drop several connections of one channel and look at each one's alert; the burst tests
    // (test/slack/burst.test.ts) set the window themselves.
    BURST_WINDOW_SECONDS: '0',
    ...env,
  });
  const logs: string[] = [];
  const app = await createApp(config, { clock: options.clock, logSink: (line) => logs.push(line) });
  const url = await app.start();
  return {
    app,
    url,
    logs,
    databaseUrl,
    async stop(stopOptions = {}) {
      await app.stop();
      if (!stopOptions.keepDatabase) await dropDatabase(databaseUrl);
    },
  };
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Two replicas of the app on one fresh database; `stop` stops both and drops the database. */
export async function startReplicaPair(
  kind: DatabaseKind,
  env: Record<string, string | undefined>,
): Promise<{ a: TestApp; b: TestApp; stop(): Promise<void> }> {
  const a = await startTestApp(kind, env);
  const b = await startTestApp(kind, env, { databaseUrl: a.databaseUrl });
  return {
    a,
    b,
    async stop() {
      await b.stop({ keepDatabase: true });
      await a.stop();
    },
  };
}
