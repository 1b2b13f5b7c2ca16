import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { createApp } from '../src/app';
import { loadConfig } from '../src/config';
import type { DatabaseKind } from '../src/db/database-url';
import { BENCH_BOT_TOKEN, startFakes } from './fakes';
import { sigtermUnderLoad, type SigtermLoadResult } from '../test/support/sigterm-under-load';
import { interleavings, type InterleavingSummary } from './interleavings';
import { clickToAck, digests, ingestToPost, ingestYardstick, probeSweep, type BenchTarget, type ClickResult, type DigestResult, type IngestResult, type ProbeResult } from './scenarios';
import { profiled as profiledRun, type ProfileShare } from './profile';
import { cpuTicks, megabytes, ms, percentile, RssSampler, stolenShare } from './stats';
import { replicaRows, replicaSweeps, type ReplicaSweeps } from './sweep-replicas';

/**
 * `npm run bench`: the real app against local fakes of Slack and of a provider's token endpoint, once on
 * SQLite and once on PostgreSQL, each in a process of its own (a deployment loads one database, and so one
 * Prisma engine). Prints the table and writes it to bench/results/latest.md. BENCH_DATABASES
 * (`sqlite,postgresql`) picks the databases.
 */

const SETTINGS = {
  // A process that has handled a few events has its code compiled; the first ones after start-up are not
  // what a running deployment sees.
  ingestWarmup: { perSecond: 50, seconds: 2 },
  ingest: { perSecond: 50, seconds: 10 },
  // Informational: the same load again under V8's sampling profiler, for where the CPU per alert goes.
  ingestProfiled: { perSecond: 50, seconds: 4 },
  // Two replica processes; the first is sent SIGTERM halfway through.
  sigterm: { perSecond: 50, seconds: 10, termAfterMs: 5000 },
  clicks: { warmup: 30, samples: 300, intervalMs: 80 },
  // The default PROBE_CONCURRENCY; per provider raised to match, as the bench has one provider.
  probe: { connections: 10_000, latencyMs: 20, concurrency: 20, perProviderConcurrency: 20 },
  // Informational: so many probes in flight that one process's CPU, not the provider, sets the pace.
  probeSaturated: { connections: 10_000, latencyMs: 20, concurrency: 100, perProviderConcurrency: 100 },
  digest: { channels: 1000, connections: 20, renderConcurrency: 20 },
  // The same sweep by one replica process and by two, at the default concurrency each.
  replicas: { connections: 10_000, concurrency: 20 },
};

/** Randomized delivery runs per database (BENCH_INTERLEAVINGS); CI's test suite runs two. */
const INTERLEAVING_SEEDS = Number(process.env.BENCH_INTERLEAVINGS ?? 12);

const TARGETS = { ingestP99Ms: 50, cpuPerAlertMs: 3, clickRatio: 1.2, probeFactor: 1.2, replicaSpeedup: 1.8, digestMs: 2000, rssMb: 150 };

const POSTGRES_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

interface DatabaseRun {
  kind: DatabaseKind;
  ingest: IngestResult;
  /** CPU per event of bench/bare-alert.ts under the same load. */
  yardstickCpuMs: number;
  profile: { shares: ProfileShare[]; alerts: number };
  sigterm: SigtermLoadResult;
  clicks: ClickResult;
  probe: ProbeResult;
  probeSaturated: ProbeResult;
  replicaSweeps: ReplicaSweeps;
  digest: DigestResult;
  interleavings: InterleavingSummary;
  /** From the process's start through the 10,000-connection sweep at the default concurrency. */
  peakRssThroughSweepBytes: number;
  /** Through the rest of the load too: the saturated sweep, the replicas' sweeps (other processes) and the digests. */
  peakRssBytes: number;
  /** The database's process over its whole run, the randomized runs' two extra replicas included. */
  wholeRunPeakRssBytes: number;
  /** Measured by the parent: the share of the machine's CPU time its host stole meanwhile (null where unknown). */
  stolen: number | null;
  seconds: number;
}

/** What the database's process reports. */
type ChildRun = Omit<DatabaseRun, 'stolen'>;

type Outcome = DatabaseRun | { kind: DatabaseKind; skipped: string };

const DATABASE_RUN = '--database-run';
const DATABASES = (process.env.BENCH_DATABASES ?? 'sqlite,postgresql').split(',').map((name) => name.trim()) as DatabaseKind[];

async function main(): Promise<void> {
  if (process.argv[2] === DATABASE_RUN) return runDatabaseHere(process.argv[3] as DatabaseKind, process.argv[4]!);
  const started = performance.now();
  const outcomes: Outcome[] = [];

  if (DATABASES.includes('sqlite')) {
    const sqliteDir = fs.mkdtempSync(path.join(os.tmpdir(), 'reconnect-bench-'));
    try {
      outcomes.push(await runInChildProcess('sqlite', `file:${path.join(sqliteDir, 'bench.db')}`));
    } finally {
      fs.rmSync(sqliteDir, { recursive: true, force: true });
    }
  }

  const unreachable = DATABASES.includes('postgresql') ? await postgresUnreachable(POSTGRES_URL) : null;
  if (unreachable) {
    process.stdout.write(`Skipping PostgreSQL: ${unreachable}\n`);
    outcomes.push({ kind: 'postgresql', skipped: unreachable });
  } else if (DATABASES.includes('postgresql')) {
    const url = new URL(POSTGRES_URL);
    url.searchParams.set('schema', `bench_${randomBytes(4).toString('hex')}`);
    try {
      outcomes.push(await runInChildProcess('postgresql', url.toString()));
    } finally {
      await dropSchema(url);
    }
  }

  const report = renderReport(outcomes, (performance.now() - started) / 1000);
  process.stdout.write(`\n${report}`);
  // npm runs scripts from the package root, where bench/results/ lives (gitignored).
  const resultsDir = path.resolve('bench', 'results');
  fs.mkdirSync(resultsDir, { recursive: true });
  fs.writeFileSync(path.join(resultsDir, 'latest.md'), report);
  process.stdout.write(`\nWritten to ${path.relative(process.cwd(), path.join(resultsDir, 'latest.md'))}\n`);
}

/** This file again, in a child run as `npm start` runs the app (its environment and Node flags), for one database. */
function runInChildProcess(kind: DatabaseKind, databaseUrl: string): Promise<DatabaseRun> {
  const { env, execArgv } = startSettings();
  const ticksBefore = cpuTicks();
  const child = fork(__filename, [DATABASE_RUN, kind, databaseUrl], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], env: { ...process.env, ...env }, execArgv });
  return new Promise((resolve, reject) => {
    let result: ChildRun | undefined;
    child.once('message', (run: ChildRun) => (result = run));
    child.once('error', reject);
    child.once('exit', (code) =>
      result && code === 0 ? resolve({ ...result, stolen: stolenShare(ticksBefore, cpuTicks()) }) : reject(new Error(`the ${kind} run failed (exit ${code})`)),
    );
  });
}

/** How `npm start` runs the app (package.json), which the bench copies. */
const START_SCRIPT = (JSON.parse(fs.readFileSync('package.json', 'utf8')) as { scripts: { start: string } }).scripts.start;

/**
 * The environment and Node flags of `npm start`: the bench takes them from there, so it measures what
 * production runs and a change to them can't leave the bench behind.
 */
function startSettings(): { env: Record<string, string>; execArgv: string[] } {
  const match = /^((?:[A-Z_]+=\S+ )*)node ((?:--\S+ )*)dist\/src\/main\.js$/.exec(START_SCRIPT);
  if (!match) throw new Error(`npm start's script is not "[NAME=value …] node [--flag …] dist/src/main.js", which the bench copies: ${START_SCRIPT}`);
  const words = (text: string) => text.split(' ').filter(Boolean);
  const env = words(match[1]!).map((assignment) => [assignment.slice(0, assignment.indexOf('=')), assignment.slice(assignment.indexOf('=') + 1)]);
  return { env: Object.fromEntries(env), execArgv: words(match[2]!) };
}

async function runDatabaseHere(kind: DatabaseKind, databaseUrl: string): Promise<void> {
  const sampler = new RssSampler();
  const run: ChildRun = { ...(await runOn(kind, databaseUrl, sampler)), wholeRunPeakRssBytes: sampler.peak() };
  sampler.stop();
  await new Promise<void>((resolve, reject) => process.send!(run, (error: Error | null) => (error ? reject(error) : resolve())));
}

async function runOn(kind: DatabaseKind, databaseUrl: string, sampler: RssSampler): Promise<Omit<ChildRun, 'wholeRunPeakRssBytes'>> {
  // Each phase's line says the peak so far, so a peak can be told to its phase.
  const log = (message: string) => process.stdout.write(`[${kind}] ${message} (peak RSS so far ${megabytes(sampler.peak()).toFixed(0)} MB)\n`);
  sampler.mark();
  const started = performance.now();
  const fakes = await startFakes(SETTINGS.probe.latencyMs);
  const secrets = { ingest: randomBytes(24).toString('hex'), signing: randomBytes(24).toString('hex'), botToken: BENCH_BOT_TOKEN };
  const env = {
    NODE_ENV: 'test',
    PORT: '0',
    DATABASE_URL: databaseUrl,
    LOG_LEVEL: 'info',
    SLACK_SIGNING_SECRET: secrets.signing,
    SLACK_BOT_TOKEN: secrets.botToken,
    SLACK_API_URL: fakes.slackApiUrl,
    INGEST_SECRET: secrets.ingest,
    ADMIN_TOKEN: randomBytes(24).toString('hex'),
    ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}`,
    // Delivery starts when work is enqueued (every write path kicks the dispatcher); no polling, so the
    // digest scenario can time enqueueing, rendering and delivering one after the other.
    OUTBOX_POLL_MS: '0',
    // Every drop is measured as its own alert, ingest to chat.postMessage; bursts are tested apart.
    BURST_WINDOW_SECONDS: '0',
    // Only the token endpoint is called (the probe refreshes); the other two must merely be configured.
    GENERIC_OAUTH_AUTHORIZE_URL: fakes.tokenUrl.replace(/token$/, 'authorize'),
    GENERIC_OAUTH_TOKEN_URL: fakes.tokenUrl,
    GENERIC_OAUTH_USERINFO_URL: fakes.tokenUrl.replace(/token$/, 'userinfo'),
    GENERIC_OAUTH_CLIENT_ID: 'bench-client',
    GENERIC_OAUTH_CLIENT_SECRET: randomBytes(24).toString('hex'),
    OAUTH_ALLOW_INSECURE_HTTP: 'true',
  };
  const config = loadConfig(env);
  let logLines = 0;
  // Kept so that a failed run can say what the app reported (the lines are scrubbed of secrets).
  const recentLogs: string[] = [];
  const app = await createApp(config, {
    logSink: (line) => {
      logLines += 1;
      recentLogs.push(line);
      if (recentLogs.length > 20) recentLogs.shift();
    },
  });
  try {
    const url = await app.start();
    // The benchmark runs each job itself; a scheduled fire in the middle would only add noise.
    await app.scheduler.stop();
    const target: BenchTarget = { app, env, url, fakes, ingestSecret: secrets.ingest, signingSecret: secrets.signing, botToken: secrets.botToken };

    log(`ingest → chat.postMessage: ${SETTINGS.ingestWarmup.perSecond * SETTINGS.ingestWarmup.seconds} events to warm up, then ${SETTINGS.ingest.perSecond * SETTINGS.ingest.seconds} at ${SETTINGS.ingest.perSecond}/s`);
    const warmup = await ingestToPost(target, { ...SETTINGS.ingestWarmup, label: 'WARM' });
    const ingest = await ingestToPost(target, { ...SETTINGS.ingest, label: 'INGEST' });
    ingest.incidents.push(...warmup.incidents);
    log(`ingest → chat.postMessage: as many events through the yardstick, after as many to warm up`);
    const yardstickCpuMs = await ingestYardstick(target, { warmup: SETTINGS.ingestWarmup, load: SETTINGS.ingest });
    log(`click → ack: ${SETTINGS.clicks.samples} clicks each, Reconnect and bare Bolt`);
    const clicks = await clickToAck(target, ingest.incidents, SETTINGS.clicks);
    log(`probe sweep: ${SETTINGS.probe.connections} connections`);
    const probe = await probeSweep(target, SETTINGS.probe);
    const peakRssThroughSweepBytes = sampler.peakSinceMark();
    log(`probe sweep: ${SETTINGS.probeSaturated.connections} connections at concurrency ${SETTINGS.probeSaturated.concurrency}`);
    const probeSaturated = await probeSweep(target, SETTINGS.probeSaturated);
    log(`probe sweep by replica processes: ${SETTINGS.replicas.connections} connections with one, then two`);
    const swept = await replicaSweeps(env, fakes, SETTINGS.replicas);
    log(`digests: ${SETTINGS.digest.channels} channels`);
    const digest = await digests(target, SETTINGS.digest);
    // Peak RSS is the app's under load; the randomized runs start two more replicas in this process.
    const peakRssBytes = sampler.peakSinceMark();
    // Last, as the profiler's samples take memory of their own.
    log('ingest → chat.postMessage under the CPU profiler');
    const profiled = await profiledRun(() => ingestToPost(target, { ...SETTINGS.ingestProfiled, label: 'PROFILE' }));
    const profile = { shares: profiled.shares, alerts: profiled.result.latenciesMs.length };
    // Its own replicas on the same database: this app's dispatcher would deliver their rows to the wrong fake.
    await app.stop();
    log(`randomized delivery: ${INTERLEAVING_SEEDS} interleavings over two replicas`);
    const interleaved = await onFreshDatabase(kind, databaseUrl, 'interleavings', (url) => interleavings(url, INTERLEAVING_SEEDS));
    log(`SIGTERM under load: ${SETTINGS.sigterm.perSecond} events/s over two replica processes, the first stopped after ${SETTINGS.sigterm.termAfterMs / 1000} s`);
    const sigterm = await onFreshDatabase(kind, databaseUrl, 'sigterm', (url) => sigtermUnderLoad({ databaseUrl: url, ...SETTINGS.sigterm }));
    const seconds = (performance.now() - started) / 1000;
    log(`done in ${seconds.toFixed(1)} s (${logLines} log lines)`);
    return { kind, ingest, yardstickCpuMs, profile, sigterm, clicks, probe, probeSaturated, replicaSweeps: swept, digest, interleavings: interleaved, peakRssThroughSweepBytes, peakRssBytes, seconds };
  } catch (error) {
    process.stderr.write(`[${kind}] the app's last log lines:\n${recentLogs.join('\n')}\n`);
    throw error;
  } finally {
    await app.stop();
    await fakes.close();
  }
}

/** A database of its own next to `databaseUrl` (its replicas have their own encryption key), removed after. */
async function onFreshDatabase<T>(kind: DatabaseKind, databaseUrl: string, name: string, work: (url: string) => Promise<T>): Promise<T> {
  if (kind === 'sqlite') return work(databaseUrl.replace(/[^/]+\.db$/, `${name}.db`));
  const url = new URL(databaseUrl);
  url.searchParams.set('schema', `${url.searchParams.get('schema')}_${name}`);
  try {
    return await work(url.toString());
  } finally {
    await dropSchema(url);
  }
}

async function postgresUnreachable(url: string): Promise<string | null> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return null;
  } catch (error) {
    return `PostgreSQL at ${new URL(url).host} is unreachable (${(error as Error).message}); set TEST_DATABASE_URL to point at one.`;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function dropSchema(url: URL): Promise<void> {
  const schema = url.searchParams.get('schema');
  const server = new URL(url);
  server.searchParams.delete('schema');
  const client = new Client({ connectionString: server.toString() });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}

// ---- the table ---------------------------------------------------------------------------------------

const LABEL: Record<DatabaseKind, string> = { sqlite: 'SQLite', postgresql: 'PostgreSQL' };

function renderReport(outcomes: Outcome[], totalSeconds: number): string {
  const runs = outcomes.filter((outcome): outcome is DatabaseRun => !('skipped' in outcome));
  const cell = (outcome: Outcome, show: (run: DatabaseRun) => string) => ('skipped' in outcome ? 'skipped' : show(outcome));
  const verdict = (passes: (run: DatabaseRun) => boolean) => {
    if (runs.length === 0) return 'n/a';
    const missed = runs.filter((run) => !passes(run)).map((run) => LABEL[run.kind]);
    return missed.length === 0 ? 'PASS' : `MISS (${missed.join(', ')})`;
  };
  const row = (id: string, what: string, show: (run: DatabaseRun) => string, target = '', result = '') =>
    `| ${id} | ${what} | ${outcomes.map((outcome) => cell(outcome, show)).join(' | ')} | ${target} | ${result} |`;

  const p = (samples: number[], q: number) => percentile(samples, q);
  const ratio = (run: DatabaseRun, q: number) => p(run.clicks.oursMs, q) / p(run.clicks.bareMs, q);
  const digestTotal = (run: DatabaseRun) => run.digest.enqueueMs + run.digest.renderMs;
  const { ingest, clicks, probe, probeSaturated, replicas, digest, sigterm } = SETTINGS;
  const sweepCell = (result: ProbeResult) =>
    `${(result.wallMs / 1000).toFixed(2)} s vs ${(result.idealMs / 1000).toFixed(2)} s (${(result.wallMs / result.idealMs).toFixed(2)}×, ${result.maxInFlight} in flight at most)`;

  const lines = [
    '# Reconnect benchmark',
    '',
    `${new Date().toISOString()} · Node ${process.version} · ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'CPU'} · ${Math.round(megabytes(os.totalmem()))} MB RAM · whole run ${totalSeconds.toFixed(0)} s · the app run as npm start runs it: ${START_SCRIPT}`,
    '',
    `Share of this machine's CPU time stolen by its host while each database ran (steal in /proc/stat: a virtual CPU ready to run while the host ran something else): ${runs.map((run) => `${LABEL[run.kind]} ${run.stolen === null ? 'unknown' : `${(run.stolen * 100).toFixed(1)}%`}`).join(', ')}. CPU time per alert or probe, and the rates that depend on it, vary with it and with the host's processors.`,
    '',
    `| # | measure | ${outcomes.map((outcome) => LABEL[outcome.kind]).join(' | ')} | target | result |`,
    `|---|---|${outcomes.map(() => '---|').join('')}---|---|`,
    row('1', `ingest event → chat.postMessage at the fake Slack, p50 / p99 (${ingest.perSecond * ingest.seconds} events at ${ingest.perSecond}/s, one channel each, after ${SETTINGS.ingestWarmup.perSecond * SETTINGS.ingestWarmup.seconds} to warm up)`,
      (run) => `${ms(p(run.ingest.latenciesMs, 50))} / ${ms(p(run.ingest.latenciesMs, 99))}`,
      `p99 < ${TARGETS.ingestP99Ms} ms`, verdict((run) => p(run.ingest.latenciesMs, 99) < TARGETS.ingestP99Ms)),
    row('', 'CPU time of the app process per alert over that run (user + system, from the first event sent to the last alert posted)',
      (run) => `${run.ingest.cpuPerAlertMs.toFixed(2)} ms`,
      `≤ ${TARGETS.cpuPerAlertMs} ms`, verdict((run) => run.ingest.cpuPerAlertMs <= TARGETS.cpuPerAlertMs)),
    row('', "the same events through a yardstick process that only checks each one's signature, answers 202 and posts a line with Slack's WebClient, no database (informational: what this machine charges for the least an alert needs): its CPU per event",
      (run) => `${run.yardstickCpuMs.toFixed(2)} ms`),
    row('', "CPU per alert beyond the yardstick: Reconnect minus yardstick (informational: the part of the row two above that is Reconnect's own work)",
      (run) => `${(run.ingest.cpuPerAlertMs - run.yardstickCpuMs).toFixed(2)} ms (${(run.ingest.cpuPerAlertMs / run.yardstickCpuMs).toFixed(1)}× the yardstick)`),
    row('2', `signed \`acknowledge\` click → HTTP ack, Reconnect, p50 / p99 (${clicks.samples} clicks, one pair every ${clicks.intervalMs} ms)`, (run) => `${ms(p(run.clicks.oursMs, 50))} / ${ms(p(run.clicks.oursMs, 99))}`),
    row('', 'same click → ack, bare Bolt app that only acks, p50 / p99', (run) => `${ms(p(run.clicks.bareMs, 50))} / ${ms(p(run.clicks.bareMs, 99))}`),
    row('', 'ratio Reconnect / bare Bolt, p50 / p99', (run) => `${ratio(run, 50).toFixed(2)} / ${ratio(run, 99).toFixed(2)}`,
      `≤ ${TARGETS.clickRatio} (both)`, verdict((run) => ratio(run, 50) <= TARGETS.clickRatio && ratio(run, 99) <= TARGETS.clickRatio)),
    row('3', `probe sweep, ${probe.connections.toLocaleString('en')} OAuth connections, ${probe.latencyMs} ms token endpoint, concurrency ${probe.concurrency} (per provider ${probe.perProviderConcurrency}): wall vs ideal`,
      (run) => sweepCell(run.probe),
      `≤ ${TARGETS.probeFactor}× ideal`, verdict((run) => run.probe.wallMs <= TARGETS.probeFactor * run.probe.idealMs)),
    row('', `the same sweep at concurrency ${probeSaturated.concurrency} (informational: the CPU of one process sets the pace), and probes per second`,
      (run) => `${sweepCell(run.probeSaturated)}, ${Math.round(probeSaturated.connections / (run.probeSaturated.wallMs / 1000))}/s`),
    row('4', `digests for ${digest.channels.toLocaleString('en')} subscribed channels (one workspace, ${digest.connections} connections, a quarter broken): enqueue (\`runDigests\`) + render`,
      (run) => `${ms(run.digest.enqueueMs)} + ${ms(run.digest.renderMs)} = ${ms(digestTotal(run))}`,
      `< ${TARGETS.digestMs / 1000} s`, verdict((run) => digestTotal(run) < TARGETS.digestMs)),
    row('', 'the same digests delivered: kick → all at the fake Slack (informational)', (run) => ms(run.digest.deliverMs)),
    row('5', `peak RSS of the database's own process (one Prisma engine), sampled every 100 ms from its start through the ${probe.connections.toLocaleString('en')}-connection sweep`, (run) => `${megabytes(run.peakRssThroughSweepBytes).toFixed(0)} MB`,
      `≤ ${TARGETS.rssMb} MB`, verdict((run) => megabytes(run.peakRssThroughSweepBytes) <= TARGETS.rssMb)),
    row('', 'the same through the sweep at concurrency 100 and the digests too (informational)', (run) => `${megabytes(run.peakRssBytes).toFixed(0)} MB`),
    row('6', 'randomized delivery over two replicas (late, repeated events; slow Slack with 429s; a replica killed mid-post): interleavings run / events / incidents / broke an invariant',
      (run) => `${run.interleavings.runs} / ${run.interleavings.events} / ${run.interleavings.incidents} / ${run.interleavings.broken.length}`,
      'none broken', verdict((run) => run.interleavings.broken.length === 0)),
    ...replicaRows((id, what, show, target, result) => row(id, what, (run) => show(run.replicaSweeps), target, result), (passes) => verdict((run) => passes(run.replicaSweeps)), replicas, TARGETS.replicaSpeedup),
    row('8', `SIGTERM under load: ${sigterm.perSecond} events/s for ${sigterm.seconds} s over two replica processes, the first stopped after ${sigterm.termAfterMs / 1000} s: accepted by it / by the other / lost / posted twice; its shutdown`,
      (run) => `${run.sigterm.acceptedByStopped} / ${run.sigterm.acceptedByOther} / ${run.sigterm.lost} / ${run.sigterm.duplicated}; exit ${run.sigterm.exitCode} after ${ms(run.sigterm.shutdownMs)}`,
      'none lost or twice', verdict((run) => run.sigterm.lost === 0 && run.sigterm.duplicated === 0 && run.sigterm.exitCode === 0 && run.sigterm.acceptedByStopped + run.sigterm.acceptedByOther === run.sigterm.sent)),
    ...runs.flatMap((run) => run.interleavings.broken.map((broken) => `${LABEL[run.kind]} seed ${broken.seed}: ${broken.violations.join('; ')}`)),
    '',
    ...profileSummary(runs),
    '',
    `Peak RSS of each database's process over its whole run, with the randomized runs' two replicas: ${runs.map((run) => `${LABEL[run.kind]} ${megabytes(run.wholeRunPeakRssBytes).toFixed(0)} MB`).join(', ')}.`,
    ...outcomes.filter((outcome): outcome is { kind: DatabaseKind; skipped: string } => 'skipped' in outcome).map((outcome) => `${LABEL[outcome.kind]} skipped: ${outcome.skipped}`),
    '',
  ];
  return lines.join('\n');
}

/** Where the CPU of an alert goes, per database: the owners of the code V8's profiler found running. */
function profileSummary(runs: DatabaseRun[]): string[] {
  if (runs.length === 0) return [];
  const top = 8;
  const lines = ['', `Where the CPU per alert goes (V8's sampling profiler over ${SETTINGS.ingestProfiled.perSecond * SETTINGS.ingestProfiled.seconds} more alerts at ${SETTINGS.ingestProfiled.perSecond}/s; ms per alert, the ${top} largest, then the rest):`, ''];
  lines.push(`| ${runs.map((run) => `${LABEL[run.kind]} | ms`).join(' | ')} |`, `|${runs.map(() => '---|---:|').join('')}`);
  const columns = runs.map((run) => {
    const perAlert = run.profile.shares.map((share) => ({ owner: share.owner, ms: share.ms / run.profile.alerts }));
    const rest = perAlert.slice(top).reduce((sum, share) => sum + share.ms, 0);
    const total = perAlert.reduce((sum, share) => sum + share.ms, 0);
    return [...perAlert.slice(0, top).map((share) => [share.owner, share.ms.toFixed(2)]), ['the rest', rest.toFixed(2)], ['**all sampled**', `**${total.toFixed(2)}**`]];
  });
  const height = Math.max(...columns.map((column) => column.length));
  for (let i = 0; i < height; i += 1) lines.push(`| ${columns.map((column) => (column[i] ?? ['', '']).join(' | ')).join(' | ')} |`);
  return lines;
}

main().catch((error: unknown) => {
  process.stderr.write(`Benchmark failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
