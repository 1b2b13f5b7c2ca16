import { WebClient } from '@slack/web-api';
import type { ReconnectApp } from '../../src/app';
import { claim } from '../../src/db/outbox';
import { signBody } from '../../src/lib/signature';
import { ALERT_EVENT_TYPE } from '../../src/slack/delivery/alert';
import { FAKE_SLACK_DEFAULTS, type FakeSlack } from '../fakes/fake-slack';

/**
 * One randomized run against two replicas of the real app on one database: a seeded sequence of drop /
 * recover / counts / degraded events (some arriving late, dated before earlier ones) for connections of
 * two workspaces, sent to either replica; Slack slow and answering 429s; and once a replica "killed
 * mid-post": it claims a row and, half the time, gets the alert into Slack before it dies without
 * recording it. When everything has settled the delivery invariants are checked. The jest suite runs a
 * few seeds; `npm run bench` runs many.
 */

export interface Replica {
  app: ReconnectApp;
  url: string;
}

export interface InterleavingOptions {
  seed: number;
  replicas: [Replica, Replica];
  slack: FakeSlack;
  ingestSecret: string;
  /** Connection ids by team, created by the caller in these channels. */
  connections: { id: string; teamId: string; channelId: string }[];
  steps?: number;
}

export interface InterleavingResult {
  seed: number;
  events: number;
  incidents: number;
  violations: string[];
}

type Status = 'authorization_required' | 'connected' | 'degraded';

export function seededRandom(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

async function ingest(url: string, secret: string, body: Record<string, unknown>): Promise<number> {
  const raw = JSON.stringify(body);
  const timestamp = Math.floor(Date.now() / 1000);
  const response = await fetch(`${url}/api/v1/connection-events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'X-Reconnect-Timestamp': String(timestamp), 'X-Reconnect-Signature': signBody(secret, timestamp, raw) },
    body: raw,
  });
  await response.arrayBuffer();
  return response.status;
}

export async function runInterleaving(options: InterleavingOptions): Promise<InterleavingResult> {
  const { seed, replicas, slack, connections } = options;
  const random = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const prisma = replicas[0].app.core.db.prisma;
  const violations: string[] = [];

  slack.failRate('chat.postMessage', 0.15, 'ratelimited');
  slack.failRate('chat.update', 0.1, 'ratelimited');
  slack.delay('*', Math.floor(random() * 200));

  const steps = options.steps ?? 14;
  const killAt = Math.floor(random() * steps);
  const start = Date.now() - 120_000;
  for (let step = 0; step < steps; step += 1) {
    const connection = pick(connections);
    const kind = pick(['drop', 'drop', 'recover', 'counts', 'degraded'] as const);
    const status: Status = kind === 'recover' ? 'connected' : kind === 'degraded' ? 'degraded' : 'authorization_required';
    // A late event is dated before the ones already sent.
    const late = random() < 0.15;
    const occurredAt = new Date(start + (late ? step - 3 : step) * 5000).toISOString();
    const body: Record<string, unknown> = { eventId: `seed${seed}-step${step}`, connectionId: connection.id, status, occurredAt };
    if (status !== 'connected') body.reason = status === 'degraded' ? 'third_party_outage' : 'token_revoked';
    if (kind === 'counts') body.counts = { adsCreated: Math.floor(random() * 20), queuedTouchpoints: Math.floor(random() * 500) };
    const answered = await ingest(pick(replicas).url, options.ingestSecret, body);
    if (answered !== 202) violations.push(`step ${step}: ingest answered ${answered}`);
    // Slack retries webhooks; the data platform may too: the same event to the other replica.
    if (random() < 0.2) await ingest(pick(replicas).url, options.ingestSecret, body);
    if (step === killAt) await killMidPost(prisma, slack, random() < 0.5);
    await new Promise((resolve) => setTimeout(resolve, Math.floor(random() * 120)));
  }

  const settled = await settle(prisma, 60_000);
  if (!settled) violations.push('outbox did not settle within 60 s');
  slack.failRate('chat.postMessage', 0);
  slack.failRate('chat.update', 0);
  slack.delay('*', 0);

  const failed = await prisma.outboxMessage.findMany({ where: { state: 'failed' }, select: { kind: true, lastError: true } });
  for (const row of failed) violations.push(`outbox row ${row.kind} failed: ${row.lastError}`);

  const incidents = await prisma.incident.findMany({ where: { connectionId: { in: connections.map((c) => c.id) } } });
  const teamOfChannel = new Map(connections.map((c) => [c.channelId, c.teamId]));
  for (const incident of incidents) {
    if (incident.closedAt && incident.closedAt < incident.openedAt) violations.push(`incident ${incident.id} closed before it opened`);
    const channel = incident.channelId ?? '';
    const tops = slack.messages(channel).filter((message) => !message.thread_ts || message.thread_ts === message.ts);
    const mine = tops.filter((message) => (message.metadata as { event_payload?: { incident_id?: string } } | undefined)?.event_payload?.incident_id === incident.id);
    if (mine.length !== 1) violations.push(`incident ${incident.id}: ${mine.length} top-level messages`);
    if (mine[0] && incident.messageTs !== mine[0].ts) violations.push(`incident ${incident.id}: recorded ts ${incident.messageTs} is not the posted ${mine[0].ts}`);
    const shown = mine[0]?.text ?? '';
    const showsOpen = shown.includes('needs reauthorization');
    if (mine[0] && showsOpen !== (incident.state === 'open')) violations.push(`incident ${incident.id} is ${incident.state} but its message says "${shown.slice(0, 80)}"`);
    if (teamOfChannel.get(channel) !== incident.teamId) violations.push(`incident ${incident.id} of ${incident.teamId} posted in ${channel}`);
  }
  for (const channel of teamOfChannel.keys()) {
    for (const message of slack.messages(channel)) {
      const id = (message.metadata as { event_payload?: { incident_id?: string } } | undefined)?.event_payload?.incident_id;
      const owner = id ? incidents.find((incident) => incident.id === id) : undefined;
      if (id && owner?.teamId !== teamOfChannel.get(channel)) violations.push(`channel ${channel} shows incident ${id} of another workspace`);
    }
  }
  return { seed, events: steps, incidents: incidents.length, violations };
}

/**
 * A replica that claims the next claimable row and dies: the lease runs out and a live replica takes the
 * row over. Half the time it had already posted the alert, which the survivor must adopt, not repeat.
 */
async function killMidPost(prisma: ReconnectApp['core']['db']['prisma'], slack: FakeSlack, reachedSlack: boolean): Promise<void> {
  // The lease outlives the post: a replica that is merely slow, not dead, is a different failure.
  const [row] = await claim(prisma, { owner: 'replica-killed', now: new Date(), leaseMs: 5000, limit: 1 });
  if (!row || row.kind !== 'alert.sync' || !reachedSlack) return;
  const incident = await prisma.incident.findUnique({ where: { id: String(row.payload.incidentId) } });
  if (!incident || incident.messageTs || !incident.channelId) return;
  const client = new WebClient(FAKE_SLACK_DEFAULTS.botToken, { slackApiUrl: slack.url, retryConfig: { retries: 5 }, rejectRateLimitedCalls: false });
  await client.chat.postMessage({
    channel: incident.channelId,
    text: 'needs reauthorization (posted by the replica that died)',
    metadata: { event_type: ALERT_EVENT_TYPE, event_payload: { incident_id: incident.id } },
  });
}

async function settle(prisma: ReconnectApp['core']['db']['prisma'], timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if ((await prisma.outboxMessage.count({ where: { state: 'pending' } })) === 0) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}
