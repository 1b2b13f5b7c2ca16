import { driverOf, sqlOf } from '../../src/db/driver';
import { isUniqueViolation } from '../../src/db/errors';
import { inTransaction } from '../../src/db/transaction';
import { describeEachDatabase } from '../support/databases';

/**
 * The driver runs a few statements beside Prisma on the same tables, so what it writes must read back
 * through Prisma as written, and compare with what Prisma wrote, on both databases.
 */
describeEachDatabase('statements through the driver', (db, kind) => {
  const at = new Date('2026-12-01T10:00:00.123Z');

  async function addConnection(id: string) {
    await db().prisma.connection.create({ data: { id, teamId: 'T0001', provider: 'hubspot', kind: 'crm', name: id, externalAccountId: id } });
    await db().prisma.credential.create({ data: { connectionId: id, keyId: 'k1', ciphertext: 'sealed', refreshedAt: at } });
  }

  it('writes dates that Prisma reads back as written, and reads dates Prisma wrote as Dates', async () => {
    await addConnection('c1');
    const driver = driverOf(db().prisma);

    const changed = await driver.execute(`UPDATE "Credential" SET "refreshLockUntil" = $1, "refreshLockOwner" = $2 WHERE "connectionId" = $3`, [at, 'owner-1', 'c1']);
    const rows = await driver.query<{ refreshedAt: Date; version: number }>(`SELECT "refreshedAt", "version" FROM "Credential" WHERE "connectionId" = $1`, ['c1']);

    expect(changed).toBe(1);
    expect(rows).toEqual([{ refreshedAt: at, version: 1 }]);
    expect(await db().prisma.credential.findUniqueOrThrow({ where: { connectionId: 'c1' }, select: { refreshLockUntil: true, refreshLockOwner: true } })).toEqual({
      refreshLockUntil: at,
      refreshLockOwner: 'owner-1',
    });
  });

  it('compares its dates with the ones Prisma stored, to the millisecond', async () => {
    await addConnection('c1');
    const driver = driverOf(db().prisma);
    const before = new Date(at.getTime() - 1);
    const after = new Date(at.getTime() + 1);

    const count = (sql: string, value: Date) => driver.query<unknown>(`SELECT 1 FROM "Credential" WHERE "refreshedAt" ${sql} $1`, [value]).then((found) => found.length);

    expect([await count('>', before), await count('=', at), await count('<', after), await count('<', before), await count('>', after)]).toEqual([1, 1, 1, 0, 0]);
  });

  it('shows a relaxed write to every reader at once; on PostgreSQL only its commit skips the wait for the WAL flush', async () => {
    await addConnection('c1');
    const driver = driverOf(db().prisma);

    await driver.relaxed.execute(`UPDATE "Credential" SET "refreshLockOwner" = $1 WHERE "connectionId" = $2`, ['owner-2', 'c1']);

    expect(await driver.query(`SELECT "refreshLockOwner" FROM "Credential" WHERE "connectionId" = $1`, ['c1'])).toEqual([{ refreshLockOwner: 'owner-2' }]);
    expect((await db().prisma.credential.findUniqueOrThrow({ where: { connectionId: 'c1' } })).refreshLockOwner).toBe('owner-2');
    if (kind === 'postgresql') {
      expect(await driver.relaxed.query('SHOW synchronous_commit', [])).toEqual([{ synchronous_commit: 'off' }]);
      expect(await driver.query('SHOW synchronous_commit', [])).toEqual([{ synchronous_commit: 'on' }]);
    }
  });

  it('waits for a Prisma transaction that holds the write lock without stopping the event loop the transaction needs', async () => {
    await addConnection('c2');
    const driver = driverOf(db().prisma);
    const started = Date.now();
    let driverWrite: Promise<number> | undefined;
    await db().prisma.$transaction(async (tx) => {
      await tx.credential.update({ where: { connectionId: 'c2' }, data: { refreshLockOwner: 'prisma' } });
      // The driver writes while the transaction holds SQLite's lock; the transaction then awaits a timer,
      // which only fires if the driver's wait left the event loop running.
      driverWrite = driver.execute(`UPDATE "Connection" SET "name" = $1 WHERE "id" = $2`, ['renamed', 'c2']);
      await new Promise((resolve) => setTimeout(resolve, 100));
    });
    expect(await driverWrite).toBe(1);
    expect(Date.now() - started).toBeLessThan(5000);
    expect((await db().prisma.connection.findUniqueOrThrow({ where: { id: 'c2' } })).name).toBe('renamed');
  });

  it("runs a transaction's statements on its own connection: they see its uncommitted writes, and roll back with it", async () => {
    await addConnection('c1');
    const seen: unknown[] = [];
    await expect(
      inTransaction(db().prisma, async (tx) => {
        await tx.connection.update({ where: { id: 'c1' }, data: { name: 'renamed in the transaction' } });
        seen.push(...(await sqlOf(tx).query<{ name: string }>('SELECT "name" FROM "Connection" WHERE "id" = $1', ['c1'])));
        await sqlOf(tx).execute('UPDATE "Connection" SET "reason" = $1 WHERE "id" = $2', ['by the driver', 'c1']);
        seen.push(await tx.connection.findUniqueOrThrow({ where: { id: 'c1' }, select: { reason: true } }));
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');

    expect(seen).toEqual([{ name: 'renamed in the transaction' }, { reason: 'by the driver' }]);
    expect(await db().prisma.connection.findUniqueOrThrow({ where: { id: 'c1' }, select: { name: true, reason: true } })).toEqual({ name: 'c1', reason: null });
  });

  it('keeps concurrent transactions apart: each one\'s statements run on its own connection', async () => {
    const ids = kind === 'postgresql' ? ['c1', 'c2', 'c3'] : ['c1'];
    await Promise.all(ids.map(addConnection));
    // All have written before any reads, and read before any commits: a statement on another
    // transaction's connection would see that one's write.
    const arrived = { written: 0, read: 0 };
    const barrier = async (step: keyof typeof arrived) => {
      arrived[step] += 1;
      while (arrived[step] < ids.length) await new Promise((resolve) => setTimeout(resolve, 5));
    };
    const seen = await Promise.all(
      ids.map((id) =>
        inTransaction(db().prisma, async (tx) => {
          await tx.connection.update({ where: { id }, data: { name: `${id} inside` } });
          await barrier('written');
          const rows = await sqlOf(tx).query<{ name: string }>('SELECT "name" FROM "Connection" ORDER BY "id"', []);
          await barrier('read');
          return rows.map((row) => row.name);
        }),
      ),
    );
    // SQLite runs one transaction at a time, so only PostgreSQL has concurrent ones to keep apart.
    expect(seen).toEqual(kind === 'postgresql' ? [['c1 inside', 'c2', 'c3'], ['c1', 'c2 inside', 'c3'], ['c1', 'c2', 'c3 inside']] : [['c1 inside']]);
  });

  it("reads a duplicate key from the driver as a lost race, so the transaction runs again", async () => {
    await addConnection('c1');
    let attempts = 0;
    const duplicate = await driverOf(db().prisma)
      .execute('INSERT INTO "ProcessedKey" ("key", "createdAt") VALUES ($1, $2), ($1, $2)', ['k1', at])
      .catch((error: unknown) => error);

    await inTransaction(db().prisma, async (tx) => {
      attempts += 1;
      // The first attempt collides with a key another writer committed first; the second reads afresh.
      const key = attempts === 1 ? 'taken' : 'free';
      if (attempts === 1) await driverOf(db().prisma).execute('INSERT INTO "ProcessedKey" ("key", "createdAt") VALUES ($1, $2)', ['taken', at]);
      await sqlOf(tx).execute('INSERT INTO "ProcessedKey" ("key", "createdAt") VALUES ($1, $2)', [key, at]);
    });

    expect(isUniqueViolation(duplicate)).toBe(true);
    expect(attempts).toBe(2);
    expect((await db().prisma.processedKey.findMany({ orderBy: { key: 'asc' } })).map((row) => row.key)).toEqual(['free', 'taken']);
  });
});
