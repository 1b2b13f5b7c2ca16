import { alertMessageOf, findIncident, insertOpenIncident, openIncidentOf, recordDeliveryError, updateIncident } from '../../src/db/incidents';
import { describeEachDatabase } from '../support/databases';

/**
 * The Incident table's statements on the click and thread-reply paths run through the driver; what they
 * write must read back through Prisma as written, and a bad change must change nothing.
 */
describeEachDatabase('incident statements', (db) => {
  const openedAt = new Date('2026-12-01T10:00:00.123Z');

  async function open(connectionId: string, burstOf?: string) {
    await db().prisma.connection.create({ data: { id: connectionId, teamId: 'T0001', provider: 'hubspot', kind: 'crm', name: connectionId, externalAccountId: connectionId } });
    return insertOpenIncident(db().prisma, { connectionId, teamId: 'T0001', reason: 'token_expired', openedAt, channelId: 'C1', counts: '{}', burstOf });
  }

  it('changes only the columns given, stamps updatedAt, and reads back through Prisma as written', async () => {
    const id = await open('c1');
    const acknowledgedAt = new Date('2026-12-01T10:05:00.456Z');
    const before = await db().prisma.incident.findUniqueOrThrow({ where: { id } });

    await updateIncident(db().prisma, id, { acknowledgedBy: 'U1', acknowledgedAt, snoozedUntil: undefined, reopenCount: 2 });

    const after = await db().prisma.incident.findUniqueOrThrow({ where: { id } });
    expect(after).toEqual({ ...before, acknowledgedBy: 'U1', acknowledgedAt, reopenCount: 2, updatedAt: after.updatedAt });
    expect(after.updatedAt.getTime()).toBeGreaterThanOrEqual(before.updatedAt.getTime());
    expect(await findIncident(db().prisma, id)).toEqual(after);
    expect(await openIncidentOf(db().prisma, 'c1')).toEqual(after);
  });

  it('refuses a column the table lacks, or an incident that is gone, and changes nothing', async () => {
    const id = await open('c1');
    const before = await db().prisma.incident.findUniqueOrThrow({ where: { id } });

    await expect(updateIncident(db().prisma, id, { ['state" = \'closed\', "reason' as 'state']: 'x' })).rejects.toThrow('Incident has no column');
    await expect(updateIncident(db().prisma, 'no-such-incident', { state: 'closed' })).rejects.toThrow('incident no-such-incident not found');

    expect(await db().prisma.incident.findUniqueOrThrow({ where: { id } })).toEqual(before);
    expect(await findIncident(db().prisma, 'no-such-incident')).toBeNull();
  });

  it("reads a burst member's alert from its lead, and records a delivery error once", async () => {
    const lead = await open('c1');
    const member = await open('c2', lead);
    await db().prisma.incident.update({ where: { id: lead }, data: { messageTs: '1700000000.000100' } });

    expect(await alertMessageOf(db().prisma, member)).toEqual({ teamId: 'T0001', alertId: lead, channelId: 'C1', messageTs: '1700000000.000100', deliveryError: null });
    expect(await alertMessageOf(db().prisma, 'no-such-incident')).toBeNull();

    expect(await recordDeliveryError(db().prisma, lead, 'channel_not_found')).toBe(true);
    expect(await recordDeliveryError(db().prisma, lead, 'not_in_channel')).toBe(false);
    expect((await alertMessageOf(db().prisma, member))?.deliveryError).toBe('channel_not_found');
  });
});
