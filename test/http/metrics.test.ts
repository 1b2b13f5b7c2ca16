import { databaseKinds } from '../support/databases';
import { genericOAuthEnv, startFakeOAuthProvider, type FakeOAuthProvider } from '../fakes/fake-oauth-provider';
import { FAKE_SLACK_DEFAULTS, startFakeSlack, type FakeSlack } from '../fakes/fake-slack';
import { adminRequest, postIngest } from '../fakes/ingest-requests';
import { blockAction, fakeSlackEnv, postSigned, slashCommand } from '../fakes/slack-requests';
import { startTestApp, type TestApp } from '../support/test-app';
import { waitFor } from '../support/wait';

/**
 * GET /metrics as Prometheus scrapes it, after a probe (`/reconnect check`), an ingested drop that posts
 * an alert, and a click on it: the latency histograms operators alert on are there with the right counts,
 * next to prom-client's process and Node metrics and the counters the app always had.
 */

const CHANNEL = 'C0ALERTS1';
const OWNER = 'U0OWNER01';

/** `name{labels}` → value, for every sample line of a text exposition. */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    out.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return out;
}

async function scrape(url: string): Promise<{ text: string; values: Map<string, number>; contentType: string | null }> {
  const response = await fetch(`${url}/metrics`);
  expect(response.status).toBe(200);
  const text = await response.text();
  return { text, values: samples(text), contentType: response.headers.get('content-type') };
}

for (const { kind, skip } of databaseKinds()) {
  (skip ? describe.skip : describe)(`GET /metrics [${kind}]`, () => {
    let slack: FakeSlack;
    let oauth: FakeOAuthProvider;
    let t: TestApp;

    beforeAll(async () => {
      slack = await startFakeSlack({ users: [{ id: OWNER, name: 'owner' }] });
      oauth = await startFakeOAuthProvider();
      t = await startTestApp(kind, { ...fakeSlackEnv(slack), ...genericOAuthEnv(oauth) });
    });
    afterAll(async () => {
      await t.stop();
      await slack.close();
      await oauth.close();
    });

    it('has ingest → post, ack, probe and outbox-age histograms with the right counts, and the process defaults', async () => {
      const created = await adminRequest(t.url, 'POST', '/api/v1/connections', {
        teamId: FAKE_SLACK_DEFAULTS.team.id,
        provider: 'generic_oauth2',
        name: 'Pipeline CRM',
        externalAccountId: 'acct-1',
        channelId: CHANNEL,
        owners: [OWNER],
        credentials: oauth.issueTokens('acct-1'),
      });
      expect(created.status).toBe(201);

      // A probe, asked for in Slack: one slash command acked, one check of generic_oauth2 that finds it healthy.
      const check = await postSigned(t.url, '/slack/events', slashCommand({ text: 'check Pipeline CRM', response_url: slack.responseUrl(), user_id: OWNER }));
      expect(check.status).toBe(200);
      await slack.waitForCalls('response_url', 1);

      // An ingested drop: one alert posted.
      const ingest = await postIngest(t.url, { eventId: 'm1', connectionId: created.json.id, status: 'authorization_required', occurredAt: new Date().toISOString() });
      expect(ingest.status).toBe(202);
      const [post] = await slack.waitForCalls('chat.postMessage', 1);
      const ts = slack.messages(CHANNEL)[0]!.ts;
      expect(post!.args.channel).toBe(CHANNEL);

      // A click on it: one block_actions acked, and the alert updated in place.
      const click = await postSigned(t.url, '/slack/events', blockAction({ actionId: 'acknowledge', message: slack.message(CHANNEL, ts)!, channelId: CHANNEL, userId: OWNER }));
      expect(click.status).toBe(200);
      await slack.waitForCalls('chat.update', 1);

      let scraped = await scrape(t.url);
      await waitFor(async () => {
        scraped = await scrape(t.url);
        return scraped.values.get('reconnect_outbox_depth') === 0 && (scraped.values.get('reconnect_outbox_delivered_total{kind="alert.sync"}') ?? 0) >= 2;
      });
      const { values, text, contentType } = scraped;
      expect(contentType).toBe('text/plain; version=0.0.4; charset=utf-8');

      // Ingest → chat.postMessage: one alert, observed once, well inside the last finite bucket.
      expect(values.get('reconnect_alert_post_latency_seconds_count')).toBe(1);
      expect(values.get('reconnect_alert_post_latency_seconds_bucket{le="+Inf"}')).toBe(1);
      expect(values.get('reconnect_alert_post_latency_seconds_bucket{le="5"}')).toBe(1);
      expect(values.get('reconnect_alert_post_latency_seconds_sum')).toBeGreaterThan(0);
      expect(text).toContain('# TYPE reconnect_alert_post_latency_seconds histogram');
      expect(values.get('reconnect_alerts_posted_total{provider="generic_oauth2"}')).toBe(1);

      // Slack acks: the command and the click, each once, both inside Slack's 3 s.
      expect(values.get('reconnect_slack_ack_seconds_count{type="slash_command"}')).toBe(1);
      expect(values.get('reconnect_slack_ack_seconds_count{type="block_actions"}')).toBe(1);
      expect(values.get('reconnect_slack_ack_seconds_bucket{le="3",type="block_actions"}')).toBe(1);
      expect(values.get('reconnect_slack_ack_seconds_bucket{le="3",type="slash_command"}')).toBe(1);

      // The probe, by provider and result, next to its counter.
      expect(values.get('reconnect_probe_duration_seconds_count{provider="generic_oauth2",result="ok"}')).toBe(1);
      expect(values.get('reconnect_probe_results_total{provider="generic_oauth2",result="ok"}')).toBe(1);

      // Outbox age at delivery: one observation per delivered row, for every kind.
      const delivered = [...values].filter(([series]) => series.startsWith('reconnect_outbox_delivered_total{'));
      expect(delivered.length).toBeGreaterThan(0);
      for (const [series, count] of delivered) {
        const labels = series.slice('reconnect_outbox_delivered_total'.length);
        expect([labels, values.get(`reconnect_outbox_delivery_age_seconds_count${labels}`)]).toEqual([labels, count]);
      }
      expect(values.get('reconnect_outbox_oldest_age_seconds')).toBe(0);

      // prom-client's process and Node defaults.
      expect(values.get('process_resident_memory_bytes')).toBeGreaterThan(0);
      expect(values.get('process_cpu_seconds_total')).toBeGreaterThan(0);
      expect(values.get('nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
      expect(values.has('nodejs_eventloop_lag_seconds')).toBe(true);
      expect(values.has('nodejs_eventloop_lag_p99_seconds')).toBe(true);
      expect(text).toContain('# TYPE nodejs_gc_duration_seconds histogram');
    });

    it("keeps each app's metrics to itself when several run in one process", async () => {
      const other = await startTestApp(kind);
      try {
        const mine = await scrape(t.url);
        const theirs = await scrape(other.url);
        expect(mine.values.get('reconnect_alerts_posted_total{provider="generic_oauth2"}')).toBe(1);
        expect(theirs.text).not.toContain('reconnect_alerts_posted_total');
        expect(theirs.values.get('process_resident_memory_bytes')).toBeGreaterThan(0);
      } finally {
        await other.stop();
      }
    });
  });
}
