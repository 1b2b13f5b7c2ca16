import type { Prisma, Tx } from './client';
import { openTransaction } from './driver';
import { isLostRace } from './errors';
import { transactionCommitted } from './outbox';

/**
 * Runs `work` in one transaction, retrying when a concurrent writer won a race (unique violation,
 * write conflict or deadlock on Postgres, a busy SQLite file). The work must be safe to re-run, which it
 * is when it reads what it needs inside the transaction. Statements through `sqlOf(tx)` run in it too.
 */
export async function inTransaction<T>(prisma: Prisma, work: (tx: Tx) => Promise<T>, attempts = 4): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      let used: Tx | undefined;
      const result = await openTransaction((bind) =>
        prisma.$transaction(
          (tx) => {
            used = tx;
            bind(tx);
            return work(tx);
          },
          { maxWait: 10_000, timeout: 20_000 },
        ),
      );
      if (used) transactionCommitted(prisma, used);
      return result;
    } catch (error) {
      if (attempt >= attempts || !isLostRace(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 10 * attempt + Math.random() * 20));
    }
  }
}
