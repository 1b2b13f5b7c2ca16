import { databaseKinds, truncateAll } from '../support/databases';
import { adminRequest, tableCounts } from '../fakes/ingest-requests';
import { startTestApp, type TestApp } from '../support/test-app';

const base = {
  teamId: 'T0001',
  provider: 'salesforce',
  name: 'Salesforce — Prod',
  externalAccountId: '00D000000000001',
  channelId: 'C0ALERTS',
  owners: ['U0OWNER'],
};

for (const { kind, skip } of databaseKinds()) {
  (skip ? describe.skip : describe)(`admin API [${kind}]`, () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp(kind);
    });
    afterAll(async () => t.stop());
    afterEach(async () => truncateAll(t.app.core.db));

    it('creates a connection with its kind from the catalog, and never returns credentials', async () => {
      const created = await adminRequest(t.url, 'POST', '/api/v1/connections', {
        ...base,
        credentials: { accessToken: 'at-very-secret-1', refreshToken: 'rt-very-secret-1' },
      });
      expect(created.status).toBe(201);
      expect(created.json).toMatchObject({ provider: 'salesforce', kind: 'crm', status: 'connected', owners: ['U0OWNER'] });
      expect(JSON.stringify(created.json)).not.toMatch(/very-secret/);
      const stored = await t.app.core.db.prisma.credential.findFirstOrThrow();
      expect(stored.ciphertext).not.toMatch(/very-secret/);
      expect(stored.keyId).toBe('k1');
    });

    it('lists, reads, patches and disables', async () => {
      const { json } = await adminRequest(t.url, 'POST', '/api/v1/connections', base);
      const id = json.id as string;
      expect((await adminRequest(t.url, 'GET', '/api/v1/connections')).json.connections).toHaveLength(1);
      expect((await adminRequest(t.url, 'GET', `/api/v1/connections/${id}`)).json.name).toBe('Salesforce — Prod');
      const patched = await adminRequest(t.url, 'PATCH', `/api/v1/connections/${id}`, { name: 'SF', options: { autotagging: false } });
      expect(patched.json).toMatchObject({ name: 'SF', options: { autotagging: false } });
      const disabled = await adminRequest(t.url, 'DELETE', `/api/v1/connections/${id}`);
      expect(disabled.json.status).toBe('disabled');
      expect((await adminRequest(t.url, 'GET', '/api/v1/connections')).json.connections).toHaveLength(0);
      const reenabled = await adminRequest(t.url, 'PATCH', `/api/v1/connections/${id}`, { enabled: true });
      expect(reenabled.json.status).toBe('connected');
    });

    it.each([
      ['no token', 'POST', '/api/v1/connections', base, null, 401],
      ['a wrong token', 'GET', '/api/v1/connections', undefined, 'wrong', 401],
      ['an unknown provider', 'POST', '/api/v1/connections', { ...base, provider: 'myspace' }, undefined, 400],
      ['a bad owner id', 'POST', '/api/v1/connections', { ...base, owners: ['bob'] }, undefined, 400],
      ['an unknown field', 'POST', '/api/v1/connections', { ...base, colour: 'red' }, undefined, 400],
      ['an unknown connection', 'PATCH', '/api/v1/connections/nope', { name: 'x' }, undefined, 404],
    ])('refuses %s and writes nothing', async (_name, method, path, body, token, status) => {
      const before = await tableCounts(t.app.core.db.prisma);
      const response = await adminRequest(t.url, method, path, body, token === undefined ? undefined : token);
      expect(response.status).toBe(status);
      expect(typeof response.json.message).toBe('string');
      expect(await tableCounts(t.app.core.db.prisma)).toEqual(before);
    });

    it('refuses a second connection for the same account with 409', async () => {
      await adminRequest(t.url, 'POST', '/api/v1/connections', base);
      const again = await adminRequest(t.url, 'POST', '/api/v1/connections', base);
      expect(again.status).toBe(409);
    });
  });
}
