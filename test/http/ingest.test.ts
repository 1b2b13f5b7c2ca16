import { databaseKinds, truncateAll } from '../support/databases';
import { adminRequest, postIngest, tableCounts } from '../fakes/ingest-requests';
import { startTestApp, TEST_SECRETS, type TestApp } from '../support/test-app';
import { signBody } from '../../src/lib/signature';

for (const { kind, skip } of databaseKinds()) {
  (skip ? describe.skip : describe)(`POST /api/v1/connection-events [${kind}]`, () => {
    let t: TestApp;
    let connectionId: string;

    beforeAll(async () => {
      t = await startTestApp(kind);
    });
    afterAll(async () => t.stop());
    beforeEach(async () => {
      await truncateAll(t.app.core.db);
      const created = await adminRequest(t.url, 'POST', '/api/v1/connections', {
        teamId: 'T0001',
        provider: 'google_ads',
        name: 'Google Ads — Brand',
        externalAccountId: '123-456-7890',
        channelId: 'C0ALERTS',
        owners: ['U0OWNER'],
        options: { autotagging: true },
      });
      expect(created.status).toBe(201);
      connectionId = created.json.id as string;
    });

    const event = (overrides: Record<string, unknown> = {}) => ({
      eventId: 'evt-1',
      connectionId,
      status: 'authorization_required',
      reason: 'token_revoked',
      occurredAt: new Date().toISOString(),
      ...overrides,
    });

    it('moves the connection to authorization_required with one incident and one alert in the outbox', async () => {
      const response = await postIngest(t.url, event({ counts: { adsCreated: 3 } }));
      expect(response.status).toBe(202);
      const prisma = t.app.core.db.prisma;
      const connection = await prisma.connection.findUniqueOrThrow({ where: { id: connectionId } });
      expect(connection.status).toBe('authorization_required');
      expect(connection.reason).toBe('token_revoked');
      const incidents = await prisma.incident.findMany();
      expect(incidents).toHaveLength(1);
      expect(incidents[0]!.state).toBe('open');
      expect(JSON.parse(incidents[0]!.counts)).toEqual({ adsCreated: 3 });
      expect(await prisma.outboxMessage.count({ where: { kind: 'alert.sync' } })).toBe(1);
      const audit = await prisma.auditEvent.findMany({ where: { action: 'status_changed' } });
      expect(audit).toHaveLength(1);
      expect(audit[0]).toMatchObject({ actorType: 'webhook', actorId: 'evt-1', fromStatus: 'connected', toStatus: 'authorization_required' });
    });

    it('accepts a repeated eventId with 202 and changes nothing', async () => {
      expect((await postIngest(t.url, event())).status).toBe(202);
      const before = await tableCounts(t.app.core.db.prisma);
      const again = await postIngest(t.url, event());
      expect(again.status).toBe(202);
      expect(again.json.results).toEqual([expect.objectContaining({ duplicate: true })]);
      expect(await tableCounts(t.app.core.db.prisma)).toEqual(before);
    });

    it('finds the connection by provider and externalAccountId', async () => {
      const response = await postIngest(t.url, { ...event(), connectionId: undefined, provider: 'google_ads', externalAccountId: '123-456-7890' });
      expect(response.status).toBe(202);
      expect((await t.app.core.db.prisma.connection.findUniqueOrThrow({ where: { id: connectionId } })).status).toBe('authorization_required');
    });

    it('closes the incident when the platform reports the connection is back', async () => {
      await postIngest(t.url, event());
      const back = await postIngest(t.url, event({ eventId: 'evt-2', status: 'connected', reason: undefined }));
      expect(back.status).toBe(202);
      const incident = await t.app.core.db.prisma.incident.findFirstOrThrow();
      expect(incident.state).toBe('closed');
      expect(incident.openKey).toBeNull();
    });

    describe('refusals leave the database unchanged', () => {
      const now = () => Math.floor(Date.now() / 1000);
      const cases: [string, () => Promise<{ status: number; json: Record<string, unknown> }>, number, RegExp | string][] = [
        ['a flipped body byte', async () => {
          const raw = JSON.stringify(event());
          const ts = now();
          return postIngest(t.url, null, { raw: raw.replace('evt-1', 'evt-2'), timestamp: ts, signature: signBody(TEST_SECRETS.ingest, ts, raw) });
        }, 401, 'unauthorized'],
        ['the wrong secret', () => postIngest(t.url, event(), { secret: 'not-the-secret' }), 401, 'unauthorized'],
        ['a timestamp six minutes old', () => postIngest(t.url, event(), { timestamp: now() - 360 }), 401, 'unauthorized'],
        ['a timestamp six minutes in the future', () => postIngest(t.url, event(), { timestamp: now() + 360 }), 401, 'unauthorized'],
        ['a missing signature', () => postIngest(t.url, event(), { signature: '' }), 401, 'unauthorized'],
        ['malformed JSON', () => postIngest(t.url, null, { raw: '{"eventId":' }), 400, 'bad_request'],
        ['an unknown status', () => postIngest(t.url, event({ status: 'broken' })), 400, 'bad_request'],
        ['negative counts', () => postIngest(t.url, event({ counts: { adsCreated: -1 } })), 400, 'bad_request'],
        ['no connection reference', () => postIngest(t.url, event({ connectionId: undefined })), 400, 'bad_request'],
        ['an unknown connection', () => postIngest(t.url, event({ connectionId: 'nope' })), 404, 'not_found'],
        ['an unknown account', () => postIngest(t.url, { ...event(), connectionId: undefined, provider: 'google_ads', externalAccountId: 'other' }), 404, 'not_found'],
        ['a body over 1 MB', () => postIngest(t.url, null, { raw: JSON.stringify({ ...event(), pad: 'x'.repeat(1024 * 1024) }) }), 413, 'payload_too_large'],
      ];

      it.each(cases)('%s', async (_name, send, status, code) => {
        const before = await tableCounts(t.app.core.db.prisma);
        const response = await send();
        expect(response.status).toBe(status);
        expect(response.json.error).toMatch(code);
        expect(await tableCounts(t.app.core.db.prisma)).toEqual(before);
      });

      it('says which fields are wrong', async () => {
        const response = await postIngest(t.url, event({ status: 'broken', occurredAt: 'yesterday' }));
        expect(response.status).toBe(400);
        expect(Object.keys(response.json.fields as object).sort()).toEqual(['occurredAt', 'status']);
      });
    });
  });
}
