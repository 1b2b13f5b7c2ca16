import { isDatabaseUnavailable } from './errors';

/**
 * How long to keep retrying a record of something already done outside: longer than a database restart
 * or failover takes, short enough that a shutdown during a real outage isn't held up for long.
 */
const GIVE_UP_AFTER_MS = 120_000;

/**
 * Runs a write that records something already done outside (a message Slack accepted), retrying while
 * the database is unreachable. Giving up would make the outbox send the message again once the row's
 * lease runs out, so it is worth waiting for the database to come back; another replica can't claim the
 * row meanwhile, as it can't reach the database either.
 */
export async function retryWhileUnavailable<T>(work: () => Promise<T>, giveUpAfterMs = GIVE_UP_AFTER_MS): Promise<T> {
  const deadline = Date.now() + giveUpAfterMs;
  for (let delayMs = 100; ; delayMs = Math.min(delayMs * 2, 2000)) {
    try {
      return await work();
    } catch (error) {
      if (!isDatabaseUnavailable(error) || Date.now() + delayMs > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
}
