import { databaseKinds, dropDatabase, freshDatabaseUrl } from '../support/databases';
import { sigtermUnderLoad } from '../support/sigterm-under-load';

/**
 * SIGTERM to one of two replica processes in the middle of 50 events a second (the bench's rate): the
 * stopping replica finishes what it accepted and hands back its outbox leases, the data platform's
 * retries go to the other, and every accepted event is exactly one alert. On both databases.
 */

describe.each(databaseKinds())('SIGTERM under load [$kind]', ({ kind, skip }) => {
  (skip ? it.skip : it)(`loses no accepted event and posts none twice${skip ? ` (skipped: ${skip})` : ''}`, async () => {
    const databaseUrl = freshDatabaseUrl(kind);
    try {
      const result = await sigtermUnderLoad({ databaseUrl, perSecond: 50, seconds: 3, termAfterMs: 1000 });
      expect(result.acceptedByStopped + result.acceptedByOther).toBe(result.sent);
      // Both replicas took events: the stop happened under load, not before or after it.
      expect(result.acceptedByStopped).toBeGreaterThan(0);
      expect(result.acceptedByOther).toBeGreaterThan(0);
      expect({ lost: result.lost, duplicated: result.duplicated, exitCode: result.exitCode }).toEqual({ lost: 0, duplicated: 0, exitCode: 0 });
    } finally {
      await dropDatabase(databaseUrl);
    }
  }, 120_000);
});
