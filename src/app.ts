import { randomUUID } from 'node:crypto';
import http from 'node:http';
import os from 'node:os';
import type { AddressInfo } from 'node:net';
import { oauthClientFor, type Config } from './config';
import { openDatabase, type Database } from './db/client';
import { assertSecretsReadable } from './db/credentials';
import { outboxStats } from './db/outbox';
import type { StatusEngineDeps } from './domain/status-engine';
import type { ConnectionDeps } from './domain/connections';
import { mountAdminApi } from './http/admin';
import { mountCredentialsApi } from './http/credentials-api';
import { createAccessTokens } from './domain/access-tokens';
import { startConnect } from './domain/connect';
import type { FlowDeps } from './domain/flow-steps';
import { mountHealth } from './http/health';
import { ingestHandler } from './http/ingest';
import { Router } from './http/router';
import { createHttpServer } from './http/server';
import { OutboxDispatcher, type DeliveryHandler } from './jobs/outbox-dispatcher';
import { DatabaseRunCoordinator } from './jobs/run-coordinator';
import { Scheduler } from './jobs/scheduler';
import { registerProbeSweep } from './jobs/probe-sweep';
import { checkNow, type ProbeDeps } from './domain/probe';
import { registerDigestJob } from './jobs/digest';
import { registerRemindersJob } from './jobs/reminders';
import { registerExpiryWarningsJob } from './jobs/expiry-warnings';
import { registerRetention } from './jobs/retention';
import { registerAbandonedFlowsJob } from './jobs/abandoned-flows';
import { registerCommands } from './slack/listeners/commands';
import { registerHome } from './slack/listeners/home';
import { systemClock, type Clock } from './lib/clock';
import { KeyRing } from './lib/key-ring';
import { createLogger, SecretRegistry, type Logger, type LogSink } from './lib/logger';
import { Metrics } from './lib/metrics';
import { buildCatalog, type Catalog } from './providers/catalog';
import { OUTBOX_KINDS } from './domain/notifications';
import { webhookDeliveryHandler } from './http/outbound-webhook';
import { createSlackApp, type SlackApp } from './slack/bolt';
import { createSlackClients, slackTokenRefresher } from './slack/clients';
import { slackDeliveryHandlers } from './slack/delivery';
import { registerActions } from './slack/listeners/actions';
import { sameWorkspaceOnly } from './slack/tenancy';
import { registerEvents } from './slack/listeners/events';
import { reauthorizeStarter } from './slack/reauth-request';
import { PeopleLanguages } from './slack/people';
import { slackRouteGuard } from './http/slack-guard';
import { mountOAuthRoutes } from './http/oauth-routes';

/**
 * Builds the whole app from a validated config: database, domain, HTTP routes, Slack and jobs. `main.ts`
 * calls it for production; tests call it with their own config, clock and log sink.
 */

export interface AppOptions {
  clock?: Clock;
  logSink?: LogSink;
}

export interface Core {
  config: Config;
  /** Names this process in what it claims in the database: host, process id and a random part, as two apps may share a process. */
  replica: string;
  clock: Clock;
  logger: Logger;
  secrets: SecretRegistry;
  metrics: Metrics;
  db: Database;
  keyRing: KeyRing;
  catalog: Catalog;
  engine: StatusEngineDeps;
  connections: ConnectionDeps;
}

export interface ReconnectApp {
  core: Core;
  slack: SlackApp | null;
  router: Router;
  dispatcher: OutboxDispatcher;
  scheduler: Scheduler;
  server: http.Server;
  /** Listens on config.port (0 picks a free port) and starts the jobs; resolves with the URL. */
  start(): Promise<string>;
  stop(): Promise<void>;
}

export async function createCore(config: Config, options: AppOptions = {}): Promise<Core> {
  const secrets = new SecretRegistry();
  secrets.add(
    config.ingestSecret,
    config.adminToken,
    config.outboundWebhook?.secret,
    config.genericOAuth?.clientSecret,
    ...(config.slack?.mode === 'http' ? [config.slack.signingSecret, config.slack.botToken, config.slack.install?.clientSecret, config.slack.install?.stateSecret] : []),
    ...(config.slack?.mode === 'socket' ? [config.slack.appToken, config.slack.botToken, config.slack.signingSecret] : []),
    ...Object.values(config.providerCredentials).map((credentials) => credentials?.clientSecret),
    ...config.encryptionKeys.map((key) => key.key.toString('base64')),
  );
  const logger = createLogger({ level: config.logLevel, secrets, sink: options.logSink });
  const clock = options.clock ?? systemClock;
  const db = await openDatabase(config.databaseUrl);
  const keyRing = new KeyRing(config.encryptionKeys);
  try {
    await assertSecretsReadable(db.prisma, keyRing);
  } catch (error) {
    await db.close();
    throw new Error(`Stored secrets can't be decrypted with ENCRYPTION_KEYS: ${(error as Error).message}`);
  }
  const catalog = buildCatalog(config);
  const engine: StatusEngineDeps = {
    prisma: db.prisma,
    clock,
    catalog,
    settings: { flapWindowMinutes: config.flapWindowMinutes, outboundWebhook: Boolean(config.outboundWebhook), burstWindowSeconds: config.burstWindowSeconds },
  };
  return {
    config,
    replica: `${os.hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`,
    clock,
    logger,
    secrets,
    metrics: new Metrics(),
    db,
    keyRing,
    catalog,
    engine,
    connections: { prisma: db.prisma, clock, keyRing, catalog, engine },
  };
}

export async function createApp(config: Config, options: AppOptions = {}): Promise<ReconnectApp> {
  const core = await createCore(config, options);
  const { logger, metrics, db, clock } = core;
  if (core.config.usingDevelopmentKey) {
    logger.warn('ENCRYPTION_KEYS is not set: using the development key. Never do this in production.');
  }

  const incidentDeps = { prisma: db.prisma, clock, catalog: core.catalog };
  const connectable = core.catalog
    .list()
    .filter((provider) => provider.auth.type === 'api_key' || oauthClientFor(config, provider.id) !== undefined)
    .map((provider) => ({ id: provider.id, name: provider.name }));
  const installations = { prisma: db.prisma, keyRing: core.keyRing, clock, refresh: slackTokenRefresher(config) };
  const clients = createSlackClients({ config, installations });
  const webhook = webhookDeliveryHandler({ config: config.outboundWebhook, clock, logger, metrics });
  const handlers = timedDeliveries(metrics, {
    [OUTBOX_KINDS.webhookEvent]: webhook,
    [OUTBOX_KINDS.webhookReauthorized]: webhook,
    ...slackDeliveryHandlers({ ...incidentDeps, config, clients, logger, metrics, command: config.slackCommand, connectable }),
  });
  const dispatcher = new OutboxDispatcher({ prisma: db.prisma, clock, logger, metrics, handlers, pollMs: config.outboxPollMs, leaseMs: config.outboxLeaseMs });

  const coordinator = new DatabaseRunCoordinator(db.prisma, clock, dispatcher.owner);
  const scheduler = new Scheduler(coordinator, logger);
  scheduler.schedule('prune-scheduler-leases', '17 3 * * *', () => coordinator.prune());
  const probeDeps = probeDepsFromCore(core);
  registerProbeSweep(scheduler, probeDeps);
  registerDigestJob(scheduler, { prisma: db.prisma, clock, logger });
  registerRemindersJob(scheduler, { prisma: db.prisma, clock, logger, settings: config.reminders });
  registerExpiryWarningsJob(scheduler, { prisma: db.prisma, clock, logger, thresholds: config.expiryWarningDays });
  registerRetention(scheduler, { prisma: db.prisma, clock, settings: config.retention });
  registerAbandonedFlowsJob(scheduler, { ...flowDepsOf(core), logger: logger.child({ job: 'abandoned-flows' }) });

  const slack = createSlackApp({ config, logger, installations, metrics });
  if (slack) {
    const reauthorize = reauthorizeStarter({
      ...incidentDeps,
      publicUrl: config.publicUrl,
      linkTtlMinutes: config.reauthLinkTtlMinutes,
      allowedUsers: config.reauthAllowedUsers,
    });
    const flowDeps = flowDepsOf(core);
    const people = new PeopleLanguages(clock);
    slack.app.use(sameWorkspaceOnly(db.prisma));
    const connect = (input: Parameters<typeof startConnect>[1]) => startConnect({ ...flowDeps, linkTtlMinutes: config.reauthLinkTtlMinutes }, input);
    registerActions(slack.app, { ...incidentDeps, reauthorize, startConnect: connect, people });
    registerCommands(slack.app, {
      ...incidentDeps,
      publicUrl: config.publicUrl,
      linkTtlMinutes: config.reauthLinkTtlMinutes,
      allowedUsers: config.reauthAllowedUsers,
      command: config.slackCommand,
      checkNow: (connectionId) => checkNow(probeDeps, connectionId),
      startConnect: connect,
      people,
    });
    registerHome(slack.app, { ...incidentDeps, command: config.slackCommand, connectable, people });
    registerEvents(slack.app, { installationStore: slack.installationStore, logger });
    slack.app.error(async (error) => {
      logger.error('slack listener failed', { error });
    });
  }
  metrics.gauge('reconnect_outbox_depth', 'Outbox rows waiting to be delivered', async () => [
    { value: (await outboxStats(db.prisma, clock.now())).depth },
  ]);
  metrics.gauge('reconnect_outbox_oldest_age_seconds', 'Age of the oldest undelivered outbox row', async () => [
    { value: (await outboxStats(db.prisma, clock.now())).oldestAgeSeconds },
  ]);

  const router = new Router();
  mountHealth(router, { prisma: db.prisma, metrics, notReadyBecause: () => (config.slack ? null : 'Slack credentials not configured') });
  router.add('POST', '/api/v1/connection-events', ingestHandler({ prisma: db.prisma, engine: core.engine, secret: config.ingestSecret, now: () => clock.now() }));
  mountAdminApi(router, { ...core.connections, adminToken: config.adminToken });
  mountCredentialsApi(router, {
    keys: config.dataPlatformKeys,
    tokens: createAccessTokens({ ...core.connections, logger: logger.child({ api: 'credentials' }), settings: probeDeps.settings }),
  });
  mountOAuthRoutes(router, { ...flowDepsOf(core), metrics });
  const slackRoute = slackRouteGuard(slack?.handle ?? null, () => clock.now());
  for (const path of ['/slack/events', '/slack/install', '/slack/oauth_redirect']) {
    router.add('POST', path, slackRoute);
    router.add('GET', path, slackRoute);
  }

  const server = createHttpServer(router, { logger, metrics });

  let stopping: Promise<void> | null = null;
  return {
    core,
    slack,
    router,
    dispatcher,
    scheduler,
    server,
    async start() {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(config.port, resolve);
      });
      dispatcher.start();
      scheduler.start();
      await slack?.start();
      const { port } = server.address() as AddressInfo;
      logger.info('Reconnect is listening', { port, database: db.description, slack: config.slack?.mode ?? 'not configured' });
      return `http://127.0.0.1:${port}`;
    },
    stop() {
      stopping ??= (async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
        });
        await slack?.stop();
        await scheduler.stop();
        await dispatcher.stop();
        await db.close();
      })();
      return stopping;
    },
  };
}

/** Seconds, from a few milliseconds (the alert target is 50 ms) to the hours a row can wait out retries. */
const DELIVERY_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15, 60, 300, 900, 3600, 4 * 3600];

/**
 * Times every delivered outbox row from its enqueueing (in the transaction of the change that needs it;
 * for an ingested event, the one that accepted it) to its delivery, by kind; and, for an alert's first
 * `chat.postMessage`, the same span as `reconnect_alert_post_latency_seconds`: the latency operators
 * alert on. Wall-clock time on both ends, because the row may have been enqueued by another replica.
 */
function timedDeliveries(metrics: Metrics, handlers: Record<string, DeliveryHandler>): Record<string, DeliveryHandler> {
  const timed = (kind: string, handler: DeliveryHandler): DeliveryHandler => async (message) => {
    const outcome = await handler(message);
    if (outcome.status !== 'sent') return outcome;
    const seconds = Math.max(0, Date.now() - message.createdAt.getTime()) / 1000;
    metrics.observe('reconnect_outbox_delivery_age_seconds', { kind }, seconds, 'Age of outbox rows when delivered, from enqueueing, by kind', DELIVERY_BUCKETS);
    const posted = kind === OUTBOX_KINDS.alertSync && typeof outcome.result === 'object' && outcome.result !== null && 'posted' in outcome.result;
    if (posted) {
      metrics.observe(
        'reconnect_alert_post_latency_seconds',
        {},
        seconds,
        "From accepting the status change that opens an incident (an ingested event or a probe's finding) to its alert's chat.postMessage succeeding",
        DELIVERY_BUCKETS,
      );
    }
    return outcome;
  };
  return Object.fromEntries(Object.entries(handlers).map(([kind, handler]) => [kind, timed(kind, handler)]));
}

/** What the reauthorize and connect flows need, from the core. */
export function flowDepsOf(core: Core): FlowDeps {
  const { config } = core;
  return {
    ...core.connections,
    publicUrl: config.publicUrl,
    allowInsecureHttp: config.allowInsecureHttp,
    timeoutMs: config.probe.timeoutMs,
    databaseHosts: config.databaseConnectHosts,
    clientFor: (providerId) => oauthClientFor(config, providerId),
  };
}

/** What the probe needs, from the core: the sweep job, `/reconnect check` and tests build it here. */
export function probeDepsFromCore(core: Core): ProbeDeps {
  const { config } = core;
  return {
    prisma: core.db.prisma,
    replica: core.replica,
    clock: core.clock,
    keyRing: core.keyRing,
    catalog: core.catalog,
    engine: core.engine,
    logger: core.logger.child({ job: 'probe', replica: core.replica }),
    metrics: core.metrics,
    settings: {
      ...config.probe,
      degradedAfterFailures: config.degradedAfterFailures,
      allowInsecureHttp: config.allowInsecureHttp,
      databaseHosts: config.databaseConnectHosts,
      clientFor: (providerId) => oauthClientFor(config, providerId),
    },
  };
}
