import type { App } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import { z } from 'zod';
import type { Prisma } from '../../db/client';
import { recordHomeVisit } from '../../db/home-viewers';
import { loadWorkspaceConnections } from '../../domain/overview';
import type { Clock } from '../../lib/clock';
import type { Catalog } from '../../providers/catalog';
import { homeView } from '../blocks/home';
import { healthStrips } from '../../domain/health-strip';
import { workspaceTimeZone } from '../../db/subscriptions';
import type { T } from '../blocks/messages';
import type { PeopleLanguages } from '../people';

/**
 * App Home: published when someone opens it, and republished for recent viewers when a status changes
 * (outbox kind `home.refresh`, src/slack/delivery/home.ts), so a page left open shows the red key without a reload.
 */

export interface HomeDeps {
  prisma: Prisma;
  clock: Clock;
  catalog: Catalog;
  /** The configured slash command, named in the page's hints. */
  command: string;
  /** Providers this server can connect (OAuth client configured, or API-key), for the Connect buttons. */
  connectable: readonly { id: string; name: string }[];
  people: PeopleLanguages;
}

const homeOpened = z.object({
  team_id: z.string().min(1),
  event: z.object({ user: z.string().min(1), tab: z.string().optional() }),
});

export function registerHome(app: App, deps: HomeDeps): void {
  app.event('app_home_opened', async ({ body, client }) => {
    const opened = homeOpened.parse(body);
    if (opened.event.tab !== undefined && opened.event.tab !== 'home') return;
    // App Home is the viewer's own page: it speaks their language, and a refresh remembers which.
    const t = await deps.people.translatorFor(deps.prisma, client, opened.team_id, opened.event.user);
    await recordHomeVisit(deps.prisma, opened.team_id, opened.event.user, deps.clock.now(), t.language);
    await publish(client, opened.event.user, await renderHome(deps, opened.team_id, t));
  });
}

export async function renderHome(deps: Omit<HomeDeps, 'people'>, teamId: string, t: T) {
  const connections = await loadWorkspaceConnections(deps.prisma, deps.catalog, teamId);
  const now = deps.clock.now();
  // The page is shared by every viewer, so its days are the workspace's: its first digest's zone, else UTC.
  const timeZone = (await workspaceTimeZone(deps.prisma, teamId)) ?? 'UTC';
  const strips = await healthStrips(deps.prisma, connections, now, timeZone);
  return homeView(t, { connections, strips, timeZone, now, command: deps.command, connectable: deps.connectable });
}

export async function publish(client: WebClient, userId: string, view: ReturnType<typeof homeView>): Promise<void> {
  await client.views.publish({ user_id: userId, view });
}
