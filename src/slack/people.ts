import type { WebClient } from '@slack/web-api';
import type { Prisma } from '../db/client';
import { channelLanguage, personLanguage } from '../domain/languages';
import { languageOf, type Language } from '../lib/i18n';
import type { Clock } from '../lib/clock';
import { translator, type T } from './blocks/messages';

/**
 * A person's Slack language (`users.info` with `include_locale`, docs.slack.dev/reference/methods/users.info),
 * remembered for a while: every answer needs it, and people rarely change it. A failed lookup counts
 * as "none", so the workspace's language is used and the answer still goes out.
 */

const REMEMBER_MS = 10 * 60_000;
const MAX_PEOPLE = 10_000;

export class PeopleLanguages {
  private readonly known = new Map<string, { language: Language | null; until: number }>();

  constructor(private readonly clock: Clock) {}

  async slackLanguage(client: WebClient, teamId: string, userId: string): Promise<Language | null> {
    const key = `${teamId}:${userId}`;
    const now = this.clock.now().getTime();
    const remembered = this.known.get(key);
    if (remembered && remembered.until > now) return remembered.language;
    let language: Language | null = null;
    try {
      const info = await client.users.info({ user: userId, include_locale: true });
      language = languageOf(info.user?.locale);
    } catch {
      language = null;
    }
    // Oldest first out: a Map iterates in insertion order.
    if (this.known.size >= MAX_PEOPLE) this.known.delete(this.known.keys().next().value!);
    this.known.delete(key);
    this.known.set(key, { language, until: now + REMEMBER_MS });
    return language;
  }

  /** The translator for what this person reads. */
  async translatorFor(prisma: Prisma, client: WebClient, teamId: string, userId: string): Promise<T> {
    return translator(await personLanguage(prisma, teamId, await this.slackLanguage(client, teamId, userId)));
  }
}

/** The translator for what a channel reads: alerts, digests, threads and notices there. */
export async function channelTranslator(prisma: Prisma, teamId: string, channelId: string | null): Promise<T> {
  return translator(await channelLanguage(prisma, teamId, channelId));
}
