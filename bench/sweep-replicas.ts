import { fork, type ChildProcess } from 'node:child_process';
import { createCore, probeDepsFromCore, type Core } from '../src/app';
import { loadConfig } from '../src/config';
import { parseDatabaseUrl, type DatabaseKind } from '../src/db/database-url';
import { runProbeSweep, type SweepCounts } from '../src/domain/probe';
import type { BenchFakes } from './fakes';
import { seedProbeConnections } from './seed';
import { wallClock } from './stats';

/**
 * Probes per second with one replica and with two: each replica is a process of its own (the app's core,
 * as `npm start` builds it, without the HTTP server), all sweeping one database at the same moment, as
 * every replica does at each minute's fire. Both runs in the same benchmark run, on fresh connections.
 */

export interface ReplicaSweep {
  replicas: number;
  wallMs: number;
  /** Connections each replica probed; their sum is the sweep. */
  probedBy: number[];
  /** The most refreshes the token endpoint had in flight at once, across the replicas. */
  maxInFlight: number;
}

export interface ReplicaSweeps {
  database: DatabaseKind;
  one: ReplicaSweep;
  two: ReplicaSweep;
}

export interface ReplicaSweepOptions {
  connections: number;
  concurrency: number;
}

type ToSweeper = { type: 'start'; env: Record<string, string> } | { type: 'go' } | { type: 'stop' };
type FromSweeper = { type: 'ready' } | { type: 'swept'; counts: SweepCounts } | { type: 'failed'; error: string };

/** `env` is the benchmark app's environment: the same database, key and token endpoint. */
export async function replicaSweeps(env: Record<string, string>, fakes: BenchFakes, options: ReplicaSweepOptions): Promise<ReplicaSweeps> {
  const one = await sweepWith(1, env, fakes, options);
  const two = await sweepWith(2, env, fakes, options);
  return { database: parseDatabaseUrl(env.DATABASE_URL!).kind, one, two };
}

let seedings = 0;

async function sweepWith(replicas: number, env: Record<string, string>, fakes: BenchFakes, options: ReplicaSweepOptions): Promise<ReplicaSweep> {
  const sweeperEnv = {
    ...env,
    LOG_LEVEL: 'warn',
    PROBE_CONCURRENCY: String(options.concurrency),
    PROBE_PROVIDER_CONCURRENCY: String(options.concurrency),
  };
  const sweepers = await Promise.all(Array.from({ length: replicas }, () => startSweeper(sweeperEnv)));
  try {
    seedings += 1;
    await seedProbeConnections({ databaseUrl: env.DATABASE_URL!, encryptionKeys: env.ENCRYPTION_KEYS!, connections: options.connections, tag: `replicas${seedings}` });
    await fakes.resetTokenStats();
    const started = wallClock();
    const counts = await Promise.all(sweepers.map((sweeper) => sweeper.sweep()));
    const wallMs = wallClock() - started;
    const ok = counts.reduce((sum, count) => sum + count.ok, 0);
    if (ok !== options.connections || counts.some((count) => count.errors > 0)) {
      throw new Error(`${replicas} replicas' sweep: expected ${options.connections} ok, got ${JSON.stringify(counts)}`);
    }
    const stats = await fakes.tokenStats();
    if (stats.requests !== options.connections) throw new Error(`${replicas} replicas' sweep made ${stats.requests} refreshes for ${options.connections} connections`);
    return { replicas, wallMs, probedBy: counts.map((count) => count.probed), maxInFlight: stats.maxInFlight };
  } finally {
    await Promise.all(sweepers.map((sweeper) => sweeper.stop()));
  }
}

interface Sweeper {
  sweep(): Promise<SweepCounts>;
  stop(): Promise<void>;
}

async function startSweeper(env: Record<string, string>): Promise<Sweeper> {
  const child: ChildProcess = fork(__filename, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const next = () =>
    new Promise<FromSweeper>((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`a sweeper exited (${code})`));
      child.once('exit', onExit);
      child.once('message', (message: FromSweeper) => {
        child.off('exit', onExit);
        if (message.type === 'failed') reject(new Error(`a sweeper failed: ${message.error}`));
        else resolve(message);
      });
    });
  const send = (message: ToSweeper) => child.send(message);
  const ready = next();
  send({ type: 'start', env });
  await ready;
  return {
    async sweep() {
      const swept = next();
      send({ type: 'go' });
      const answer = await swept;
      if (answer.type !== 'swept') throw new Error(`a sweeper answered ${answer.type}`);
      return answer.counts;
    },
    async stop() {
      if (child.exitCode === null) send({ type: 'stop' });
      await exited;
    },
  };
}

// ---- in the sweeper process --------------------------------------------------------------------------

if (require.main === module) {
  process.on('disconnect', () => process.exit(0));
  let core: Core | undefined;
  const send = (message: FromSweeper) => void process.send!(message);
  const failed = (error: unknown) => send({ type: 'failed', error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  process.on('message', (message: ToSweeper) => {
    if (message.type === 'start') {
      createCore(loadConfig(message.env), { logSink: (line) => void process.stderr.write(`${line}\n`) }).then((created) => {
        core = created;
        send({ type: 'ready' });
      }, failed);
    } else if (message.type === 'go') {
      runProbeSweep(probeDepsFromCore(core!)).then((counts) => send({ type: 'swept', counts }), failed);
    } else {
      void core?.db.close().finally(() => process.exit(0));
    }
  });
}

// ---- the table's rows --------------------------------------------------------------------------------

type Row = (id: string, what: string, show: (sweeps: ReplicaSweeps) => string, target?: string, result?: string) => string;
type Verdict = (passes: (sweeps: ReplicaSweeps) => boolean) => string;

export const probesPerSecond = (sweep: ReplicaSweep) => sweep.probedBy.reduce((sum, probed) => sum + probed, 0) / (sweep.wallMs / 1000);
export const replicaSpeedup = (sweeps: ReplicaSweeps) => probesPerSecond(sweeps.two) / probesPerSecond(sweeps.one);

export function replicaRows(row: Row, verdict: Verdict, options: ReplicaSweepOptions, targetSpeedup: number): string[] {
  const rate = (sweep: ReplicaSweep) => `${Math.round(probesPerSecond(sweep)).toLocaleString('en')}/s`;
  return [
    row('7', `probe sweep by replica processes on one database, ${options.connections.toLocaleString('en')} connections, concurrency ${options.concurrency} each: probes per second with one replica; with two (connections each probed)`,
      (sweeps) => `${rate(sweeps.one)}; ${rate(sweeps.two)} (${sweeps.two.probedBy.map((probed) => probed.toLocaleString('en')).join(' + ')})`),
    // Replicas share one PostgreSQL (README, "Running several replicas"); on one SQLite file their writes take turns.
    row('', 'probes per second, two replicas / one (SQLite informational: replicas run on PostgreSQL)', (sweeps) => `${replicaSpeedup(sweeps).toFixed(2)}×`, `≥ ${targetSpeedup}× (PostgreSQL)`,
      verdict((sweeps) => sweeps.database === 'sqlite' || replicaSpeedup(sweeps) >= targetSpeedup)),
  ];
}
