import type { Installation } from '@slack/oauth';
import { describeEachDatabase } from '../support/databases';
import { createInstallationStore, fetchInstallationForTeam, type InstallationDeps } from '../../src/slack/installation-store';
import { KeyRing } from '../../src/lib/key-ring';
import { randomBytes } from 'node:crypto';

const keyRing = new KeyRing([{ id: 'k1', key: randomBytes(32) }]);

function installation(expiresInSeconds: number): Installation {
  return {
    team: { id: 'T0ROTATE1' },
    enterprise: undefined,
    user: { id: 'U0INSTALL', token: undefined, scopes: undefined },
    bot: { id: 'B1', userId: 'U0BOT', token: 'xoxe.xoxb-old-token', refreshToken: 'xoxe-1-old-refresh', expiresAt: Math.floor(Date.now() / 1000) + expiresInSeconds, scopes: [] },
    authVersion: 'v2',
    isEnterpriseInstall: false,
  } as Installation;
}

describeEachDatabase('Slack token rotation', (db) => {
  const deps = (refresh: InstallationDeps['refresh']): InstallationDeps => ({ prisma: db().prisma, keyRing, clock: { now: () => new Date() }, refresh });

  it('refreshes an expiring bot token once even when two replicas read it at the same time', async () => {
    let calls = 0;
    const refresh = async (refreshToken: string) => {
      calls += 1;
      expect(refreshToken).toBe('xoxe-1-old-refresh');
      await new Promise((resolve) => setTimeout(resolve, 200));
      return { accessToken: 'xoxe.xoxb-new-token', refreshToken: 'xoxe-1-new-refresh', expiresInSeconds: 43_200 };
    };
    await createInstallationStore(deps(refresh)).storeInstallation(installation(600));
    const [a, b] = await Promise.all([fetchInstallationForTeam(deps(refresh), 'T0ROTATE1'), fetchInstallationForTeam(deps(refresh), 'T0ROTATE1')]);
    expect(calls).toBe(1);
    expect(a!.bot!.token).toBe('xoxe.xoxb-new-token');
    expect(b!.bot!.token).toBe('xoxe.xoxb-new-token');
    const stored = await fetchInstallationForTeam(deps(undefined), 'T0ROTATE1');
    expect(stored!.bot!.refreshToken).toBe('xoxe-1-new-refresh');
    expect((await db().prisma.installation.findFirstOrThrow()).refreshLockUntil).toBeNull();
  });

  it('leaves a token with hours to go alone', async () => {
    let calls = 0;
    const refresh = async () => {
      calls += 1;
      return { accessToken: 'x', refreshToken: 'y', expiresInSeconds: 1 };
    };
    await createInstallationStore(deps(refresh)).storeInstallation(installation(6 * 3600));
    expect((await fetchInstallationForTeam(deps(refresh), 'T0ROTATE1'))!.bot!.token).toBe('xoxe.xoxb-old-token');
    expect(calls).toBe(0);
  });
});
