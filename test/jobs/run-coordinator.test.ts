import { openDatabase, type Database } from '../../src/db/client';
import { DatabaseRunCoordinator } from '../../src/jobs/run-coordinator';
import { FakeClock } from '../support/clock';
import { describeEachDatabase } from '../support/databases';

describeEachDatabase('DatabaseRunCoordinator', (db) => {
  // A second client on the same database stands in for another replica.
  let replica: Database;
  const clock = new FakeClock('2026-11-23T09:00:00Z');

  beforeAll(async () => {
    replica = await openDatabase(db().url, { migrate: false, poolSize: 5 });
  });
  afterAll(async () => {
    await replica.close();
  });

  const coordinators = () => [new DatabaseRunCoordinator(db().prisma, clock, 'replica-a'), new DatabaseRunCoordinator(replica.prisma, clock, 'replica-b')] as const;

  it('elects exactly one replica per fire when both race for the same key', async () => {
    const [a, b] = coordinators();
    const keys = Array.from({ length: 20 }, (_, index) => `probe-sweep:2026-11-23T09:${String(index).padStart(2, '0')}`);

    const elections = await Promise.all(keys.map((key) => Promise.all([a.shouldRun(key, 60_000), b.shouldRun(key, 60_000)])));

    for (const [ranA, ranB] of elections) expect(ranA !== ranB).toBe(true);
    const leases = await db().prisma.schedulerLease.findMany();
    expect(leases).toHaveLength(20);
    for (const [index, key] of keys.entries()) {
      const winner = elections[index]![0] ? 'replica-a' : 'replica-b';
      expect(leases.find((lease) => lease.key === key)?.owner).toBe(winner);
    }
  });

  it('lets a replica that restarts within the same fire skip it', async () => {
    const [a] = coordinators();
    expect(await a.shouldRun('digest:2026-11-23T09:00', 60_000)).toBe(true);
    expect(await new DatabaseRunCoordinator(db().prisma, clock, 'replica-a').shouldRun('digest:2026-11-23T09:00', 60_000)).toBe(false);
  });

  it('marks only its own row complete', async () => {
    const [a, b] = coordinators();
    expect(await a.shouldRun('fire-1', 60_000)).toBe(true);
    expect(await b.shouldRun('fire-2', 60_000)).toBe(true);

    await b.onComplete('fire-1');
    expect((await db().prisma.schedulerLease.findUniqueOrThrow({ where: { key: 'fire-1' } })).completedAt).toBeNull();

    await a.onComplete('fire-1');
    const leases = await db().prisma.schedulerLease.findMany({ orderBy: { key: 'asc' } });
    expect(leases.map((lease) => [lease.key, lease.completedAt])).toEqual([
      ['fire-1', clock.now()],
      ['fire-2', null],
    ]);
  });

  it('prunes rows older than the given number of days and keeps the rest', async () => {
    const [a] = coordinators();
    const old = new DatabaseRunCoordinator(db().prisma, new FakeClock('2026-11-10T09:00:00Z'), 'replica-a');
    expect(await old.shouldRun('old-fire', 60_000)).toBe(true);
    expect(await a.shouldRun('recent-fire', 60_000)).toBe(true);

    expect(await a.prune(7)).toBe(1);

    expect((await db().prisma.schedulerLease.findMany()).map((lease) => lease.key)).toEqual(['recent-fire']);
  });
});
