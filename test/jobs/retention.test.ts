import { describeEachDatabase } from '../support/databases';
import { FakeClock } from '../support/clock';
import { runRetention } from '../../src/jobs/retention';

/** Rows past their age go; everything younger, and every pending outbox row, stays. */

const DAY = 86_400_000;

describeEachDatabase('retention', (db) => {
  const clock = new FakeClock('2026-12-01T03:41:00Z');
  const ago = (days: number) => new Date(clock.now().getTime() - days * DAY);

  it('prunes processed keys, finished outbox rows and auth flows after RETENTION_DAYS, audit rows after AUDIT_RETENTION_DAYS', async () => {
    const prisma = db().prisma;
    await prisma.processedKey.createMany({ data: [{ key: 'old', createdAt: ago(31) }, { key: 'new', createdAt: ago(29) }] });
    const outbox = (id: string, state: string, days: number) => ({ id, idempotencyKey: id, kind: 'alert.sync', payload: '{}', state, createdAt: ago(days), availableAt: ago(days) });
    await prisma.outboxMessage.createMany({
      data: [outbox('sent-old', 'sent', 31), outbox('failed-old', 'failed', 40), outbox('pending-old', 'pending', 60), outbox('sent-new', 'sent', 2)],
    });
    const flow = (tokenHash: string, days: number) => ({ tokenHash, purpose: 'reauth_link', expiresAt: ago(days), createdAt: ago(days) });
    await prisma.authFlow.createMany({ data: [flow('flow-old', 31), flow('flow-new', 1)] });
    const audit = (id: string, days: number) => ({ id, teamId: 'T1', action: 'status_changed', actorType: 'probe', createdAt: ago(days) });
    await prisma.auditEvent.createMany({ data: [audit('audit-old', 91), audit('audit-kept', 60)] });

    expect(await runRetention({ prisma, clock, settings: { days: 30, auditDays: 90 } })).toEqual({ processedKeys: 1, outbox: 2, authFlows: 1, audit: 1 });

    expect((await prisma.processedKey.findMany()).map((row) => row.key)).toEqual(['new']);
    expect((await prisma.outboxMessage.findMany({ orderBy: { id: 'asc' } })).map((row) => row.id)).toEqual(['pending-old', 'sent-new']);
    expect((await prisma.authFlow.findMany()).map((row) => row.tokenHash)).toEqual(['flow-new']);
    expect((await prisma.auditEvent.findMany()).map((row) => row.id)).toEqual(['audit-kept']);
  });

  it('deletes a backlog larger than one page', async () => {
    const prisma = db().prisma;
    await prisma.processedKey.createMany({ data: Array.from({ length: 12_000 }, (_, i) => ({ key: `k${i}`, createdAt: ago(45) })) });
    expect((await runRetention({ prisma, clock, settings: { days: 30, auditDays: 90 } })).processedKeys).toBe(12_000);
    expect(await prisma.processedKey.count()).toBe(0);
  });
});
