import { createCore, type Core } from '../../src/app';
import { loadConfig } from '../../src/config';
import type { ProbeDeps } from '../../src/domain/probe';
import { probeDepsFromCore } from '../../src/app';
import { registerProbeSweep } from '../../src/jobs/probe-sweep';
import type { Scheduler } from '../../src/jobs/scheduler';
import { databaseKinds, dropDatabase, freshDatabaseUrl } from '../support/databases';

function fakeScheduler() {
  const schedule = jest.fn<void, [string, string, () => Promise<unknown>]>();
  return { scheduler: { schedule } as unknown as Scheduler, schedule };
}

for (const { kind, skip } of databaseKinds()) {
  (skip ? describe.skip : describe)(`probe sweep job [${kind}]`, () => {
    let core: Core;
    let databaseUrl: string;

    beforeAll(async () => {
      databaseUrl = freshDatabaseUrl(kind);
      core = await createCore(
        loadConfig({
          NODE_ENV: 'test',
          DATABASE_URL: databaseUrl,
          GOOGLE_ADS_CLIENT_ID: 'google-client-id',
          GOOGLE_ADS_CLIENT_SECRET: 'google-client-secret',
          GOOGLE_ADS_DEVELOPER_TOKEN: 'google-developer-token',
          GENERIC_OAUTH_AUTHORIZE_URL: 'https://id.example.test/authorize',
          GENERIC_OAUTH_TOKEN_URL: 'https://id.example.test/token',
          GENERIC_OAUTH_USERINFO_URL: 'https://id.example.test/userinfo',
          GENERIC_OAUTH_CLIENT_ID: 'generic-client-id',
          GENERIC_OAUTH_CLIENT_SECRET: 'generic-client-secret',
          PROBE_INTERVAL_MINUTES: '10',
          PROBE_CONCURRENCY: '8',
          PROBE_PROVIDER_CONCURRENCY: '3',
          PROBE_TIMEOUT_MS: '4000',
          DEGRADED_AFTER_FAILURES: '5',
        }),
        { logSink: () => undefined },
      );
    });
    afterAll(async () => {
      await core.db.close();
      await dropDatabase(databaseUrl);
    });

    it('builds the probe settings from the config, with each provider’s OAuth client', () => {
      const { settings } = probeDepsFromCore(core);

      expect(settings).toMatchObject({
        intervalMinutes: 10,
        concurrency: 8,
        perProviderConcurrency: 3,
        timeoutMs: 4000,
        degradedAfterFailures: 5,
        allowInsecureHttp: false,
      });
      expect(settings.clientFor('google_ads')).toEqual({
        clientId: 'google-client-id',
        clientSecret: 'google-client-secret',
        settings: { developerToken: 'google-developer-token', publishingStatus: 'production' },
      });
      expect(settings.clientFor('generic_oauth2')).toEqual({ clientId: 'generic-client-id', clientSecret: 'generic-client-secret', settings: {} });
      expect(settings.clientFor('hubspot')).toBeUndefined();
    });

    it('schedules a sweep every minute that runs against the database', async () => {
      const { scheduler, schedule } = fakeScheduler();
      registerProbeSweep(scheduler, probeDepsFromCore(core));

      expect(schedule).toHaveBeenCalledTimes(1);
      const [name, expression, run] = schedule.mock.calls[0]!;
      expect([name, expression]).toEqual(['probe-sweep', '* * * * *']);
      await expect(run()).resolves.toEqual({ probed: 0, ok: 0, needsReauth: 0, transient: 0, skipped: 0, errors: 0 });
    });
  });
}

describe('registerProbeSweep', () => {
  it('schedules nothing when PROBE_INTERVAL_MINUTES is 0', () => {
    const { scheduler, schedule } = fakeScheduler();
    registerProbeSweep(scheduler, { settings: { intervalMinutes: 0 } } as ProbeDeps);
    expect(schedule).not.toHaveBeenCalled();
  });
});
