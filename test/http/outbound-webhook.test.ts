import { databaseKinds, truncateAll } from '../support/databases';
import { adminRequest } from '../fakes/ingest-requests';
import { startTestApp, TEST_SECRETS, type TestApp } from '../support/test-app';
import { startWebhookReceiver, type WebhookReceiver } from '../fakes/webhook-receiver';
import { FAKE_SLACK_DEFAULTS } from '../fakes/fake-slack';
import { verifySignature } from '../../src/lib/signature';
import { waitFor } from '../support/wait';

/** The data platform's receiver: every status event, signed, retried on any non-2xx, counted in /metrics. */
for (const { kind, skip } of databaseKinds()) {
  (skip ? describe.skip : describe)(`outbound webhooks [${kind}]`, () => {
    let hooks: WebhookReceiver;
    let t: TestApp;

    beforeAll(async () => {
      hooks = await startWebhookReceiver();
      t = await startTestApp(kind, { OUTBOUND_WEBHOOK_URL: hooks.url, OUTBOUND_WEBHOOK_SECRET: TEST_SECRETS.webhook });
    });
    afterAll(async () => {
      await t.stop();
      await hooks.close();
    });
    beforeEach(async () => {
      await truncateAll(t.app.core.db);
      hooks.received.length = 0;
    });

    const bodies = () => hooks.received.map((hook) => JSON.parse(hook.body) as Record<string, unknown>);

    it('sends connection.created and connection.disabled, signed, without credentials, and retries a 404 with the same eventId', async () => {
      hooks.answerNext(404);
      const created = await adminRequest(t.url, 'POST', '/api/v1/connections', {
        teamId: FAKE_SLACK_DEFAULTS.team.id,
        provider: 'hubspot',
        name: 'HubSpot',
        externalAccountId: '20011001',
        credentials: { accessToken: 'at-secret-0123456789', refreshToken: 'rt-secret-0123456789' },
      });
      const id = created.json.id as string;
      await waitFor(() => hooks.received.length === 2, 10_000);
      expect(bodies().map((body) => body.type)).toEqual(['connection.created', 'connection.created']);
      expect(bodies()[0]!.eventId).toBe(bodies()[1]!.eventId);
      expect(bodies()[0]).toMatchObject({ connectionId: id, provider: 'hubspot', externalAccountId: '20011001', status: 'connected' });

      expect((await adminRequest(t.url, 'DELETE', `/api/v1/connections/${id}`)).status).toBe(200);
      await waitFor(() => hooks.received.length === 3);
      expect(bodies()[2]).toMatchObject({ type: 'connection.disabled', connectionId: id, status: 'disabled' });

      for (const hook of hooks.received) {
        expect(hook.body).not.toContain('secret-0123456789');
        const signature = { timestamp: String(hook.headers['x-reconnect-timestamp']), signature: String(hook.headers['x-reconnect-signature']) };
        expect(verifySignature(TEST_SECRETS.webhook, signature, hook.body, new Date())).toBeNull();
      }
      const metrics = await (await fetch(`${t.url}/metrics`)).text();
      expect(metrics).toMatch(/reconnect_webhook_answers_total\{answer="4xx"\} 1/);
      expect(metrics).toMatch(/reconnect_webhook_answers_total\{answer="2xx"\} 2/);
    });
  });
}
