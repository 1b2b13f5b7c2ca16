import { databaseKinds } from '../support/databases';
import { postIngest, adminRequest } from '../fakes/ingest-requests';
import { startTestApp } from '../support/test-app';
import { startFakeSlack, FAKE_SLACK_DEFAULTS } from '../fakes/fake-slack';
import { fakeSlackEnv } from '../fakes/slack-requests';
import { waitFor } from '../support/wait';

for (const { kind, skip } of databaseKinds()) {
  (skip ? describe.skip : describe)(`health, readiness and metrics [${kind}]`, () => {
    it('is not ready without Slack credentials, and says why', async () => {
      const t = await startTestApp(kind);
      try {
        expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
        const ready = await fetch(`${t.url}/readyz`);
        expect(ready.status).toBe(503);
        expect(await ready.json()).toEqual({ status: 'not_ready', problems: ['Slack credentials not configured'] });
        expect((await fetch(`${t.url}/slack/events`, { method: 'POST' })).status).toBe(503);
      } finally {
        await t.stop();
      }
    });

    it('is ready with Slack configured, and /metrics counts alerts and shows the outbox', async () => {
      const slack = await startFakeSlack();
      const t = await startTestApp(kind, { ...fakeSlackEnv(slack) });
      try {
        expect(await (await fetch(`${t.url}/readyz`)).json()).toEqual({ status: 'ready' });
        const created = await adminRequest(t.url, 'POST', '/api/v1/connections', {
          teamId: FAKE_SLACK_DEFAULTS.team.id,
          provider: 'linkedin_ads',
          name: 'LinkedIn Ads',
          externalAccountId: '5001',
          channelId: 'C0ALERTS1',
        });
        await postIngest(t.url, { eventId: 'm1', connectionId: created.json.id, status: 'authorization_required', occurredAt: new Date().toISOString() });
        await slack.waitForCalls('chat.postMessage', 1);
        let metrics = '';
        await waitFor(async () => {
          metrics = await (await fetch(`${t.url}/metrics`)).text();
          return metrics.includes('reconnect_alerts_posted_total{provider="linkedin_ads"} 1');
        });
        expect(metrics).toMatch(/# TYPE reconnect_outbox_depth gauge\nreconnect_outbox_depth \d+/);
        expect(metrics).toMatch(/reconnect_outbox_oldest_age_seconds \d/);
      } finally {
        await t.stop();
        await slack.close();
      }
    });
  });
}
