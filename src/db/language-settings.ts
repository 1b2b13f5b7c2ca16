import type { Prisma, Tx } from './client';

/**
 * Every read and write of the LanguageSetting table: a workspace's language (channelId "") and the
 * channels that speak another one.
 */

type Client = Prisma | Tx;

/** The workspace's own row: a channel id is never empty. */
export const WORKSPACE = '';

/** The workspace's language and the channel's, from one query. */
export async function languagesOf(db: Client, teamId: string, channelId: string | null): Promise<{ workspace: string | null; channel: string | null }> {
  const rows = await db.languageSetting.findMany({ where: { teamId, channelId: { in: channelId ? [WORKSPACE, channelId] : [WORKSPACE] } }, select: { channelId: true, language: true } });
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
