import { Client } from 'pg';

/**
 * Decides once per run whether the Postgres half can run. Workers inherit process.env, so the answer
 * travels to every test file. Under CI=true an unreachable Postgres fails the run instead of skipping.
 */
export default async function globalSetup(): Promise<void> {
  const url = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  process.env.RECONNECT_TEST_RUN = `r${Date.now().toString(36)}${process.pid.toString(36)}`;
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    process.env.RECONNECT_TEST_PG_URL = url;
    process.env.RECONNECT_TEST_PG_SKIP = '';
  } catch (error) {
    const reason = `PostgreSQL at ${new URL(url).host} unreachable (${(error as Error).message})`;
    if (process.env.CI === 'true') throw new Error(`${reason}; CI=true requires the Postgres half of the suite.`);
    process.env.RECONNECT_TEST_PG_SKIP = reason;
    console.warn(`\n[reconnect tests] Skipping the PostgreSQL half: ${reason}. Set TEST_DATABASE_URL to run it.\n`);
  } finally {
    await client.end().catch(() => undefined);
  }
}
