import { describeEachDatabase } from '../support/databases';
import { FakeClock } from '../support/clock';
import { insertConnection } from '../../src/db/connections';
import { changeStatus, type StatusEngineDeps } from '../../src/domain/status-engine';
import { buildCatalog } from '../../src/providers/catalog';

describeEachDatabase('status engine', (db) => {
  const clock = new FakeClock('2026-11-23T09:00:00Z');
  const engine = (): StatusEngineDeps => ({
    prisma: db().prisma,
    clock,
    catalog: buildCatalog({ genericOAuth: undefined, genericApiKey: undefined }),
    settings: { flapWindowMinutes: 30, outboundWebhook: true },
  });
  const connection = () =>
    insertConnection(db().prisma, { teamId: 'T1', provider: 'salesforce', kind: 'crm', name: 'Salesforce', externalAccountId: '00D1', channelId: 'C1' }, clock.now());
  const drop = (id: string, extra = {}) =>
    changeStatus(engine(), { connectionId: id, status: 'authorization_required', reason: 'token_revoked', actor: { type: 'probe' }, occurredAt: clock.now(), ...extra });
  const recover = (id: string) => changeStatus(engine(), { connectionId: id, status: 'connected', actor: { type: 'user', id: 'U1' }, occurredAt: clock.now() });
  const alerts = () => db().prisma.outboxMessage.count({ where: { kind: 'alert.sync', idempotencyKey: { endsWith: ':opened' } } });

  const webhookTypes = async () =>
    (await db().prisma.outboxMessage.findMany({ where: { kind: 'webhook.event' }, orderBy: { createdAt: 'asc' } })).map((row) => JSON.parse(row.payload).type as string);

  it('opens one incident and one alert; closing it keeps the impact snapshot', async () => {
    const c = await connection();
    const outcome = await drop(c.id);
    expect(outcome).toMatchObject({ changed: true, effect: 'opened' });
    expect(await alerts()).toBe(1);
    // An open incident's impact is computed live; the snapshot is the one taken when it closes.
    await recover(c.id);
    const incident = await db().prisma.incident.findFirstOrThrow();
    expect(JSON.parse(incident.impact).map((line: { streamId: string; effect: string }) => [line.streamId, line.effect])).toEqual([
      ['crm_updates', 'backfilled'],
      ['touchpoints', 'backfilled'],
    ]);
    expect(await alerts()).toBe(1);
  });

  it('a late event dated before the last change is recorded and changes nothing; the outage stays open', async () => {
    const c = await connection();
    clock.advanceMinutes(10);
    await drop(c.id);
    const late = await changeStatus(engine(), {
      connectionId: c.id,
      status: 'connected',
      actor: { type: 'webhook' },
      occurredAt: new Date(clock.now().getTime() - 60_000),
      dedupeKey: 'ingest:late-1',
    });
    expect(late).toMatchObject({ changed: false, stale: true });
    expect((await db().prisma.connection.findUniqueOrThrow({ where: { id: c.id } })).status).toBe('authorization_required');
    expect((await db().prisma.incident.findFirstOrThrow()).state).toBe('open');
    expect(await db().prisma.processedKey.count({ where: { key: 'ingest:late-1' } })).toBe(1);
    expect(await db().prisma.auditEvent.findFirstOrThrow({ where: { action: 'event_ignored' } })).toMatchObject({
      fromStatus: 'authorization_required',
      toStatus: 'connected',
    });
    expect(await webhookTypes()).not.toContain('connection.reauthorized');
  });

  it('an outage that began before the connection was registered still opens at its real start', async () => {
    const c = await connection();
    const before = new Date(clock.now().getTime() - 3_600_000);
    expect(await drop(c.id, { occurredAt: before })).toMatchObject({ changed: true, effect: 'opened' });
    expect((await db().prisma.incident.findFirstOrThrow()).openedAt).toEqual(before);
  });

  it('a connection that drops again within the flap window reopens the same incident instead of alerting again', async () => {
    const c = await connection();
    await drop(c.id);
    clock.advanceMinutes(5);
    await recover(c.id);
    clock.advanceMinutes(10);
    const again = await drop(c.id);
    expect(again.effect).toBe('reopened');
    expect(await db().prisma.incident.count()).toBe(1);
    expect((await db().prisma.incident.findFirstOrThrow()).reopenCount).toBe(1);
    expect(await alerts()).toBe(1);
  });

  it('a drop after the flap window is a new incident and a new alert', async () => {
    const c = await connection();
    await drop(c.id);
    await recover(c.id);
    clock.advanceMinutes(31);
    expect((await drop(c.id)).effect).toBe('opened');
    expect(await db().prisma.incident.count()).toBe(2);
    expect(await alerts()).toBe(2);
  });

  it('closing sends connection.reauthorized with the outage window and the streams to backfill', async () => {
    const c = await connection();
    await drop(c.id);
    const from = clock.now();
    const to = clock.advanceMinutes(90);
    await recover(c.id);
    const hooks = await db().prisma.outboxMessage.findMany({ where: { kind: 'webhook.event' } });
    const hook = hooks.find((row) => JSON.parse(row.payload).type === 'connection.reauthorized')!;
    expect(JSON.parse(hook.payload)).toMatchObject({
      type: 'connection.reauthorized',
      connectionId: c.id,
      provider: 'salesforce',
      externalAccountId: '00D1',
      outage: { from: from.toISOString(), to: to.toISOString() },
      backfill: ['crm_updates', 'touchpoints'],
    });
  });

  it('sends an event for every status change: authorization required with its outage start, degraded, reauthorized, disabled', async () => {
    const c = await connection();
    const from = clock.now();
    await drop(c.id);
    clock.advanceMinutes(5);
    await recover(c.id);
    clock.advanceMinutes(5);
    await changeStatus(engine(), { connectionId: c.id, status: 'degraded', reason: 'third_party_outage', actor: { type: 'probe' }, occurredAt: clock.now() });
    clock.advanceMinutes(5);
    await changeStatus(engine(), { connectionId: c.id, status: 'disabled', actor: { type: 'admin' }, occurredAt: clock.now() });

    const rows = await db().prisma.outboxMessage.findMany({ where: { kind: 'webhook.event' }, orderBy: { createdAt: 'asc' } });
    const payloads = rows.map((row) => JSON.parse(row.payload) as Record<string, unknown>);
    expect(payloads.map((payload) => payload.type)).toEqual(['connection.authorization_required', 'connection.reauthorized', 'connection.degraded', 'connection.disabled']);
    expect(payloads[0]).toMatchObject({ connectionId: c.id, status: 'authorization_required', reason: 'token_revoked', outage: { from: from.toISOString() } });
    expect(payloads[2]).toMatchObject({ status: 'degraded', reason: 'third_party_outage' });
    expect(new Set(payloads.map((payload) => payload.eventId)).size).toBe(4);
  });

  it('concurrent drops of one connection open exactly one incident', async () => {
    const c = await connection();
    const outcomes = await Promise.all([drop(c.id), drop(c.id), drop(c.id), drop(c.id)]);
    expect(outcomes.filter((o) => o.changed)).toHaveLength(1);
    expect(await db().prisma.incident.count()).toBe(1);
    expect(await alerts()).toBe(1);
  });

  it('degraded never replaces authorization_required, and opens no incident on its own', async () => {
    const a = await connection();
    await changeStatus(engine(), { connectionId: a.id, status: 'degraded', reason: 'third_party_outage', actor: { type: 'probe' }, occurredAt: clock.now() });
    expect(await db().prisma.incident.count()).toBe(0);
    await drop(a.id);
    const stays = await changeStatus(engine(), { connectionId: a.id, status: 'degraded', actor: { type: 'probe' }, occurredAt: clock.now() });
    expect(stays.changed).toBe(false);
    expect(stays.connection.status).toBe('authorization_required');
  });

  it('disabling closes the open incident and later events for it change nothing', async () => {
    const c = await connection();
    await drop(c.id);
    await changeStatus(engine(), { connectionId: c.id, status: 'disabled', actor: { type: 'admin' }, occurredAt: clock.now() });
    expect((await db().prisma.incident.findFirstOrThrow()).state).toBe('closed');
    expect(await webhookTypes()).toEqual(['connection.authorization_required', 'connection.disabled']);
    expect((await drop(c.id, { actor: { type: 'webhook' } })).changed).toBe(false);
  });

  it('keeps the largest counts the data platform reports and re-renders the alert', async () => {
    const c = await connection();
    await drop(c.id, { counts: { queuedTouchpoints: 10 } });
    const update = await drop(c.id, { counts: { queuedTouchpoints: 25 } });
    expect(update.effect).toBe('counts_updated');
    expect(JSON.parse((await db().prisma.incident.findFirstOrThrow()).counts)).toEqual({ queuedTouchpoints: 25 });
    await drop(c.id, { counts: { queuedTouchpoints: 3 } });
    expect(JSON.parse((await db().prisma.incident.findFirstOrThrow()).counts)).toEqual({ queuedTouchpoints: 25 });
  });

  it('an event dated in the future starts the outage now, not later', async () => {
    const c = await connection();
    await drop(c.id, { occurredAt: new Date(clock.now().getTime() + 3600_000) });
    expect((await db().prisma.incident.findFirstOrThrow()).openedAt).toEqual(clock.now());
  });
});
