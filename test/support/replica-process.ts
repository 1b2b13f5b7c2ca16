import { spawn, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { FAKE_SLACK_DEFAULTS } from '../fakes/fake-slack';
import { TEST_SIGNING_SECRET } from '../fakes/slack-requests';
import { freePort, TEST_SECRETS } from './test-app';

/**
 * `src/main.ts` in a process of its own, started the way production starts it, for tests that kill a
 * replica or run several on one database. Each gets a free port, the test secrets, the fake Slack and only
 * the environment given here (plus PATH), so nothing of the developer's shell or `.env` leaks in.
 */

/** Compiled by `npm run bench` into dist/, it starts the compiled app; in the tests, the TypeScript sources. */
const COMPILED = __filename.endsWith('.js');
const ROOT = path.resolve(__dirname, COMPILED ? '../../..' : '../..');
const MAIN = COMPILED ? [path.join(ROOT, 'dist/src/main.js')] : ['-r', path.join(ROOT, 'test/support/ts-register.js'), path.join(ROOT, 'src/main.ts')];

export interface ReplicaProcess {
  url: string;
  process: ChildProcess;
  /** Everything the process wrote to stdout and stderr, in order. */
  output: string[];
  exited: Promise<void>;
}

export interface ReplicaOptions {
  databaseUrl: string;
  /** The fake Slack's Web API URL (`FakeSlack.url`). */
  slackUrl: string;
  /** Default: the fake Slack's default bot token. */
  botToken?: string;
  /**
   * Added to the environment below or overriding it: LOG_LEVEL, OUTBOX_LEASE_MS, PROBE_INTERVAL_MINUTES,
   * PROBE_CONCURRENCY, GENERIC_OAUTH_* and OAUTH_ALLOW_INSECURE_HTTP for a local provider, ...
   */
  env?: Record<string, string>;
  /** How long start-up may take before the test gives up (two processes compiling at once on a busy machine are slow). */
  startTimeoutMs?: number;
}

export async function startReplica(options: ReplicaOptions): Promise<ReplicaProcess> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, MAIN, {
    // Outside the repository, so a developer's .env can't change what the test runs.
    cwd: os.tmpdir(),
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'test',
      LOG_LEVEL: 'info',
      PORT: String(port),
      PUBLIC_URL: url,
      DATABASE_URL: options.databaseUrl,
      SLACK_SIGNING_SECRET: TEST_SIGNING_SECRET,
      SLACK_BOT_TOKEN: options.botToken ?? FAKE_SLACK_DEFAULTS.botToken,
      SLACK_API_URL: options.slackUrl,
      INGEST_SECRET: TEST_SECRETS.ingest,
      ADMIN_TOKEN: TEST_SECRETS.admin,
      ENCRYPTION_KEYS: `k1:${TEST_SECRETS.encryptionKey}`,
      OUTBOX_POLL_MS: '50',
      PROBE_INTERVAL_MINUTES: '0',
      BURST_WINDOW_SECONDS: '0',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  child.stdout!.on('data', (chunk: Buffer) => output.push(chunk.toString('utf8')));
  child.stderr!.on('data', (chunk: Buffer) => output.push(chunk.toString('utf8')));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const replica = { url, process: child, output, exited };
  const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
  for (;;) {
    if (child.exitCode !== null) throw new Error(`replica exited during start-up:\n${output.join('')}`);
    const healthy = await fetch(`${url}/healthz`).then((response) => response.ok, () => false);
    if (healthy) return replica;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`replica did not start:\n${output.join('')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * Starts `count` replicas side by side. Each one that came up is pushed to `started` before a failure of
 * another is thrown, so the caller's cleanup stops it either way.
 */
export async function startReplicas(count: number, options: ReplicaOptions, started: ReplicaProcess[]): Promise<void> {
  const results = await Promise.allSettled(Array.from({ length: count }, () => startReplica(options)));
  for (const result of results) if (result.status === 'fulfilled') started.push(result.value);
  const failed = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failed) throw failed.reason;
}

/** SIGTERM, as an orchestrator stops a replica, and waits for the process to exit. */
export async function stopReplica(replica: ReplicaProcess): Promise<void> {
  if (isRunning(replica)) replica.process.kill('SIGTERM');
  await replica.exited;
}

/** SIGKILL: the process dies on the spot, with whatever it had claimed or had in flight. */
export async function killReplica(replica: ReplicaProcess): Promise<void> {
  if (isRunning(replica)) replica.process.kill('SIGKILL');
  await replica.exited;
}

export function isRunning(replica: ReplicaProcess): boolean {
  return replica.process.exitCode === null && replica.process.signalCode === null;
}

export interface LogLine {
  time: string;
  level: string;
  msg: string;
  [field: string]: unknown;
}

/** The replica's JSON log lines, parsed; anything else it wrote (a Node warning, a stack) is left out. */
export function logLines(replica: ReplicaProcess): LogLine[] {
  return replica.output
    .join('')
    .split('\n')
    .flatMap((line) => {
      if (!line.startsWith('{')) return [];
      try {
        const parsed = JSON.parse(line) as LogLine;
        return typeof parsed.msg === 'string' ? [parsed] : [];
      } catch {
        return [];
      }
    });
}
