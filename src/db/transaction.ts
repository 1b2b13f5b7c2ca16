import type { Prisma, Tx } from './client';
import { isUniqueViolation } from './json';
import { transactionCommitted } from './outbox';

/**
 * Runs `work` in one transaction, retrying when a concurrent writer won a race (unique violation,
 * write conflict or deadlock on Postgres, a busy SQLite file). The work must be safe to re-run, which it
 * is when it reads what it needs inside the transaction.
 */
const RETRYABLE = new Set(['P2002', 'P2034', 'P1008', '40001', '40P01']);

export async function inTransaction<T>(prisma: Prisma, work: (tx: Tx) => Promise<T>, attempts = 4): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      let used: Tx | undefined;
      const result = await prisma.$transaction(
        (tx) => {
          used = tx;
          return work(tx);
        },
        { maxWait: 10_000, timeout: 20_000 },
      );
      if (used) transactionCommitted(prisma, used);
      return result;
    } catch (error) {
      if (attempt >= attempts || !isRetryable(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 10 * attempt + Math.random() * 20));
    }
  }
}

function isRetryable(error: unknown): boolean {
  const code = (error as { code?: string } | null)?.code;
  if ((code && RETRYABLE.has(code)) || isUniqueViolation(error)) return true;
  const message = error instanceof Error ? error.message : '';
  return /SQLITE_BUSY|database is locked|could not serialize|deadlock detected|write conflict/i.test(message);
}
