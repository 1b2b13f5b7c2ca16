import type { App } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import { z } from 'zod';
import type { Prisma } from '../../db/client';
import { homeRefreshSuperseded, recentHomeViewers, recordHomeVisit } from '../../domain/home';
import { loadWorkspaceConnections } from '../../domain/overview';
import type { DeliveryHandler } from '../../jobs/outbox-dispatcher';
import type { Clock } from '../../lib/clock';
import type { Catalog } from '../../providers/catalog';
import { homeView } from '../blocks/home';
import { slackFailure } from '../call-outcome';
import type { SlackClients } from '../clients';

/**
 * App Home: published when someone opens it, and republished for recent viewers when a status changes
 * (outbox kind `home.refresh`), so a page left open shows the red key without a reload.
 */

export interface HomeDeps {
  prisma: Prisma;
  clock: Clock;
  catalog: Catalog;
  /** The configured slash command, named in the page's hints. */
  command: string;
}

const homeOpened = z.object({
  team_id: z.string().min(1),
  event: z.object({ user: z.string().min(1), tab: z.string().optional() }),
});

const refreshPayload = z.object({ teamId: z.string().min(1) });

export function registerHome(app: App, deps: HomeDeps): void {
  app.event('app_home_opened', async ({ body, client }) => {
    const opened = homeOpened.parse(body);
    if (opened.event.tab !== undefined && opened.event.tab !== 'home') return;
    await recordHomeVisit(deps.prisma, opened.team_id, opened.event.user, deps.clock.now());
    await publish(client, opened.event.user, await renderHome(deps, opened.team_id));
  });
}

export function homeRefreshHandler(deps: HomeDeps & { clients: SlackClients }): DeliveryHandler {
  return async (message) => {
    const { teamId } = refreshPayload.parse(message.payload);
    if (await homeRefreshSuperseded(deps.prisma, message)) return { status: 'sent', result: { superseded: true } };
    const viewers = await recentHomeViewers(deps.prisma, teamId, deps.clock.now());
    if (viewers.length === 0) return { status: 'sent', result: { published: 0 } };
    const client = await deps.clients.forTeam(teamId);
    if (!client) return { status: 'failed', error: 'workspace not installed' };
    const view = await renderHome(deps, teamId);
    let published = 0;
    let lastError = '';
    for (const userId of viewers) {
      try {
        await publish(client, userId, view);
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

async function renderHome(deps: HomeDeps, teamId: string) {
  const connections = await loadWorkspaceConnections(deps.prisma, deps.catalog, teamId);
  return homeView({ connections, now: deps.clock.now(), command: deps.command });
}

async function publish(client: WebClient, userId: string, view: ReturnType<typeof homeView>): Promise<void> {
  await client.views.publish({ user_id: userId, view });
}
