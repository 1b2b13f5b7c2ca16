import { claim, enqueueMany } from '../../src/db/outbox';
import { describeEachDatabase } from '../support/databases';

/**
 * Many dispatchers claiming at once from one outbox, as replicas do: each row must go to exactly one
 * claim, no claim larger than asked, and no claim may fail (overlapping claims that lock their rows in
 * different orders deadlock on PostgreSQL).
 */
describeEachDatabase('claiming outbox rows', (db) => {
  const ROWS = 2000;
  const CLAIMERS = 8;
  const LIMIT = 50;

  it('gives every due row to exactly one of many concurrent claims, none larger than its limit', async () => {
    const prisma = db().prisma;
    const past = new Date(Date.now() - 60_000);
    await enqueueMany(
      prisma,
      Array.from({ length: ROWS }, (_, i) => ({ kind: 'test.claim', idempotencyKey: `claim-${i}`, payload: { i }, availableAt: past })),
    );

    const claimedBy = new Map<string, string[]>();
    const sizes: number[] = [];
    await Promise.all(
      Array.from({ length: CLAIMERS }, async (_, claimer) => {
        const owner = `replica-${claimer}`;
        for (;;) {
          const rows = await claim(prisma, { owner, now: new Date(), leaseMs: 60_000, limit: LIMIT });
          if (rows.length === 0) return;
          sizes.push(rows.length);
          for (const row of rows) claimedBy.set(row.id, [...(claimedBy.get(row.id) ?? []), owner]);
        }
      }),
    );

    expect(sizes.filter((size) => size > LIMIT)).toEqual([]);
    expect([...claimedBy.values()].filter((owners) => owners.length !== 1)).toEqual([]);
    expect(claimedBy.size).toBe(ROWS);
  });
});
