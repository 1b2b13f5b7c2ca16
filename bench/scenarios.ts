import { createHmac, randomUUID } from 'node:crypto';
import type { ReconnectApp } from '../src/app';
import { runProbeSweep, type SweepCounts } from '../src/domain/probe';
import { changeStatus } from '../src/domain/status-engine';
import { runDigests } from '../src/jobs/digest';
import { digestRenderer } from '../src/slack/delivery/digest';
import { probeDepsFromCore } from '../src/app';
import { signedHeaders } from '../src/lib/signature';
import { startBareAlert } from './bare-alert';
import { startBareBolt } from './bare-bolt';
import { BENCH_TEAM, type BenchFakes, type LoadRequest } from './fakes';
import { seedProbeConnections } from './seed';
import { wallClock } from './stats';
import { translator } from '../src/slack/blocks/messages';
import { driverOf, placeholders } from '../src/db/driver';

/**
 * The four timed scenarios. Each builds its data in bulk straight through Prisma (setup is not what is
 * measured), then drives the running app the way production traffic would.
 */

export interface BenchTarget {
  app: ReconnectApp;
  /** The environment the app was configured from, for processes that join it on its database. */
  env: Record<string, string>;
  url: string;
  fakes: BenchFakes;
  ingestSecret: string;
  signingSecret: string;
  botToken: string;
}

/**
 * Rows per createMany. Prisma's query compiler is WebAssembly whose memory grows to fit the largest
 * statement it ever built and never shrinks; bigger chunks would charge the setup to the app's peak RSS.
 */
const CHUNK = 100;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const pad = (n: number) => String(n).padStart(5, '0');

async function createInChunks<T>(rows: T[], create: (chunk: T[]) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < rows.length; i += CHUNK) await create(rows.slice(i, i + CHUNK));
}

// ---- 1. ingest event → chat.postMessage -------------------------------------------------------------

export interface IngestResult {
  latenciesMs: number[];
  /** CPU time of this process (the app's) from the first event sent to the last alert posted, per alert. */
  cpuPerAlertMs: number;
  /** The incidents the events opened, each with a posted alert, for the click scenario. */
  incidents: { id: string; channelId: string; messageTs: string }[];
}

type Load = { perSecond: number; seconds: number };

/**
 * Open loop at `perSecond`: events go out on schedule whether or not earlier ones were answered, each for
 * its own connection and channel, so every one posts and the per-channel pacing never holds one back.
 */
export async function ingestToPost(target: BenchTarget, options: Load & { label: string }): Promise<IngestResult> {
  const prisma = target.app.core.db.prisma;
  const count = options.perSecond * options.seconds;
  const connections = Array.from({ length: count }, (_, i) => ({
    id: randomUUID(),
    teamId: BENCH_TEAM.id,
    provider: 'meta_ads',
    kind: 'ad_platform',
    name: `Meta Ads ${options.label}${pad(i)}`,
    externalAccountId: `act_bench_${options.label}${pad(i)}`,
    channelId: `C0${options.label}${pad(i)}`,
  }));
  // Through the driver, not Prisma: a createMany grows the query compiler's WebAssembly memory, which
  // never shrinks, and this setup would be charged to the app's peak RSS (row 5).
  const driver = driverOf(prisma);
  const createdAt = new Date();
  for (const connection of connections) {
    await driver.execute(
      `INSERT INTO "Connection" ("id", "teamId", "provider", "kind", "name", "externalAccountId", "channelId", "statusChangedAt", "nextProbeAt", "createdAt", "updatedAt")
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $8, $8)`,
      [connection.id, connection.teamId, connection.provider, connection.kind, connection.name, connection.externalAccountId, connection.channelId, createdAt],
    );
  }

  const requests = signedEvents(target.ingestSecret, `${target.url}/api/v1/connection-events`, connections);
  const cpuBefore = process.cpuUsage();
  const { answers, posts } = await eventsToPosts(target.fakes, requests, options.perSecond, 'ingest');
  const cpu = process.cpuUsage(cpuBefore);
  const sentAt = new Map(answers.map((answer) => [answer.key, answer.sentAt]));
  const latenciesMs = posts.map((post) => post.at - sentAt.get(post.channel)!);
  const channels = connections.map((connection) => connection.channelId);
  const incidents = await driver.query<{ id: string; channelId: string; messageTs: string }>(
    `SELECT "id", "channelId", "messageTs" FROM "Incident" WHERE "state" = 'open' AND "channelId" IN (${placeholders(1, channels.length)})`,
    channels,
  );
  return { latenciesMs, cpuPerAlertMs: (cpu.user + cpu.system) / 1000 / count, incidents };
}

/** Sends the events open loop; resolves with the answers once each event's channel has its message (not a thread reply). */
async function eventsToPosts(fakes: BenchFakes, requests: LoadRequest[], perSecond: number, what: string) {
  const answers = await fakes.openLoop(requests, perSecond);
  const refused = answers.filter((answer) => answer.status !== 202);
  if (refused.length > 0) throw new Error(`${what} answered ${refused[0]!.status} to ${refused.length} events`);
  const channels = new Set(requests.map((request) => request.key));
  const posts = await fakes.waitForPosts((post) => !post.threadTs && channels.has(post.channel), requests.length, 60_000);
  return { answers, posts };
}

/**
 * An `authorization_required` event for each connection, keyed by its channel, signed up front (the
 * signature allows five minutes) and sent by the child process like any outside client.
 */
function signedEvents(secret: string, url: string, connections: { id: string; channelId: string }[]): LoadRequest[] {
  return connections.map((connection) => {
    const body = JSON.stringify({
      eventId: `bench-${connection.id}`,
      connectionId: connection.id,
      status: 'authorization_required',
      reason: 'token_revoked',
      occurredAt: new Date().toISOString(),
    });
    const headers = { 'content-type': 'application/json', ...signedHeaders(secret, body, new Date()) };
    return { key: connection.channelId, url, headers, body };
  });
}

/**
 * The same load through the yardstick (bench/bare-alert.ts), after the same warm-up: CPU time of its
 * process per event, from the first event sent to the last message posted.
 */
export async function ingestYardstick(target: BenchTarget, options: { warmup: Load; load: Load }): Promise<number> {
  const bare = await startBareAlert({ ingestSecret: target.ingestSecret, botToken: target.botToken, slackApiUrl: target.env.SLACK_API_URL! });
  const run = async (load: Load, label: string) => {
    const count = load.perSecond * load.seconds;
    // Its messages go to the channel named in the event, as it has no connection to look up.
    const channels = Array.from({ length: count }, (_, i) => `C0${label}${pad(i)}`);
    const requests = signedEvents(target.ingestSecret, bare.url, channels.map((channel) => ({ id: channel, channelId: channel })));
    const before = await bare.cpuMs();
    await eventsToPosts(target.fakes, requests, load.perSecond, 'the yardstick');
    return ((await bare.cpuMs()) - before) / count;
  };
  try {
    await run(options.warmup, 'FLOORWARM');
    return await run(options.load, 'FLOOR');
  } finally {
    await bare.close();
  }
}

// ---- 2. button click → HTTP ack ----------------------------------------------------------------------

export interface ClickResult {
  oursMs: number[];
  bareMs: number[];
}

/**
 * The same signed `acknowledge` click goes to Reconnect and to a bare Bolt app whose listener only acks
 * (in a process of its own, bench/bare-bolt.ts), alternating which goes first, so both see the same
 * load and the same machine noise. Each click is for another incident, as real clicks are. Clicks come `intervalMs` apart rather than back to back: what
 * Reconnect does after the ack (recording it, replying in the thread, updating the alert) would
 * otherwise still hold the event loop when the next click arrives, and the benchmark would measure
 * throughput under saturation instead of the time to an ack.
 */
export async function clickToAck(
  target: BenchTarget,
  incidents: IngestResult['incidents'],
  options: { warmup: number; samples: number; intervalMs: number },
): Promise<ClickResult> {
  const bare = await startBareBolt({ signingSecret: target.signingSecret, botToken: target.botToken, slackApiUrl: target.fakes.slackApiUrl });
  const result: ClickResult = { oursMs: [], bareMs: [] };
  try {
    const clicks = options.warmup + options.samples;
    if (incidents.length < clicks) throw new Error(`${clicks} clicks need as many incidents; the ingest scenario opened ${incidents.length}`);
    const start = wallClock();
    for (let i = 0; i < clicks; i += 1) {
      const due = start + i * options.intervalMs;
      if (due > wallClock()) await sleep(due - wallClock());
      const body = clickBody(incidents[i]!, `${target.fakes.slackUrl}/response_url/${i}`);
      const order = i % 2 === 0 ? [target.url, bare.url] : [bare.url, target.url];
      for (const base of order) {
        const elapsed = await timedSlackPost(target.fakes, `${base}/slack/events`, body, target.signingSecret);
        if (i >= options.warmup) (base === target.url ? result.oursMs : result.bareMs).push(elapsed);
      }
    }
  } finally {
    await bare.close();
  }
  return result;
}

let clickSequence = 0;

/** A block_actions payload as Slack posts it: form field `payload` holding JSON. */
function clickBody(incident: IngestResult['incidents'][number], responseUrl: string): string {
  clickSequence += 1;
  const nowSeconds = Math.floor(Date.now() / 1000);
  const user = { id: 'U0BENCHUSR', username: 'bench', name: 'bench', team_id: BENCH_TEAM.id };
  const payload = {
    type: 'block_actions',
    user,
    api_app_id: 'A0BENCHAPP',
    token: 'legacy-verification-token',
    container: { type: 'message', message_ts: incident.messageTs, channel_id: incident.channelId, is_ephemeral: false },
    trigger_id: `${clickSequence}.${nowSeconds}.bench`,
    team: { id: BENCH_TEAM.id, domain: BENCH_TEAM.domain },
    enterprise: null,
    is_enterprise_install: false,
    channel: { id: incident.channelId, name: 'bench' },
    message: { type: 'message', ts: incident.messageTs, text: '', blocks: [] },
    state: { values: {} },
    response_url: responseUrl,
    actions: [
      {
        action_id: 'acknowledge',
        block_id: `incident:${incident.id}`,
        type: 'button',
        value: incident.id,
        text: { type: 'plain_text', text: "I'm on it", emoji: true },
        action_ts: `${nowSeconds}.${String(clickSequence).padStart(6, '0')}`,
      },
    ],
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

async function timedSlackPost(fakes: BenchFakes, url: string, body: string, signingSecret: string): Promise<number> {
  const timestamp = Math.floor(Date.now() / 1000);
  const signature = `v0=${createHmac('sha256', signingSecret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
  const headers = { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': String(timestamp), 'x-slack-signature': signature };
  const answer = await fakes.timedPost(url, headers, body);
  if (answer.status !== 200) throw new Error(`${url} answered the click with ${answer.status}`);
  return answer.ms;
}

// ---- 3. probe sweep ----------------------------------------------------------------------------------

export interface ProbeResult {
  wallMs: number;
  idealMs: number;
  counts: SweepCounts;
  maxInFlight: number;
}

let sweepRuns = 0;

/** `connections` OAuth connections due now, each refreshed against a token endpoint that takes `latencyMs`. */
export async function probeSweep(
  target: BenchTarget,
  options: { connections: number; latencyMs: number; concurrency: number; perProviderConcurrency: number },
): Promise<ProbeResult> {
  // Each sweep seeds connections of its own; earlier ones are no longer due.
  sweepRuns += 1;
  await seedProbeConnections({ databaseUrl: target.env.DATABASE_URL!, encryptionKeys: target.env.ENCRYPTION_KEYS!, connections: options.connections, tag: `sweep${sweepRuns}` });
  await target.fakes.resetTokenStats();

  const base = probeDepsFromCore(target.app.core);
  const deps = { ...base, settings: { ...base.settings, concurrency: options.concurrency, perProviderConcurrency: options.perProviderConcurrency } };
  const started = performance.now();
  const counts = await runProbeSweep(deps);
  const wallMs = performance.now() - started;
  if (counts.ok !== options.connections) throw new Error(`probe sweep: expected ${options.connections} ok, got ${JSON.stringify(counts)}`);
  return { wallMs, idealMs: (options.connections * options.latencyMs) / options.concurrency, counts, maxInFlight: (await target.fakes.tokenStats()).maxInFlight };
}

// ---- 4. digests --------------------------------------------------------------------------------------

export interface DigestResult {
  enqueueMs: number;
  renderMs: number;
  deliverMs: number;
  enqueued: number;
}

const DIGEST_TEAM = 'T0DIGEST01';

/**
 * One workspace with `connections` connections (a quarter of them broken) and `channels` channels
 * subscribed to its digest, all due now. Enqueueing is `runDigests`, the scheduled job; rendering is what
 * the delivery handler does for each channel at send time; delivery is until Slack has every digest.
 */
export async function digests(target: BenchTarget, options: { channels: number; connections: number; renderConcurrency: number }): Promise<DigestResult> {
  const { app } = target;
  const prisma = app.core.db.prisma;
  const connections = Array.from({ length: options.connections }, (_, i) => ({
    id: randomUUID(),
    teamId: DIGEST_TEAM,
    provider: 'hubspot',
    kind: 'crm',
    name: `HubSpot ${pad(i)}`,
    externalAccountId: `hub_bench_${pad(i)}`,
    channelId: 'C0DIGALERT',
  }));
  await createInChunks(connections, (data) => prisma.connection.createMany({ data }));
  for (const connection of connections.slice(0, Math.ceil(options.connections / 4))) {
    await changeStatus(app.core.engine, { connectionId: connection.id, status: 'authorization_required', reason: 'token_expired', actor: { type: 'probe' }, occurredAt: new Date() });
  }
  const channels = Array.from({ length: options.channels }, (_, i) => `C0DIGEST${pad(i)}`);
  await createInChunks(
    channels.map((channelId) => ({ teamId: DIGEST_TEAM, channelId, localTime: '00:00', timezone: 'UTC' })),
    (data) => prisma.channelSubscription.createMany({ data }),
  );
  await app.dispatcher.runOnce();

  const enqueueStarted = performance.now();
  const run = await runDigests({ prisma, clock: app.core.clock, logger: app.core.logger });
  const enqueueMs = performance.now() - enqueueStarted;
  if (run.enqueued !== options.channels) throw new Error(`runDigests enqueued ${run.enqueued} of ${options.channels}`);

  const renderStarted = performance.now();
  const queue = [...channels];
  const render = digestRenderer({ prisma, clock: app.core.clock, catalog: app.core.catalog });
  await Promise.all(
    Array.from({ length: options.renderConcurrency }, async () => {
      while (queue.shift() !== undefined) {
        const rendered = await render(DIGEST_TEAM, { quiet: false, timeZone: 'UTC', t: translator('en') });
        if (!rendered) throw new Error('a workspace with broken connections rendered no digest');
      }
    }),
  );
  const renderMs = performance.now() - renderStarted;

  const subscribed = new Set(channels);
  const deliverStarted = performance.now();
  app.dispatcher.kick();
  await target.fakes.waitForPosts((post) => subscribed.has(post.channel), options.channels, 120_000);
  return { enqueueMs, renderMs, deliverMs: performance.now() - deliverStarted, enqueued: run.enqueued };
}
