import { randomBytes } from 'node:crypto';
import type { InstallURLOptions, StateStore } from '@slack/oauth';
import { createAuthFlow, findAuthFlow, spendAuthFlow } from '../db/auth-flows';
import type { Prisma } from '../db/client';
import { hashToken } from '../domain/reauth-start';

/**
 * Slack install `state` kept in the database so each one works once (the default JWT store can be
 * replayed within its 10 minutes), and shared by every replica.
 */
const TTL_MS = 10 * 60_000;

export function createStateStore(prisma: Prisma): StateStore {
  return {
    async generateStateParam(installOptions: InstallURLOptions, now: Date) {
      const state = randomBytes(32).toString('base64url');
      await createAuthFlow(prisma, {
        tokenHash: hashToken(state),
        purpose: 'slack_install',
        secretData: JSON.stringify(installOptions),
        expiresAt: new Date(now.getTime() + TTL_MS),
        createdAt: now,
      });
      return state;
    },
    async verifyStateParam(now: Date, state: string) {
      const tokenHash = hashToken(state);
      if (!(await spendAuthFlow(prisma, tokenHash, now, 'slack_install'))) {
        throw new Error('The install link expired or was already used; start the installation again.');
      }
      const row = await findAuthFlow(prisma, tokenHash);
      return JSON.parse(row?.secretData ?? '{}') as InstallURLOptions;
    },
  };
}
