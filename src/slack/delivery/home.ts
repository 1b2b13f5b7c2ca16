import { z } from 'zod';
import { recentHomeViewers } from '../../db/home-viewers';
import { newerPendingRow } from '../../db/outbox';
import type { DeliveryHandler } from '../../jobs/outbox-dispatcher';
import { slackFailure } from '../call-outcome';
import type { SlackClients } from '../clients';
import { publish, renderHome, type HomeDeps } from '../listeners/home';
import { personLanguage } from '../../domain/languages';
import { languageOf, type Language } from '../../lib/i18n';
import { translator } from '../blocks/messages';

/** Delivers `home.refresh`: republishes App Home for the team's recent viewers. */

const refreshPayload = z.object({ teamId: z.string().min(1) });

export function homeRefreshHandler(deps: Omit<HomeDeps, 'people'> & { clients: SlackClients }): DeliveryHandler {
  return async (message) => {
    const { teamId } = refreshPayload.parse(message.payload);
    if (await newerPendingRow(deps.prisma, message)) return { status: 'sent', result: { superseded: true } };
    const viewers = await recentHomeViewers(deps.prisma, teamId, deps.clock.now());
    if (viewers.length === 0) return { status: 'sent', result: { published: 0 } };
    const client = await deps.clients.forTeam(teamId);
    if (!client) return { status: 'failed', error: 'workspace not installed' };
    // One render per language the viewers read, each viewer in the one they last opened App Home in.
    const views = new Map<Language, Awaited<ReturnType<typeof renderHome>>>();
    let published = 0;
    let lastError = '';
    for (const viewer of viewers) {
      const language = await personLanguage(deps.prisma, teamId, languageOf(viewer.language));
      let view = views.get(language);
      if (!view) {
        view = await renderHome(deps, teamId, translator(language));
        views.set(language, view);
      }
      try {
        await publish(client, viewer.userId, view);
        published += 1;
      } catch (thrown) {
        const failure = slackFailure(thrown);
        if (failure.retryAfterMs !== undefined) return { status: 'retry', afterMs: failure.retryAfterMs, error: failure.error };
        if (!failure.permanent) return { status: 'retry', error: `slack: ${failure.error}` };
        // One viewer who left the workspace must not keep the page stale for everyone else.
        lastError = failure.error;
      }
    }
    if (published === 0) return { status: 'failed', error: lastError };
    return { status: 'sent', result: { published, skipped: viewers.length - published } };
  };
}
