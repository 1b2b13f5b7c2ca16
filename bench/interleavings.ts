import { randomBytes } from 'node:crypto';
import { createApp, type ReconnectApp } from '../src/app';
import { loadConfig } from '../src/config';
import { createConnection } from '../src/domain/connections';
import { startFakeSlack } from '../test/fakes/fake-slack';
import { runInterleaving, type Replica } from '../test/support/interleavings';

/**
 * The randomized delivery test at bench scale: `seeds` interleavings on two replicas of the app sharing
 * one database (see test/support/interleavings.ts for what each run does and checks).
 */

export interface InterleavingSummary {
  runs: number;
  events: number;
  incidents: number;
  broken: { seed: number; violations: string[] }[];
}

export async function interleavings(databaseUrl: string, seeds: number): Promise<InterleavingSummary> {
  const slack = await startFakeSlack();
  const ingestSecret = randomBytes(24).toString('hex');
  const env = {
    NODE_ENV: 'test',
    PORT: '0',
    DATABASE_URL: databaseUrl,
    LOG_LEVEL: 'error',
    SLACK_SIGNING_SECRET: randomBytes(24).toString('hex'),
    SLACK_BOT_TOKEN: 'xoxb-test-token',
    SLACK_API_URL: slack.url,
    INGEST_SECRET: ingestSecret,
    ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}`,
    OUTBOX_POLL_MS: '50',
    OUTBOX_LEASE_MS: '2000',
    // The checked invariant is one alert per incident; bursts (one alert for several) are tested apart.
    BURST_WINDOW_SECONDS: '0',
    PROBE_INTERVAL_MINUTES: '0',
  };
  const apps: ReconnectApp[] = [];
  try {
    for (let i = 0; i < 2; i += 1) apps.push(await createApp(loadConfig(env), { logSink: () => undefined }));
    const replicas = (await Promise.all(apps.map(async (app) => ({ app, url: await app.start() })))) as [Replica, Replica];
    const summary: InterleavingSummary = { runs: 0, events: 0, incidents: 0, broken: [] };
    for (let seed = 1; seed <= seeds; seed += 1) {
      const connections = [];
      for (let index = 0; index < 4; index += 1) {
        const teamId = index % 2 === 0 ? 'T0TEAM001' : 'T0TEAM002';
        const channelId = `C0S${seed}T${index % 2}`;
        const connection = await createConnection(
          apps[0]!.core.connections,
          { teamId, provider: index < 2 ? 'google_ads' : 'hubspot', name: `Seed ${seed} #${index}`, externalAccountId: `s${seed}-${index}`, channelId, owners: [], options: { autotagging: true } },
          { type: 'admin', id: 'bench' },
        );
        connections.push({ id: connection.id, teamId, channelId });
      }
      const result = await runInterleaving({ seed, replicas, slack, ingestSecret, connections });
      summary.runs += 1;
      summary.events += result.events;
      summary.incidents += result.incidents;
      if (result.violations.length > 0) summary.broken.push({ seed, violations: result.violations });
    }
    return summary;
  } finally {
    for (const app of apps) await app.stop();
    await slack.close();
  }
}
