import { randomUUID } from 'node:crypto';
import type { Prisma } from '../db/client';
import { openIncidentsOfTeam } from '../db/incidents';
import { clearLanguage, languagesOf, setLanguage, WORKSPACE } from '../db/language-settings';
import { DEFAULT_LANGUAGE, isLanguage, type Language } from '../lib/i18n';
import { enqueueAlertSync } from './notifications';

/**
 * Who reads which language. A channel's messages (alerts, digests, threads) speak the channel's own
 * language, else the workspace's; what one person reads (answers, App Home, the pages of a sign-in)
 * speaks that person's Slack language, else the workspace's. Anything else is English.
 */

const known = (value: string | null | undefined): Language | null => (isLanguage(value) ? value : null);

export async function channelLanguage(prisma: Prisma, teamId: string, channelId: string | null): Promise<Language> {
  const { workspace, channel } = await languagesOf(prisma, teamId, channelId);
  return known(channel) ?? known(workspace) ?? DEFAULT_LANGUAGE;
}

export async function personLanguage(prisma: Prisma, teamId: string, slackLanguage: Language | null): Promise<Language> {
  if (slackLanguage) return slackLanguage;
  return known((await languagesOf(prisma, teamId, null)).workspace) ?? DEFAULT_LANGUAGE;
}

export interface LanguageState {
  workspace: Language;
  /** The channel's own language, when it has one. */
  channel: Language | null;
}

export async function languageState(prisma: Prisma, teamId: string, channelId: string): Promise<LanguageState> {
  const { workspace, channel } = await languagesOf(prisma, teamId, channelId);
  return { workspace: known(workspace) ?? DEFAULT_LANGUAGE, channel: known(channel) };
}

/**
 * Each change re-renders the open alerts it concerns (the channel's, or all of the workspace's), so an
 * alert people are looking at switches language too; delivery reads each channel's language at send time.
 */
export async function setWorkspaceLanguage(prisma: Prisma, teamId: string, language: Language, userId: string, at: Date): Promise<void> {
  await setLanguage(prisma, { teamId, channelId: WORKSPACE }, language, userId, at);
  await rerenderOpenAlerts(prisma, teamId, null);
}

export async function setChannelLanguage(prisma: Prisma, teamId: string, channelId: string, language: Language, userId: string, at: Date): Promise<void> {
  await setLanguage(prisma, { teamId, channelId }, language, userId, at);
  await rerenderOpenAlerts(prisma, teamId, channelId);
}

export async function clearChannelLanguage(prisma: Prisma, teamId: string, channelId: string): Promise<boolean> {
  const cleared = await clearLanguage(prisma, { teamId, channelId });
  if (cleared) await rerenderOpenAlerts(prisma, teamId, channelId);
  return cleared;
}

/** Posted alerts only: one not posted yet renders in the new language anyway. */
async function rerenderOpenAlerts(prisma: Prisma, teamId: string, channelId: string | null): Promise<void> {
  const step = `language:${randomUUID()}`;
  for (const incident of await openIncidentsOfTeam(prisma, teamId)) {
    if (!incident.messageTs || incident.burstOf || (channelId !== null && incident.channelId !== channelId)) continue;
    await enqueueAlertSync(prisma, incident, step);
  }
}
