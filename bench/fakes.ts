import { fork } from 'node:child_process';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startFakeSlack } from '../test/fakes/fake-slack';
import { wallClock } from './stats';

/**
 * The tests' fake Slack and just enough of an OAuth token endpoint for the benchmark. They run in a child process:
 * in the app's process their CPU and memory would be charged to the app, which the real Slack and a real
 * provider never are. They stamp each request's arrival, where the benchmark's latencies end.
 */

export interface SlackPost {
  channel: string;
  threadTs?: string;
  /** `wallClock()` at arrival. */
  at: number;
}

export interface TokenStats {
  requests: number;
  maxInFlight: number;
}

export interface BenchFakes {
  /** Origin of the fake Slack; `response_url`s can point anywhere under it. */
  slackUrl: string;
  /** The Web API base URL, as `SLACK_API_URL` expects. */
  slackApiUrl: string;
  tokenUrl: string;
  posts: SlackPost[];
  /** Resolves once `count` posts match, or rejects after `timeoutMs`. */
  waitForPosts(match: (post: SlackPost) => boolean, count: number, timeoutMs: number): Promise<SlackPost[]>;
  tokenStats(): Promise<TokenStats>;
  /** Starts counting refreshes and the most in flight afresh, for the next sweep. */
  resetTokenStats(): Promise<void>;
  /**
   * POSTs from the child process and times it there, from sending to the whole answer: a client in the
   * app's process would wait for the app's own work after the answer and charge it to the answer.
   */
  timedPost(url: string, headers: Record<string, string>, body: string): Promise<TimedAnswer>;
  /**
   * Sends `requests` from the child process at `perSecond`, on schedule whether or not earlier ones were
   * answered (an open loop), and resolves with when each was sent, on the clock that stamps `posts`.
   */
  openLoop(requests: LoadRequest[], perSecond: number): Promise<LoadAnswer[]>;
  close(): Promise<void>;
}

export interface LoadRequest {
  key: string;
  url: string;
  headers: Record<string, string>;
  body: string;
}

export interface LoadAnswer {
  key: string;
  /** `wallClock()` in the child when the request went out. */
  sentAt: number;
  status: number;
}

export interface TimedAnswer {
  status: number;
  ms: number;
}

export const BENCH_TEAM = { id: 'T0BENCH01', name: 'Reconnect Bench', domain: 'reconnect-bench' };
export const BENCH_BOT_TOKEN = 'xoxb-bench-token';

type FromFakes =
  | { type: 'ready'; slackUrl: string; tokenUrl: string }
  | { type: 'post'; post: SlackPost }
  | { type: 'tokenStats'; stats: TokenStats }
  | { type: 'timed'; id: number; answer: TimedAnswer }
  | { type: 'loaded'; id: number; answers: LoadAnswer[] };

type ToFakes =
  | { type: 'tokenStats' }
  | { type: 'resetTokenStats' }
  | { type: 'timedPost'; id: number; url: string; headers: Record<string, string>; body: string }
  | { type: 'openLoop'; id: number; requests: LoadRequest[]; perSecond: number };

export async function startFakes(tokenLatencyMs: number): Promise<BenchFakes> {
  const child = fork(__filename, [String(tokenLatencyMs)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const posts: SlackPost[] = [];
  const statsWaiters: ((stats: TokenStats) => void)[] = [];
  const waiters = new Map<number, (answer: unknown) => void>();
  let nextId = 0;
  const ask = (message: ToFakes) => void child.send(message);
  /** Sends one question and resolves with the child's answer to it. */
  const request = <T>(question: (id: number) => ToFakes) => {
    nextId += 1;
    const id = nextId;
    return new Promise<T>((resolve) => {
      waiters.set(id, (answer) => {
        waiters.delete(id);
        resolve(answer as T);
      });
      ask(question(id));
    });
  };
  const tokenStats = () =>
    new Promise<TokenStats>((resolve) => {
      statsWaiters.push(resolve);
      ask({ type: 'tokenStats' });
    });
  const { slackUrl, tokenUrl } = await new Promise<{ slackUrl: string; tokenUrl: string }>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the fake servers exited (${code}) before they were ready`)));
    child.on('message', (message: FromFakes) => {
      if (message.type === 'ready') resolve(message);
      else if (message.type === 'post') posts.push(message.post);
      else if (message.type === 'timed') waiters.get(message.id)?.(message.answer);
      else if (message.type === 'loaded') waiters.get(message.id)?.(message.answers);
      else statsWaiters.shift()?.(message.stats);
    });
  });
  return {
    slackUrl,
    slackApiUrl: `${slackUrl}/api/`,
    tokenUrl,
    posts,
    async waitForPosts(match, count, timeoutMs) {
      const deadline = wallClock() + timeoutMs;
      for (;;) {
        const found = posts.filter(match);
        if (found.length >= count) return found;
        if (wallClock() > deadline) throw new Error(`fake Slack received ${found.length} of ${count} expected posts in ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
    tokenStats,
    async resetTokenStats() {
      ask({ type: 'resetTokenStats' });
      // The child handles messages in order: once this answers, the reset is done.
      await tokenStats();
    },
    timedPost(url, headers, body) {
      return request<TimedAnswer>((id) => ({ type: 'timedPost', id, url, headers, body }));
    },
    openLoop(requests, perSecond) {
      return request<LoadAnswer[]>((id) => ({ type: 'openLoop', id, requests, perSecond }));
    },
    async close() {
      child.kill();
      await exited;
    },
  };
}

// ---- in the child process ----------------------------------------------------------------------------

if (require.main === module) {
  // Never outlive the benchmark, even when it dies without closing us.
  process.on('disconnect', () => process.exit(0));
  void serve(Number(process.argv[2]));
}

async function serve(tokenLatencyMs: number): Promise<void> {
  const send = (message: FromFakes) => void process.send!(message);
  // The tests' fake Slack, in this process; only the arrival of each post crosses to the benchmark.
  const slack = await startFakeSlack({
    team: BENCH_TEAM,
    botTokens: [BENCH_BOT_TOKEN],
    now: wallClock,
    onCall: (call) => {
      if (call.method !== 'chat.postMessage') return;
      send({ type: 'post', post: { channel: String(call.args.channel), at: call.at, ...(call.args.thread_ts ? { threadTs: String(call.args.thread_ts) } : {}) } });
    },
  });
  const stats: TokenStats = { requests: 0, maxInFlight: 0 };
  let inFlight = 0;
  // Grants every refresh, rotating the refresh token as most providers do.
  const tokens = http.createServer((req, res) => {
    stats.requests += 1;
    inFlight += 1;
    stats.maxInFlight = Math.max(stats.maxInFlight, inFlight);
    void readForm(req).then(() =>
      setTimeout(() => {
        inFlight -= 1;
        json(res, { access_token: `at_bench_${stats.requests}`, token_type: 'Bearer', expires_in: 3600, refresh_token: `rt_bench_${stats.requests}` });
      }, tokenLatencyMs),
    );
  });

  process.on('message', (message: ToFakes) => {
    if (message.type === 'tokenStats') send({ type: 'tokenStats', stats: { ...stats } });
    else if (message.type === 'resetTokenStats') Object.assign(stats, { requests: 0, maxInFlight: inFlight });
    else if (message.type === 'timedPost') void timedPost(message).then((answer) => send({ type: 'timed', id: message.id, answer }));
    else void openLoop(message.requests, message.perSecond).then((answers) => send({ type: 'loaded', id: message.id, answers }));
  });
  const tokensUrl = await listen(tokens);
  send({ type: 'ready', slackUrl: slack.url.replace(/\/api\/$/, ''), tokenUrl: `${tokensUrl}/token` });
}

async function timedPost(request: { url: string; headers: Record<string, string>; body: string }): Promise<TimedAnswer> {
  const started = performance.now();
  const response = await fetch(request.url, { method: 'POST', headers: request.headers, body: request.body });
  await response.arrayBuffer();
  return { status: response.status, ms: performance.now() - started };
}

async function openLoop(requests: LoadRequest[], perSecond: number): Promise<LoadAnswer[]> {
  const start = wallClock();
  const answers: Promise<LoadAnswer>[] = [];
  for (const [i, request] of requests.entries()) {
    const due = start + (i * 1000) / perSecond;
    if (due > wallClock()) await new Promise((resolve) => setTimeout(resolve, due - wallClock()));
    const sentAt = wallClock();
    answers.push(
      fetch(request.url, { method: 'POST', headers: request.headers, body: request.body }).then(async (response) => {
        await response.arrayBuffer();
        return { key: request.key, sentAt, status: response.status };
      }),
    );
  }
  return Promise.all(answers);
}

async function readForm(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks).toString('utf8');
  if ((req.headers['content-type'] ?? '').includes('application/json')) return body ? (JSON.parse(body) as Record<string, unknown>) : {};
  return Object.fromEntries(new URLSearchParams(body));
}

function json(res: ServerResponse, body: unknown): void {
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}

async function listen(server: http.Server): Promise<string> {
  // Idle connections stay open across scenarios: a server closing one just as the client reuses it
  // fails that request (UND_ERR_SOCKET), a race of Node's 5 s default that real providers make rarer.
  server.keepAliveTimeout = 120_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}
