import fs from 'node:fs';
import { ConfigError, loadConfig } from './config';
import { DatabaseUnavailableError } from './db/client';
import { createApp } from './app';

/** Wiring only: environment → config → app → signals. */

async function main(): Promise<void> {
  // An optional .env next to package.json; real environment variables win over it.
  if (fs.existsSync('.env')) process.loadEnvFile('.env');
  const config = loadConfig();
  const app = await createApp(config);
  const { logger } = app.core;
  await app.start();
  if (!config.slack) {
    logger.warn(
      'Slack is not configured, so /slack/* answers 503. Create the app from manifest.json, then set SLACK_SIGNING_SECRET with SLACK_BOT_TOKEN (one workspace) or SLACK_CLIENT_ID, SLACK_CLIENT_SECRET and SLACK_STATE_SECRET (multi-workspace). See README.md.',
    );
  }
  let shuttingDown = false;
  const shutdown = (signal: string) => {
    if (shuttingDown) return;
    shuttingDown = true;
    logger.info('shutting down', { signal });
    const force = setTimeout(() => process.exit(1), 25_000);
    force.unref();
    app.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error('shutdown failed', { error });
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError || error instanceof DatabaseUnavailableError) {
    process.stderr.write(`Reconnect can't start.\n${error.message}\n`);
  } else {
    process.stderr.write(`Reconnect can't start: ${error instanceof Error ? error.message : String(error)}\n`);
  }
  process.exit(1);
});
