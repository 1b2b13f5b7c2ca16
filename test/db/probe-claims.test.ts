import { randomUUID } from 'node:crypto';
import { claimDueConnections } from '../../src/db/connections';
import { describeEachDatabase } from '../support/databases';

/**
 * Many sweeps claiming at once from one table of due connections, as replicas do at each fire. On
 * PostgreSQL overlapping claims once deadlocked (each locked part of the other's page) or took more than
 * a page; each connection must go to exactly one claim, no claim larger than asked.
 */
describeEachDatabase('claiming due connections', (db) => {
  const CONNECTIONS = 2000;
  const CLAIMERS = 8;
  const PAGE = 100;

  it('gives every due connection to exactly one of many concurrent claims, none larger than its page', async () => {
    const prisma = db().prisma;
    const due = new Date('2026-12-01T10:00:00Z');
    const now = new Date('2026-12-01T10:01:00Z');
    const ids = Array.from({ length: CONNECTIONS }, () => randomUUID());
    await prisma.connection.createMany({
      data: ids.map((id, i) => ({ id, teamId: 'T0001', provider: 'hubspot', kind: 'crm', name: `c${i}`, externalAccountId: `a${i}`, nextProbeAt: due })),
    });

    const claimedBy = new Map<string, string[]>();
    const sizes: number[] = [];
    await Promise.all(
      Array.from({ length: CLAIMERS }, async (_, claimer) => {
        const claim = { by: `replica-${claimer}`, at: now };
        for (;;) {
          const page = await claimDueConnections(prisma, claim, { dueBy: now, now, leaseUntil: new Date(now.getTime() + 60_000), take: PAGE });
          if (page.length === 0) return;
          sizes.push(page.length);
          for (const connection of page) claimedBy.set(connection.id, [...(claimedBy.get(connection.id) ?? []), claim.by]);
        }
      }),
    );

    expect(sizes.filter((size) => size > PAGE)).toEqual([]);
    expect([...claimedBy.values()].filter((claimers) => claimers.length !== 1)).toEqual([]);
    expect(claimedBy.size).toBe(CONNECTIONS);
    const rows = await prisma.connection.findMany({ select: { id: true, probeClaimedBy: true } });
    expect(rows.filter((row) => row.probeClaimedBy !== claimedBy.get(row.id)![0])).toEqual([]);
  });
});
