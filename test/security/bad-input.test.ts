import http from 'node:http';
import { startReauthorization } from '../../src/domain/reauth-start';
import { signBody } from '../../src/lib/signature';
import { databaseKinds } from '../support/databases';
import { genericOAuthEnv, startFakeOAuthProvider, followAuthorize, type FakeOAuthProvider } from '../fakes/fake-oauth-provider';
import { startFakeSlack, FAKE_SLACK_DEFAULTS, type FakeSlack } from '../fakes/fake-slack';
import { adminRequest, postIngest, tableCounts } from '../fakes/ingest-requests';
import { blockAction, eventCallback, postSigned, slashCommand, TEST_SIGNING_SECRET, type SlackRequest, fakeSlackEnv } from '../fakes/slack-requests';
import { startTestApp, TEST_SECRETS, type TestApp } from '../support/test-app';
import { waitFor } from '../support/wait';

/**
 * A corpus of bad requests against every HTTP entry point: malformed, oversized, wrongly signed, replayed
 * and stale. Each refusal must carry the right status and a message that says what is wrong, and must
 * leave every table as it was. Slack's endpoint is the exception on purpose: it answers refusals with an
 * empty body (Bolt's verifier: 401 with no detail), and signed but meaningless or replayed
 * requests are acknowledged with 200 so Slack shows no error, yet change nothing.
 */

const TEAM = FAKE_SLACK_DEFAULTS.team.id;
const OWNER = 'U0OWNER01';
const CHANNEL = 'C0ALERTS1';
const OVER_ONE_MB = 1024 * 1024 + 1;

interface Answer {
  status: number;
  text: string;
}

/** What the answer must say: a JSON `message`, text in an HTML page, or nothing at all. */
type Says = { json: RegExp } | { html: string } | 'empty';

/** Sets up what the case needs (not counted), then returns the request whose effects are counted. */
type Arrange = () => Promise<() => Promise<Answer>>;

const now = () => Math.floor(Date.now() / 1000);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

for (const { kind, skip } of databaseKinds()) {
  (skip ? describe.skip : describe)(`bad input at every entry point [${kind}]`, () => {
    let slack: FakeSlack;
    let provider: FakeOAuthProvider;
    let t: TestApp;
    let oauthConnection: string;
    let incidentId: string;
    let accounts = 0;
    const answers: string[] = [];
    const storedSecrets: string[] = [];

    beforeAll(async () => {
      slack = await startFakeSlack({ users: [{ id: OWNER, name: 'owner' }] });
      provider = await startFakeOAuthProvider();
      const urls = provider.config();
      t = await startTestApp(kind, {
        ...fakeSlackEnv(slack),
        ...genericOAuthEnv(provider),
        GENERIC_API_KEY_PROBE_URL: urls.apiKeyProbeUrl,
      });
      oauthConnection = await newConnection('generic_oauth2');
      incidentId = await drop(oauthConnection);
    });
    afterAll(async () => {
      await t.stop();
      await Promise.all([slack.close(), provider.close()]);
    });

    /** A connection with live credentials at the fake provider; its account signs in at the next /authorize. */
    async function newConnection(providerId: 'generic_oauth2' | 'generic_api_key'): Promise<string> {
      accounts += 1;
      const account = `acct-${accounts}`;
      let credentials: Record<string, string>;
      if (providerId === 'generic_oauth2') {
        credentials = provider.issueTokens(account);
      } else {
        credentials = { apiKey: `key-${account}-0123456789` };
        provider.addApiKey(credentials.apiKey!, account);
      }
      storedSecrets.push(...Object.values(credentials));
      const created = await adminRequest(t.url, 'POST', '/api/v1/connections', {
        teamId: TEAM,
        provider: providerId,
        name: `Connection ${account}`,
        externalAccountId: account,
        channelId: CHANNEL,
        owners: [OWNER],
        credentials,
      });
      expect(created.status).toBe(201);
      provider.nextAccount(account);
      return created.json.id as string;
    }

    /** Reports the connection as needing reauthorization and waits until its alert is out. */
    async function drop(connectionId: string): Promise<string> {
      const sent = await postIngest(t.url, { eventId: `drop-${connectionId}`, connectionId, status: 'authorization_required', reason: 'token_revoked', occurredAt: new Date().toISOString() });
      expect(sent.status).toBe(202);
      await outboxDrained();
      return (await t.app.core.db.prisma.incident.findFirstOrThrow({ where: { connectionId } })).id;
    }

    async function outboxDrained(): Promise<void> {
      const prisma = t.app.core.db.prisma;
      await waitFor(async () => (await prisma.outboxMessage.count({ where: { state: 'pending' } })) === 0, 10_000);
    }

    async function reauthorizeLink(connectionId: string): Promise<string> {
      const core = t.app.core;
      const started = await startReauthorization(
        { prisma: core.db.prisma, clock: core.clock, catalog: core.catalog, publicUrl: core.config.publicUrl, linkTtlMinutes: 10, allowedUsers: [] },
        { connectionId, teamId: TEAM, userId: OWNER, dedupeKey: `link-${connectionId}-${Date.now()}`, isAdmin: async () => false },
      );
      if (started.outcome !== 'link') throw new Error(`no reauthorize link: ${started.outcome}`);
      return started.url;
    }

    async function openLink(link: string): Promise<{ status: number; location: string; cookie: string; html: string }> {
      const response = await fetch(link, { redirect: 'manual' });
      return {
        status: response.status,
        location: response.headers.get('location') ?? '',
        cookie: (response.headers.get('set-cookie') ?? '').split(';')[0]!,
        html: await response.text(),
      };
    }

    async function apiKeyForm(): Promise<{ flow: string; csrf: string; cookie: string }> {
      const opened = await openLink(await reauthorizeLink(await newConnection('generic_api_key')));
      const field = (name: string) => new RegExp(`name="${name}" value="([^"]+)"`).exec(opened.html)![1]!;
      return { flow: field('flow'), csrf: field('csrf'), cookie: opened.cookie };
    }

    const call = async (path: string, init: RequestInit = {}): Promise<Answer> => {
      const response = await fetch(`${t.url}${path}`, { redirect: 'manual', ...init });
      return { status: response.status, text: await response.text() };
    };

    const slackPost = async (request: SlackRequest, overrides: Parameters<typeof postSigned>[3] = {}): Promise<Answer> => {
      const answer = await postSigned(t.url, '/slack/events', request, overrides);
      // Bolt acks before the listener runs: give an acknowledged request's work time to (not) happen.
      if (answer.status === 200) await sleep(300);
      return { status: answer.status, text: answer.text };
    };

    const admin = (method: string, path: string, init: { body?: string; authorization?: string | null } = {}) =>
      call(path, {
        method,
        headers: {
          'content-type': 'application/json',
          ...(init.authorization === null ? {} : { authorization: init.authorization ?? `Bearer ${TEST_SECRETS.admin}` }),
        },
        body: init.body,
      });

    const ingest = async (body: unknown, options: Parameters<typeof postIngest>[2] = {}): Promise<Answer> => {
      const answer = await postIngest(t.url, body, options);
      return { status: answer.status, text: JSON.stringify(answer.json) };
    };

    const dropEvent = (overrides: Record<string, unknown> = {}) => ({
      eventId: 'evt-bad-input',
      connectionId: oauthConnection,
      status: 'authorization_required',
      reason: 'token_revoked',
      occurredAt: new Date().toISOString(),
      ...overrides,
    });

    const click = (overrides: Partial<Parameters<typeof blockAction>[0]> = {}) =>
      blockAction({ actionId: 'acknowledge', value: incidentId, channelId: CHANNEL, userId: OWNER, responseUrl: slack.responseUrl(), ...overrides });

    const event = () => eventCallback({ type: 'app_mention', user: OWNER, text: 'hello', channel: CHANNEL });
    const oversized = (request: SlackRequest): SlackRequest =>
      request.contentType === 'application/json'
        ? { ...request, body: JSON.stringify({ ...(JSON.parse(request.body) as object), pad: 'x'.repeat(OVER_ONE_MB) }) }
        : { ...request, body: `${request.body}&pad=${'x'.repeat(OVER_ONE_MB)}` };
    const just = (send: () => Promise<Answer>): Arrange => async () => send;

    const connectionBody = (overrides: Record<string, unknown> = {}) =>
      JSON.stringify({ teamId: TEAM, provider: 'hubspot', name: 'HubSpot', externalAccountId: 'hub-bad-input', channelId: CHANNEL, ...overrides });

    const refusals: [string, Arrange, number, Says][] = [
      // POST /slack/events: events, slash commands and interactions
      ['event: signed with the wrong secret', just(() => slackPost(event(), { signingSecret: 'not-the-signing-secret' })), 401, 'empty'],
      ['event: one body byte flipped after signing', just(async () => {
        const request = event();
        return slackPost(request, { body: request.body.replace('hello', 'hellp') });
      }), 401, 'empty'],
      ['event: no signature header', just(() => slackPost(event(), { headers: { 'X-Slack-Signature': '' } })), 401, 'empty'],
      ['event: no timestamp header', just(() => slackPost(event(), { headers: { 'X-Slack-Request-Timestamp': '' } })), 401, 'empty'],
      ['event: timestamp six minutes old', just(() => slackPost(event(), { timestamp: now() - 360 })), 401, 'empty'],
      ['event: timestamp six minutes in the future', just(() => slackPost(event(), { timestamp: now() + 360 })), 401, 'empty'],
      ['event: signed body that is not JSON', just(() => slackPost({ contentType: 'application/json', body: '{"type":', headers: {} })), 400, 'empty'],
      ['event: signed body over 1 MB', just(() => slackPost(oversized(event()))), 413, 'empty'],
      ['slash command: signed with the wrong secret', just(() => slackPost(slashCommand({ text: 'status' }), { signingSecret: 'not-the-signing-secret' })), 401, 'empty'],
      ['slash command: timestamp six minutes old', just(() => slackPost(slashCommand({ text: 'status' }), { timestamp: now() - 360 })), 401, 'empty'],
      ['slash command: signed body over 1 MB', just(() => slackPost(oversized(slashCommand({ text: 'status' })))), 413, 'empty'],
      ['interaction: signed with the wrong secret', just(() => slackPost(click(), { signingSecret: 'not-the-signing-secret' })), 401, 'empty'],
      ['interaction: timestamp six minutes old', just(() => slackPost(click(), { timestamp: now() - 360 })), 401, 'empty'],
      ['interaction: timestamp six minutes in the future', just(() => slackPost(click(), { timestamp: now() + 360 })), 401, 'empty'],
      ['interaction: signed payload that is not JSON', just(() => slackPost({ contentType: 'application/x-www-form-urlencoded', body: 'payload=%7B%22type%22%3A', headers: {} })), 400, 'empty'],
      ['interaction: signed body over 1 MB', just(() => slackPost(oversized(click()))), 413, 'empty'],

      // POST /api/v1/connection-events
      ['ingest: signed with the wrong secret', just(() => ingest(dropEvent(), { secret: 'not-the-ingest-secret' })), 401, { json: /Invalid or stale signature/ }],
      ['ingest: one body byte flipped after signing', just(() => {
        const raw = JSON.stringify(dropEvent());
        const ts = now();
        return ingest(null, { raw: raw.replace('token_revoked', 'token_expired'), timestamp: ts, signature: signBody(TEST_SECRETS.ingest, ts, raw) });
      }), 401, { json: /Invalid or stale signature/ }],
      ['ingest: no signature', just(() => ingest(dropEvent(), { signature: '' })), 401, { json: /Invalid or stale signature/ }],
      ['ingest: timestamp six minutes old', just(() => ingest(dropEvent(), { timestamp: now() - 360 })), 401, { json: /Invalid or stale signature/ }],
      ['ingest: timestamp six minutes in the future', just(() => ingest(dropEvent(), { timestamp: now() + 360 })), 401, { json: /Invalid or stale signature/ }],
      ['ingest: malformed JSON', just(() => ingest(null, { raw: '{"eventId":' })), 400, { json: /not valid JSON/ }],
      ['ingest: a JSON array', just(() => ingest([dropEvent()])), 400, { json: /Invalid event/ }],
      ['ingest: an unknown field', just(() => ingest(dropEvent({ priority: 'high' }))), 400, { json: /Invalid event/ }],
      ['ingest: an unknown status', just(() => ingest(dropEvent({ status: 'on_fire' }))), 400, { json: /Invalid event/ }],
      ['ingest: an unknown connection', just(() => ingest(dropEvent({ connectionId: 'no-such-connection' }))), 404, { json: /No connection matches/ }],
      ['ingest: body over 1 MB', just(() => ingest(null, { raw: JSON.stringify({ ...dropEvent(), pad: 'x'.repeat(OVER_ONE_MB) }) })), 413, { json: /Body over 1048576 bytes/ }],
      ['ingest: body over 1 MB streamed without a length', just(() => streamIngest(`${t.url}/api/v1/connection-events`, OVER_ONE_MB * 2)), 413, { json: /Body over 1048576 bytes/ }],

      // GET /oauth/start
      ['oauth start: no link token', just(() => call('/oauth/start')), 400, { html: 'This link is not valid' }],
      ['oauth start: a malformed link token', just(() => call('/oauth/start?t=%3Cscript%3E')), 400, { html: 'This link is not valid' }],
      ['oauth start: an unknown link token', just(() => call(`/oauth/start?t=${'A'.repeat(43)}`)), 400, { html: 'This link is not valid' }],
      ['oauth start: a link opened before (replayed)', async () => {
        const link = await reauthorizeLink(oauthConnection);
        expect((await openLink(link)).status).toBe(302);
        return () => call(link.slice(t.url.length));
      }, 410, { html: 'already used' }],
      ['oauth start: an expired link', async () => {
        const link = await reauthorizeLink(oauthConnection);
        await t.app.core.db.prisma.authFlow.updateMany({ where: { usedAt: null, purpose: 'reauth_link' }, data: { expiresAt: new Date(Date.now() - 1000) } });
        return () => call(link.slice(t.url.length));
      }, 410, { html: 'expired' }],

      // GET /oauth/callback
      ['oauth callback: no state', just(() => call('/oauth/callback?code=abc')), 400, { html: 'has no state' }],
      ['oauth callback: an unknown state', just(() => call(`/oauth/callback?code=abc&state=${'s'.repeat(43)}`)), 400, { html: 'not valid' }],
      ['oauth callback: an error without state', just(() => call('/oauth/callback?error=access_denied')), 400, { html: 'has no state' }],
      ['oauth callback: an error with an unknown state', just(() => call(`/oauth/callback?error=access_denied&state=${'s'.repeat(43)}`)), 400, { html: 'not valid' }],
      ['oauth callback: a completed sign-in replayed', async () => {
        const opened = await openLink(await reauthorizeLink(await newConnection('generic_oauth2')));
        const callback = await followAuthorize(opened.location);
        const path = `${callback.pathname}${callback.search}`;
        expect((await call(path, { headers: { cookie: opened.cookie } })).status).toBe(200);
        await outboxDrained();
        return () => call(path, { headers: { cookie: opened.cookie } });
      }, 410, { html: 'already used' }],

      // POST /oauth/api-key
      ['api-key form: no fields', just(() => call('/oauth/api-key', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '' })), 400, { html: 'That form was incomplete' }],
      ['api-key form: no API key', async () => {
        const form = await apiKeyForm();
        return () => submitKey(form, { apiKey: '' });
      }, 400, { html: 'Fill in API key.' }],
      ['api-key form: a forged CSRF token', async () => {
        const form = await apiKeyForm();
        return () => submitKey(form, { csrf: 'forged-csrf-token-0000000000' });
      }, 403, { html: 'could not be verified' }],
      ['api-key form: no flow cookie', async () => {
        const form = await apiKeyForm();
        return () => submitKey(form, { cookie: '' });
      }, 403, { html: 'another browser' }],
      ['api-key form: an unknown flow', async () => {
        const form = await apiKeyForm();
        return () => submitKey(form, { flow: 'f'.repeat(43) });
      }, 400, { html: 'not valid' }],
      ['api-key form: body over 1 MB', async () => {
        const form = await apiKeyForm();
        return () => submitKey(form, { apiKey: 'k'.repeat(OVER_ONE_MB) });
      }, 413, { json: /Body over 65536 bytes/ }],

      // Admin API
      ['admin: no token', just(() => admin('GET', '/api/v1/connections', { authorization: null })), 401, { json: /Missing or wrong bearer token/ }],
      ['admin: the wrong token', just(() => admin('GET', '/api/v1/connections', { authorization: 'Bearer not-the-admin-token' })), 401, { json: /Missing or wrong bearer token/ }],
      ['admin: the token under another scheme', just(() => admin('GET', '/api/v1/connections', { authorization: `Basic ${TEST_SECRETS.admin}` })), 401, { json: /Missing or wrong bearer token/ }],
      ['admin: a write without a token', just(() => admin('POST', '/api/v1/connections', { body: connectionBody(), authorization: null })), 401, { json: /Missing or wrong bearer token/ }],
      ['admin: malformed JSON', just(() => admin('POST', '/api/v1/connections', { body: '{"teamId":' })), 400, { json: /not valid JSON/ }],
      ['admin: a JSON array', just(() => admin('POST', '/api/v1/connections', { body: '[]' })), 400, { json: /Invalid request/ }],
      ['admin: an unknown field', just(() => admin('POST', '/api/v1/connections', { body: connectionBody({ plan: 'gold' }) })), 400, { json: /Invalid request/ }],
      ['admin: an unknown credential field', just(() => admin('POST', '/api/v1/connections', { body: connectionBody({ credentials: { password: 'hunter2' } }) })), 400, { json: /Invalid request/ }],
      ['admin: a malformed team id', just(() => admin('POST', '/api/v1/connections', { body: connectionBody({ teamId: 'not a team' }) })), 400, { json: /Invalid request/ }],
      ['admin: an unknown provider', just(() => admin('POST', '/api/v1/connections', { body: connectionBody({ provider: 'myspace' }) })), 400, { json: /Unknown provider "myspace"/ }],
      ['admin: an account registered twice', just(() => admin('POST', '/api/v1/connections', { body: connectionBody({ provider: 'generic_oauth2', externalAccountId: 'acct-1' }) })), 409, { json: /already has a Generic OAuth2 connection/ }],
      ['admin: body over 1 MB', just(() => admin('POST', '/api/v1/connections', { body: connectionBody({ name: 'x'.repeat(OVER_ONE_MB) }) })), 413, { json: /Body over 1048576 bytes/ }],
      ['admin: reading an unknown id', just(() => admin('GET', '/api/v1/connections/no-such-id')), 404, { json: /./ }],
      ['admin: changing an unknown id', just(() => admin('PATCH', '/api/v1/connections/no-such-id', { body: '{"name":"x"}' })), 404, { json: /./ }],
      ['admin: disabling an unknown id', just(() => admin('DELETE', '/api/v1/connections/no-such-id')), 404, { json: /./ }],
      ['admin: a patch with an unknown field', just(() => admin('PATCH', `/api/v1/connections/${oauthConnection}`, { body: '{"status":"connected"}' })), 400, { json: /Invalid request/ }],
      ['admin: a patch that is not JSON', just(() => admin('PATCH', `/api/v1/connections/${oauthConnection}`, { body: 'name=x' })), 400, { json: /not valid JSON/ }],
      ['admin: a method the route lacks', just(() => admin('PUT', `/api/v1/connections/${oauthConnection}`, { body: '{}' })), 405, { json: /PUT is not allowed/ }],
    ];

    /** Requests that are answered 2xx by design (Slack must see an ack; ingest accepts repeats) yet change nothing. */
    const harmless: [string, Arrange, number][] = [
      ['interaction: the same signed click replayed', async () => {
        const acknowledged = () => t.app.core.db.prisma.auditEvent.count({ where: { action: 'acknowledged', incidentId } });
        const earlier = await acknowledged();
        const request = click();
        expect((await slackPost(request)).status).toBe(200);
        await waitFor(async () => (await acknowledged()) === earlier + 1);
        await outboxDrained();
        return () => slackPost(request);
      }, 200],
      ['interaction: a click whose value is not an incident id', just(async () => {
        const answer = await slackPost(click({ value: 'DROP TABLE "Incident"' }));
        await waitFor(() => slack.callsTo('response_url').some((c) => String(c.args.text).includes('no longer valid')));
        return answer;
      }), 200],
      ['interaction: a click on an incident that does not exist', just(() => slackPost(click({ value: '00000000-0000-4000-8000-000000000000' }))), 200],
      ['ingest: the same signed event replayed', async () => {
        const raw = JSON.stringify(dropEvent({ eventId: 'evt-replayed', status: 'degraded', reason: 'third_party_outage' }));
        const ts = now();
        const signature = signBody(TEST_SECRETS.ingest, ts, raw);
        expect((await ingest(null, { raw, timestamp: ts, signature })).status).toBe(202);
        await outboxDrained();
        return () => ingest(null, { raw, timestamp: ts, signature });
      }, 202],
    ];

    async function submitKey(form: { flow: string; csrf: string; cookie: string }, overrides: { flow?: string; csrf?: string; cookie?: string; apiKey?: string }): Promise<Answer> {
      const cookie = overrides.cookie ?? form.cookie;
      return call('/oauth/api-key', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...(cookie ? { cookie } : {}) },
        body: new URLSearchParams({ flow: overrides.flow ?? form.flow, csrf: overrides.csrf ?? form.csrf, apiKey: overrides.apiKey ?? 'key-new-0123456789' }).toString(),
      });
    }

    it.each(refusals)('refuses %s', async (_name, arrange, status, says) => {
      const act = await arrange();
      const before = await tableCounts(t.app.core.db.prisma);
      const answer = await act();
      answers.push(answer.text);
      expect(answer.status).toBe(status);
      if (says === 'empty') {
        expect(answer.text).toBe('');
      } else if ('json' in says) {
        expect(JSON.parse(answer.text)).toEqual(expect.objectContaining({ message: expect.stringMatching(says.json) }));
      } else {
        expect(answer.text).toContain(says.html);
      }
      expect(await tableCounts(t.app.core.db.prisma)).toEqual(before);
    });

    it.each(harmless)('acknowledges %s and changes nothing', async (_name, arrange, status) => {
      const act = await arrange();
      const before = await tableCounts(t.app.core.db.prisma);
      const answer = await act();
      answers.push(answer.text);
      expect(answer.status).toBe(status);
      expect(await tableCounts(t.app.core.db.prisma)).toEqual(before);
    });

    it('no answer, refused or not, contains a configured or stored secret', async () => {
      const listed = await admin('GET', '/api/v1/connections');
      const one = await admin('GET', `/api/v1/connections/${oauthConnection}`);
      answers.push(listed.text, one.text);
      const secrets = [
        TEST_SECRETS.ingest,
        TEST_SECRETS.admin,
        TEST_SECRETS.encryptionKey,
        TEST_SIGNING_SECRET,
        FAKE_SLACK_DEFAULTS.botToken,
        provider.clientSecret,
        ...storedSecrets,
      ];
      expect(answers.length).toBeGreaterThan(refusals.length);
      for (const text of answers) for (const secret of secrets) expect(text).not.toContain(secret);
    });
  });
}

/** Streams `bytes` with chunked encoding (no Content-Length), so only counting while reading can stop it. */
function streamIngest(url: string, bytes: number): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const timestamp = now();
    const request = http.request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-reconnect-timestamp': String(timestamp), 'x-reconnect-signature': 'v1=00' },
    });
    request.on('response', (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      response.on('error', reject);
    });
    // The server answers and stops reading before the body ends; the write side may then see a reset.
    request.on('error', () => undefined);
    const chunk = Buffer.alloc(64 * 1024, 'x');
    let sent = 0;
    const pump = () => {
      while (sent < bytes) {
        sent += chunk.length;
        if (!request.write(chunk)) return void request.once('drain', pump);
      }
      request.end();
    };
    pump();
  });
}
