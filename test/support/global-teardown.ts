import { Client } from 'pg';

/** Drops the schemas this run created, even those a crashed test file left behind. */
export default async function globalTeardown(): Promise<void> {
  const url = process.env.RECONNECT_TEST_PG_URL;
  const run = process.env.RECONNECT_TEST_RUN;
  if (!url || !run) return;
  const client = new Client({ connectionString: url });
  try {
    await client.connect();
    const { rows } = await client.query<{ nspname: string }>(
      `SELECT nspname FROM pg_namespace WHERE nspname LIKE $1`,
      [`t_${run}_%`],
    );
    for (const { nspname } of rows) await client.query(`DROP SCHEMA "${nspname}" CASCADE`);
  } finally {
    await client.end().catch(() => undefined);
  }
}
