import { randomUUID } from 'node:crypto';
import type { Prisma } from '../db/client';
import { claim, markFailed, markSent, onOutboxCommit, releaseLeases, reschedule, type ClaimedMessage } from '../db/outbox';
import { retryWhileUnavailable } from '../db/while-unavailable';
import type { Clock } from '../lib/clock';
import type { Logger } from '../lib/logger';
import type { Metrics } from '../lib/metrics';

/**
 * Delivers outbox rows. Handlers are registered per kind and say how a delivery went; the dispatcher
 * owns retries (exponential backoff with jitter, or the exact time a 429's Retry-After asks for), so a
 * rate-limited Slack call never blocks the other rows.
 */

export type DeliveryOutcome =
  | { status: 'sent'; result?: unknown }
  | { status: 'retry'; afterMs?: number; error: string }
  | { status: 'failed'; error: string };

export type DeliveryHandler = (message: ClaimedMessage) => Promise<DeliveryOutcome>;

export interface DispatcherOptions {
  prisma: Prisma;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  handlers: Record<string, DeliveryHandler>;
  pollMs: number;
  leaseMs?: number;
  batchSize?: number;
  maxAttempts?: number;
  /** Cap on one backoff step. */
  maxBackoffMs?: number;
}

export class OutboxDispatcher {
  readonly owner = `replica-${randomUUID()}`;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = true;
  private unsubscribe: (() => void) | null = null;

  constructor(private readonly options: DispatcherOptions) {}

  /** Polls every `pollMs` (0: never) and, on any setting, runs a pass as soon as this process commits outbox rows. */
  start(): void {
    this.stopped = false;
    this.unsubscribe ??= onOutboxCommit(this.options.prisma, () => this.kick());
    if (this.options.pollMs > 0) this.schedule(0);
  }

  /** Runs a pass now, or right after the pass under way. */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    void this.runOnce();
  }

  /** One pass: claim a batch and deliver it. Tests call this directly. */
  async runOnce(): Promise<number> {
    if (this.running) {
      this.again = true;
      // The pass under way logs its own failure; a second await must not turn it into an unhandled rejection.
      await this.running.catch(() => undefined);
      return 0;
    }
    let delivered = 0;
    this.running = (async () => {
      try {
        do {
          this.again = false;
          delivered += await this.pass();
        } while (this.again && !this.stopped);
      } finally {
        // In the same step as the last check of `again`: a kick arriving later starts a pass of its own
        // instead of setting a flag nobody reads (the row would wait for the next poll).
        this.running = null;
      }
    })();
    try {
      await this.running;
    } catch (error) {
      this.options.logger.error('outbox pass failed', { error });
    }
    return delivered;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    this.unsubscribe = null;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running?.catch(() => undefined);
    await releaseLeases(this.options.prisma, this.owner).catch(() => undefined);
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(async () => {
      await this.runOnce();
      this.schedule(this.options.pollMs);
    }, delayMs);
    this.timer.unref();
  }

  private async pass(): Promise<number> {
    const { prisma, clock } = this.options;
    const limit = this.options.batchSize ?? 20;
    let delivered = 0;
    for (;;) {
      const batch = await claim(prisma, { owner: this.owner, now: clock.now(), leaseMs: this.options.leaseMs ?? 60_000, limit });
      if (batch.length === 0) return delivered;
      // Ordered rows come one per key (claim); rows of one incident still go one after another here.
      const groups = new Map<string, ClaimedMessage[]>();
      for (const message of batch) {
        const key = message.incidentId ?? message.id;
        groups.set(key, [...(groups.get(key) ?? []), message]);
      }
      let unblocked = false;
      await Promise.all(
        [...groups.values()].map(async (group) => {
          for (const message of group) {
            const outcome = await this.deliver(message);
            if (outcome === 'sent' || outcome === 'sent, next waiting') delivered += 1;
            if (outcome === 'sent, next waiting' || (outcome === 'failed' && message.orderKey)) unblocked = true;
          }
        }),
      );
      // A short batch took everything due, but for rows that waited behind one finished just now (an
      // alert's replies); what is enqueued meanwhile comes with a wake-up of its own.
      if (this.stopped || (batch.length < limit && !unblocked)) return delivered;
    }
  }

  private async deliver(message: ClaimedMessage): Promise<'sent' | 'sent, next waiting' | 'rescheduled' | 'failed'> {
    const { prisma, clock, logger, metrics } = this.options;
    const handler = this.options.handlers[message.kind];
    let outcome: DeliveryOutcome;
    if (!handler) {
      outcome = { status: 'failed', error: `no handler for ${message.kind}` };
    } else {
      try {
        outcome = await handler(message);
      } catch (error) {
        outcome = { status: 'retry', error: error instanceof Error ? error.message : String(error) };
      }
    }
    const log = logger.child({ outboxId: message.id, kind: message.kind, attempt: message.attempts });
    if (outcome.status === 'sent') {
      // Sent is sent: losing this write to a database outage would send the message again.
      const { nextWaiting } = await retryWhileUnavailable(() => markSent(prisma, message, this.owner, clock.now(), outcome.result));
      metrics.inc('reconnect_outbox_delivered_total', { kind: message.kind }, 1, 'Outbox rows delivered');
      return nextWaiting ? 'sent, next waiting' : 'sent';
    }
    if (outcome.status === 'retry' && message.attempts < (this.options.maxAttempts ?? 12)) {
      const delay = outcome.afterMs ?? this.backoff(message.attempts);
      log.warn('outbox delivery will be retried', { error: outcome.error, inMs: delay });
      metrics.inc('reconnect_outbox_retries_total', { kind: message.kind }, 1, 'Outbox deliveries rescheduled');
      await reschedule(prisma, message, this.owner, new Date(clock.now().getTime() + delay), outcome.error);
      return 'rescheduled';
    }
    log.error('outbox delivery failed for good', { error: outcome.error });
    metrics.inc('reconnect_outbox_failed_total', { kind: message.kind }, 1, 'Outbox rows given up on');
    await markFailed(prisma, message, this.owner, outcome.error);
    return 'failed';
  }

  /** 1 s, 2 s, 4 s ... capped, with ±20 % jitter so replicas retrying together spread out. */
  private backoff(attempt: number): number {
    const base = Math.min(this.options.maxBackoffMs ?? 15 * 60_000, 1000 * 2 ** Math.max(0, attempt - 1));
    return Math.round(base * (0.8 + Math.random() * 0.4));
  }
}
