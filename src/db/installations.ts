import type { Installation as InstallationRow } from '../generated/postgresql/client';
import type { Prisma } from './client';

/**
 * Every read and write of the Installation table: one row per Slack workspace (or Enterprise Grid org)
 * that installed the app, its installation sealed (the bot token inside is encrypted by the caller).
 */

export type { InstallationRow };

export interface InstallationFields {
  enterpriseId: string | null;
  isEnterprise: boolean;
  appId: string | null;
  botUserId: string | null;
  botId: string | null;
  installerUserId: string | null;
  secretData: string;
  secretKeyId: string;
  botTokenExpiresAt: Date | null;
  uninstalledAt: null;
}

export async function upsertInstallation(prisma: Prisma, teamId: string, fields: InstallationFields): Promise<void> {
  await prisma.installation.upsert({ where: { teamId }, create: { teamId, ...fields }, update: fields });
}

export function findInstallation(prisma: Prisma, teamId: string): Promise<InstallationRow | null> {
  return prisma.installation.findUnique({ where: { teamId } });
}

/** Uninstalled: the sealed installation is dropped, the row stays so a reinstall is recognised. */
export async function markUninstalled(prisma: Prisma, teamId: string, at: Date, keyId: string): Promise<void> {
  await prisma.installation.updateMany({ where: { teamId }, data: { uninstalledAt: at, secretData: '', secretKeyId: keyId } });
}

/** Takes the refresh lock of a rotating bot token if nobody holds it (or its holder's ran out). */
export async function takeRefreshLock(prisma: Prisma, teamId: string, now: Date, until: Date): Promise<boolean> {
  const { count } = await prisma.installation.updateMany({
    where: { teamId, OR: [{ refreshLockUntil: null }, { refreshLockUntil: { lt: now } }] },
    data: { refreshLockUntil: until },
  });
  return count === 1;
}

export async function releaseRefreshLock(prisma: Prisma, teamId: string): Promise<void> {
  await prisma.installation.updateMany({ where: { teamId }, data: { refreshLockUntil: null } });
}
