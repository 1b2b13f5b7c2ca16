import type { Prisma, Tx } from './client';
import { driverOf } from './driver';

/**
 * Every read and write of the LanguageSetting table: a workspace's language (channelId "") and the
 * channels that speak another one.
 */

type Client = Prisma | Tx;

/** The workspace's own row: a channel id is never empty. */
export const WORKSPACE = '';

/**
 * The workspace's language and the channel's, from one statement. It runs before every Slack message
 * is rendered, so it goes through the driver, prepared once (src/db/driver.ts), not Prisma's compiler.
 */
export async function languagesOf(prisma: Prisma, teamId: string, channelId: string | null): Promise<{ workspace: string | null; channel: string | null }> {
  const rows = await driverOf(prisma).query<{ channelId: string; language: string }>(
    `SELECT "channelId", "language" FROM "LanguageSetting" WHERE "teamId" = $1 AND "channelId" IN ($2, $3)`,
    [teamId, WORKSPACE, channelId ?? WORKSPACE],
  );
  return {
    workspace: rows.find((row) => row.channelId === WORKSPACE)?.language ?? null,
    channel: channelId ? (rows.find((row) => row.channelId === channelId)?.language ?? null) : null,
  };
}

export async function setLanguage(db: Client, key: { teamId: string; channelId: string }, language: string, setBy: string, at: Date): Promise<void> {
  await db.languageSetting.upsert({
    where: { teamId_channelId: key },
    create: { ...key, language, setBy, updatedAt: at },
    update: { language, setBy, updatedAt: at },
  });
}

export async function clearLanguage(db: Client, key: { teamId: string; channelId: string }): Promise<boolean> {
  const { count } = await db.languageSetting.deleteMany({ where: key });
  return count > 0;
}
