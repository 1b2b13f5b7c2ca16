import type { Installation, InstallationQuery, InstallationStore } from '@slack/oauth';
import { findInstallation, markUninstalled, releaseRefreshLock, takeRefreshLock, upsertInstallation, type InstallationFields } from '../db/installations';
import type { Prisma } from '../db/client';
import type { KeyRing } from '../lib/key-ring';
import type { Clock } from '../lib/clock';
import { installationAad as aad } from '../db/credentials';

/**
 * Slack installations in the database, the whole Installation object sealed with the key ring (it holds
 * bot and user tokens). Enterprise-wide installs are keyed by the enterprise id.
 *
 * Token rotation: a rotating bot token is refreshed here, when it is read, under a lock row, so two
 * replicas never spend the same refresh token (Slack revokes it on use) and Bolt's own refresh, which
 * starts two hours before expiry, never has anything left to do.
 */

export type BotTokenRefresher = (refreshToken: string) => Promise<{ accessToken: string; refreshToken: string; expiresInSeconds: number }>;

export interface InstallationDeps {
  prisma: Prisma;
  keyRing: KeyRing;
  clock: Clock;
  refresh?: BotTokenRefresher;
}

/** Refresh this long before expiry: Bolt refreshes within two hours, we go first. */
const REFRESH_MARGIN_SECONDS = 2 * 3600 + 600;
const LOCK_MS = 30_000;

function keyOf(installation: Pick<Installation, 'isEnterpriseInstall' | 'enterprise' | 'team'>): string {
  if (installation.isEnterpriseInstall && installation.enterprise?.id) return installation.enterprise.id;
  if (installation.team?.id) return installation.team.id;
  throw new Error('Installation has neither a team nor an enterprise id');
}

export function createInstallationStore(deps: InstallationDeps): InstallationStore {
  return {
    storeInstallation: (installation) => storeInstallation(deps, installation),

    async fetchInstallation(query) {
      const installation = await fetchInstallationForTeam(deps, queryKey(query));
      if (!installation) throw new Error(`No installation for ${queryKey(query)}`);
      return installation;
    },

    async deleteInstallation(query) {
      await markUninstalled(deps.prisma, queryKey(query), deps.clock.now(), deps.keyRing.currentKeyId);
    },
  };
}

async function storeInstallation(deps: InstallationDeps, installation: Installation): Promise<void> {
  const teamId = keyOf(installation);
  const sealed = deps.keyRing.sealJson(installation, aad(teamId));
  const data: InstallationFields = {
    enterpriseId: installation.enterprise?.id ?? null,
    isEnterprise: Boolean(installation.isEnterpriseInstall),
    appId: installation.appId ?? null,
    botUserId: installation.bot?.userId ?? null,
    botId: installation.bot?.id ?? null,
    installerUserId: installation.user?.id ?? null,
    secretData: sealed.ciphertext,
    secretKeyId: sealed.keyId,
    botTokenExpiresAt: installation.bot?.expiresAt ? new Date(installation.bot.expiresAt * 1000) : null,
    uninstalledAt: null,
  };
  await upsertInstallation(deps.prisma, teamId, data);
}

function queryKey(query: InstallationQuery<boolean>): string {
  if (query.isEnterpriseInstall && query.enterpriseId) return query.enterpriseId;
  if (query.teamId) return query.teamId;
  if (query.enterpriseId) return query.enterpriseId;
  throw new Error('Installation query names neither a team nor an enterprise');
}

async function load(deps: InstallationDeps, teamId: string): Promise<Installation | null> {
  const row = await findInstallation(deps.prisma, teamId);
  if (!row || row.uninstalledAt || !row.secretData) return null;
  return deps.keyRing.openJson<Installation>({ keyId: row.secretKeyId, ciphertext: row.secretData }, aad(teamId));
}

function expiring(installation: Installation, now: Date): boolean {
  const expiresAt = installation.bot?.expiresAt;
  return Boolean(installation.bot?.refreshToken && expiresAt && expiresAt - now.getTime() / 1000 < REFRESH_MARGIN_SECONDS);
}

/** The installation with a bot token that is good for at least two more hours. */
export async function fetchInstallationForTeam(deps: InstallationDeps, teamId: string): Promise<Installation | null> {
  let installation = await load(deps, teamId);
  if (!installation || !deps.refresh || !expiring(installation, deps.clock.now())) return installation;
  const deadline = Date.now() + LOCK_MS;
  while (Date.now() < deadline) {
    const now = deps.clock.now();
    if (await takeRefreshLock(deps.prisma, teamId, now, new Date(now.getTime() + LOCK_MS))) {
      try {
        installation = (await load(deps, teamId))!;
        if (!expiring(installation, now)) return installation;
        const fresh = await deps.refresh(installation.bot!.refreshToken!);
        installation.bot = { ...installation.bot!, token: fresh.accessToken, refreshToken: fresh.refreshToken, expiresAt: Math.floor(now.getTime() / 1000) + fresh.expiresInSeconds };
        await storeInstallation(deps, installation);
        return installation;
      } finally {
        await releaseRefreshLock(deps.prisma, teamId);
      }
    }
    // Another replica is refreshing: its result is what we want.
    await new Promise((resolve) => setTimeout(resolve, 100));
    installation = await load(deps, teamId);
    if (!installation || !expiring(installation, deps.clock.now())) return installation;
  }
  throw new Error(`Timed out waiting for another replica to refresh the Slack token of ${teamId}`);
}
