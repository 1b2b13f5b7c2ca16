import fs from 'node:fs';
import { ConfigError, loadConfig } from '../config';
import { describeDatabase, parseDatabaseUrl } from './database-url';
import { migrate } from './migrate';

/**
 * `npm run db:migrate`: applies the committed migrations to DATABASE_URL and says what it did. `npm
 * start` does the same at start-up; this is for deployments that migrate as a separate step.
 */
async function main(): Promise<void> {
  if (fs.existsSync('.env')) process.loadEnvFile('.env');
  const target = parseDatabaseUrl(loadConfig().databaseUrl);
  const result = await migrate(target);
  const applied = result.applied.length ? `applied ${result.applied.join(', ')}` : 'nothing to apply';
  process.stdout.write(`${describeDatabase(target)}: ${applied} (${result.alreadyApplied} already applied)\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`Migration failed: ${error instanceof ConfigError || error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
