import { loadSecrets, type Secrets } from '../../src/db/credentials';
import { checkNow, runProbeSweep } from '../../src/domain/probe';
import { probeDepsFromCore } from '../../src/app';
import { databaseKinds } from '../support/databases';
import { genericOAuthEnv, startFakeOAuthProvider, type FakeOAuthProvider, type RecordedRequest } from '../fakes/fake-oauth-provider';
import { adminRequest, postIngest } from '../fakes/ingest-requests';
import { startTestApp, TEST_SECRETS, type TestApp } from '../support/test-app';

/**
 * Runs the flows that handle secrets (admin API with tokens, a probe that refreshes, a provider echoing
 * secrets in an error, a revocation, ingest, outbox delivery) with every log line captured at debug
 * level, then looks for each secret in every line.
 */

const API_KEY = 'apikey_for_log_hygiene_0123456789';

for (const { kind, skip } of databaseKinds()) {
  (skip ? describe.skip : describe)(`no secret reaches the log [${kind}]`, () => {
    let fake: FakeOAuthProvider;
    let t: TestApp;

    beforeAll(async () => {
      fake = await startFakeOAuthProvider();
      const urls = fake.config();
      t = await startTestApp(kind, {
        ...genericOAuthEnv(fake),
        GENERIC_API_KEY_PROBE_URL: urls.apiKeyProbeUrl,
      });
    });
    afterAll(async () => {
      await t.stop();
      await fake.close();
    });

    it('keeps tokens, keys and configured secrets out of every log line', async () => {
      const { prisma } = t.app.core.db;
      const deps = probeDepsFromCore(t.app.core);
      const seen: Secrets[] = [];
      const remember = async (connection: { id: string; provider: string }) => {
        seen.push((await loadSecrets(prisma, t.app.core.keyRing, connection))!.secrets);
      };

      const tokens = fake.issueTokens('account-1');
      fake.addApiKey(API_KEY, 'api-account');
      const created = await adminRequest(t.url, 'POST', '/api/v1/connections', {
        teamId: 'T0001',
        provider: 'generic_oauth2',
        name: 'Fake OAuth',
        externalAccountId: 'account-1',
        channelId: 'C0ALERTS',
        credentials: tokens,
      });
      const apiKeyConnection = await adminRequest(t.url, 'POST', '/api/v1/connections', {
        teamId: 'T0001',
        provider: 'generic_api_key',
        name: 'Fake API key',
        externalAccountId: 'api-account',
        credentials: { apiKey: API_KEY },
      });
      expect([created.status, apiKeyConnection.status]).toEqual([201, 201]);
      const connection = { id: created.json.id as string, provider: 'generic_oauth2' };
      expect((await adminRequest(t.url, 'GET', '/api/v1/connections', undefined, tokens.accessToken)).status).toBe(401);

      expect(await runProbeSweep(deps)).toMatchObject({ probed: 2, ok: 2 });
      await remember(connection);

      // A provider that echoes the refresh token and client secret back in its error answer.
      fake.failNext('/token', 503, (request: RecordedRequest) => ({
        error: 'server_error',
        error_description: `could not refresh ${request.form.refresh_token} for client ${request.form.client_secret}`,
      }));
      expect((await checkNow(deps, connection.id)).result).toBe('transient');

      fake.revoke(seen[0]!.refreshToken!);
      expect((await checkNow(deps, connection.id)).result).toBe('needs_reauth');
      await remember(connection);

      const ingest = await postIngest(t.url, {
        eventId: 'evt-hygiene',
        connectionId: connection.id,
        status: 'authorization_required',
        reason: 'token_revoked',
        occurredAt: new Date().toISOString(),
        counts: { queuedTouchpoints: 12 },
      });
      expect(ingest.status).toBe(202);
      expect((await postIngest(t.url, { eventId: 'evt-forged' }, { secret: 'not-the-ingest-secret' })).status).toBe(401);
      await t.app.dispatcher.runOnce();

      const secrets = [
        ...[tokens, ...seen].flatMap((secret) => [secret.accessToken, secret.refreshToken]),
        API_KEY,
        fake.clientSecret,
        TEST_SECRETS.ingest,
        TEST_SECRETS.admin,
        TEST_SECRETS.encryptionKey,
      ].filter((secret): secret is string => typeof secret === 'string');
      expect(new Set(secrets).size).toBe(9);
      expect(t.logs.some((line) => line.includes('"msg":"probe failed, will retry"'))).toBe(true);
      expect(t.logs.some((line) => line.includes('needs reauthorization'))).toBe(true);
      expect(t.logs.some((line) => line.includes('could not refresh [redacted] for client [redacted]'))).toBe(true);
      for (const line of t.logs) {
        for (const secret of secrets) expect(line).not.toContain(secret);
      }
    });
  });
}
