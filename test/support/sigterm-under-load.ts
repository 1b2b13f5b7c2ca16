import { randomUUID } from 'node:crypto';
import { openDatabase } from '../../src/db/client';
import { FAKE_SLACK_DEFAULTS, startFakeSlack } from '../fakes/fake-slack';
import { postIngest } from '../fakes/ingest-requests';
import { isRunning, startReplicas, stopReplica, killReplica, type ReplicaProcess } from './replica-process';
import { waitFor } from './wait';

/**
 * A replica stopped the way an orchestrator stops it (SIGTERM) while signed ingest events arrive at a
 * steady rate. The data platform sends each event to the first replica and, when that one no longer takes
 * connections or a connection broke mid-request, sends the same event to the second (the event id makes
 * a repeat harmless). Every event either replica answered 202 must end as exactly one alert in its
 * channel: none lost in the stopping replica's shutdown, none posted twice by the two.
 * Shared by test/faults/sigterm-under-load.test.ts and `npm run bench`.
 */

export interface SigtermLoadOptions {
  databaseUrl: string;
  perSecond: number;
  seconds: number;
  /** When the first replica gets SIGTERM, from the first event. */
  termAfterMs: number;
}

export interface SigtermLoadResult {
  sent: number;
  /** Answered 202 by the replica that was stopped, and by the other (sent there when the first refused or broke the connection). */
  acceptedByStopped: number;
  acceptedByOther: number;
  /** Accepted events whose channel got no alert, and channels that got more than one. */
  lost: number;
  duplicated: number;
  /** The stopped replica's exit: 0 after a clean shutdown. */
  exitCode: number | null;
  /** From SIGTERM to the process's exit. */
  shutdownMs: number;
}

const TEAM = FAKE_SLACK_DEFAULTS.team.id;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function sigtermUnderLoad(options: SigtermLoadOptions): Promise<SigtermLoadResult> {
  const slack = await startFakeSlack();
  const replicas: ReplicaProcess[] = [];
  const db = await openDatabase(options.databaseUrl, { poolSize: 2 });
  try {
    await startReplicas(2, { databaseUrl: options.databaseUrl, slackUrl: slack.url, env: { LOG_LEVEL: 'warn' } }, replicas);
    const [stopped, other] = replicas as [ReplicaProcess, ReplicaProcess];
    const count = options.perSecond * options.seconds;
    const run = randomUUID().slice(0, 8);
    const connections = Array.from({ length: count }, (_, i) => ({
      id: randomUUID(),
      teamId: TEAM,
      provider: 'meta_ads',
      kind: 'ad_platform',
      name: `Meta Ads ${run} ${i}`,
      externalAccountId: `act_term_${run}_${i}`,
      channelId: `C0TERM${run}${i}`.toUpperCase(),
    }));
    for (let i = 0; i < connections.length; i += 100) await db.prisma.connection.createMany({ data: connections.slice(i, i + 100) });

    let acceptedByStopped = 0;
    let acceptedByOther = 0;
    const accepted: string[] = [];
    const send = async (connection: (typeof connections)[number], i: number) => {
      const event = { eventId: `term-${run}-${i}`, connectionId: connection.id, status: 'authorization_required', reason: 'token_revoked', occurredAt: new Date().toISOString() };
      const first = await postIngest(stopped.url, event).catch(() => null);
      if (first?.status === 202) {
        acceptedByStopped += 1;
      } else {
        const second = await postIngest(other.url, event);
        if (second.status !== 202) throw new Error(`the second replica answered ${second.status} to event ${i}`);
        acceptedByOther += 1;
      }
      accepted.push(connection.channelId);
    };

    const started = Date.now();
    let termAt = 0;
    const terminated = (async () => {
      await sleep(options.termAfterMs);
      termAt = Date.now();
      stopped.process.kill('SIGTERM');
      await stopped.exited;
      return Date.now() - termAt;
    })();
    const answers: Promise<void>[] = [];
    for (let i = 0; i < count; i += 1) {
      const due = started + (i * 1000) / options.perSecond;
      if (due > Date.now()) await sleep(due - Date.now());
      answers.push(send(connections[i]!, i));
    }
    await Promise.all(answers);
    const shutdownMs = await terminated;

    const topLevel = (channel: string) => slack.messages(channel).filter((message) => !message.thread_ts).length;
    // The other replica delivers what the stopped one left in the outbox (it polls every 50 ms).
    await waitFor(async () => accepted.every((channel) => topLevel(channel) > 0), 30_000, 100).catch(() => undefined);
    // Anything posted twice would show by now: both replicas deliver within milliseconds.
    await sleep(500);
    return {
      sent: count,
      acceptedByStopped,
      acceptedByOther,
      lost: accepted.filter((channel) => topLevel(channel) === 0).length,
      duplicated: accepted.filter((channel) => topLevel(channel) > 1).length,
      exitCode: stopped.process.exitCode,
      shutdownMs,
    };
  } finally {
    await Promise.all(replicas.map((replica) => (isRunning(replica) ? killReplica(replica) : stopReplica(replica))));
    await db.close();
    await slack.close();
  }
}
