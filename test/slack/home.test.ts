import { WebClient } from '@slack/web-api';
import type { ClaimedMessage } from '../../src/db/outbox';
import { insertConnection } from '../../src/db/connections';
import { changeStatus } from '../../src/domain/status-engine';
import { OUTBOX_KINDS, requestHomeRefresh } from '../../src/domain/notifications';
import type { WorkspaceConnection } from '../../src/domain/overview';
import type { ConnectionKind } from '../../src/lib/provider-ids';
import { homeView } from '../../src/slack/blocks/home';
import { type HomeDeps } from '../../src/slack/listeners/home';
import { homeRefreshHandler } from '../../src/slack/delivery/home';
import { databaseKinds, truncateAll } from '../support/databases';
import { FAKE_SLACK_DEFAULTS, startFakeSlack, type FakeSlack } from '../fakes/fake-slack';
import { validateBlocks } from '../fakes/block-kit';
import { eventCallback, homeClick, postSigned, fakeSlackEnv } from '../fakes/slack-requests';
import { startTestApp, type TestApp } from '../support/test-app';
import { translator } from '../../src/slack/blocks/messages';

const en = translator('en');

const TEAM = FAKE_SLACK_DEFAULTS.team.id;
const NOW = new Date('2026-11-23T09:00:00Z');
const KINDS: ConnectionKind[] = ['ad_platform', 'crm', 'integration'];

function workspaceConnection(index: number, status: WorkspaceConnection['status']): WorkspaceConnection {
  const name = `Connection ${String(index).padStart(3, '0')}`;
  return {
    id: `00000000-0000-4000-8000-${String(index).padStart(12, '0')}`,
    teamId: TEAM,
    provider: 'google_ads',
    providerName: 'Google Ads',
    kind: KINDS[index % KINDS.length]!,
    name,
    externalAccountId: `acct-${index}`,
    channelId: 'C0ALERTS1',
    owners: ['U0OWNER01', 'U0OWNER02'],
    options: {},
    status,
    reason: status === 'connected' ? null : 'token_revoked',
    statusChangedAt: new Date(NOW.getTime() - index * 60_000),
    lastCheckedAt: NOW,
    lastSuccessAt: new Date(NOW.getTime() - 3_600_000),
    nextProbeAt: NOW,
    consecutiveFailures: 0,
    disabledAt: null,
    createdAt: NOW,
    updatedAt: NOW,
    openIncidentId: status === 'authorization_required' ? `10000000-0000-4000-8000-${String(index).padStart(12, '0')}` : null,
  };
}

/** Connections whose names appear in the view, and how many the view says it left out. */
function accounting(blocks: unknown[], total: number): { shown: number; hidden: number } {
  const json = JSON.stringify(blocks);
  let shown = 0;
  for (let index = 0; index < total; index += 1) if (json.includes(`Connection ${String(index).padStart(3, '0')}*`)) shown += 1;
  const hidden = [...json.matchAll(/…and (\d+) more not shown here/g)].reduce((sum, match) => sum + Number(match[1]), 0);
  return { shown, hidden };
}

describe('App Home view', () => {
  it('fits 200 connections, most of them broken, in Slack\'s 100 blocks and says how many it leaves out', () => {
    const connections = Array.from({ length: 200 }, (_, index) =>
      workspaceConnection(index, index < 120 ? 'authorization_required' : index < 140 ? 'degraded' : 'connected'),
    );
    const view = homeView(en, { connections, now: NOW, command: '/reconnect', connectable: [] });
    expect(view.type).toBe('home');
    expect(validateBlocks(view.blocks, 'home')).toEqual([]);
    expect(view.blocks.length).toBeLessThanOrEqual(100);
    const { shown, hidden } = accounting(view.blocks, 200);
    expect(hidden).toBeGreaterThan(0);
    expect(shown + hidden).toBe(200);
    expect(JSON.stringify(view.blocks)).toContain('*200 connections* · 🔑 120 need reauthorization · ⚠️ 20 degraded · ✅ 60 connected');
    expect(JSON.stringify(view.blocks)).toMatch(/more not shown here \(\d+ needs? reauthorization, \d+ degraded, \d+ connected\)\. `\/reconnect list`/);
  });

  it('shows 200 healthy connections compactly, every one of them', () => {
    const connections = Array.from({ length: 200 }, (_, index) => workspaceConnection(index, 'connected'));
    const view = homeView(en, { connections, now: NOW, command: '/reconnect', connectable: [] });
    expect(validateBlocks(view.blocks, 'home')).toEqual([]);
    expect(accounting(view.blocks, 200)).toEqual({ shown: 200, hidden: 0 });
    expect(view.blocks.length).toBeLessThan(30);
    expect(JSON.stringify(view.blocks)).not.toContain('"action_id":"reauthorize"');
  });

  it('groups by kind, red keys first, with a Reauthorize button only where there is an incident to act on', () => {
    const connections = [workspaceConnection(0, 'connected'), workspaceConnection(3, 'authorization_required'), workspaceConnection(6, 'degraded'), workspaceConnection(1, 'connected')];
    const view = homeView(en, { connections, now: NOW, command: '/reconnect', connectable: [] });
    expect(validateBlocks(view.blocks, 'home')).toEqual([]);
    const headers = view.blocks.filter((block) => block.type === 'header').map((block) => (block.text as { text: string }).text);
    expect(headers).toEqual(['Data connections', 'Ad platforms (3)', 'CRMs (1)']);
    const buttons = view.blocks.flatMap((block) => (block.accessory ? [block.accessory as { action_id: string; value: string }] : []));
    expect(buttons).toEqual([expect.objectContaining({ action_id: 'reauthorize', value: connections[1]!.openIncidentId })]);
    const json = JSON.stringify(view.blocks);
    expect(json.indexOf('🔑 *Connection 003*')).toBeLessThan(json.indexOf('⚠️ *Connection 006*'));
    expect(json.indexOf('⚠️ *Connection 006*')).toBeLessThan(json.indexOf('✅ *Connection 000*'));
    expect(json).toMatch(/Needs reauthorization since <!date\^\d+\^/);
    expect(json).toContain('last successful check <!date^');
    expect(json).toContain('owners <@U0OWNER01> <@U0OWNER02>');
  });
});

for (const { kind, skip } of databaseKinds()) {
  (skip ? describe.skip : describe)(`App Home end to end [${kind}]`, () => {
    let slack: FakeSlack;
    let t: TestApp;
    let deps: Omit<HomeDeps, 'people'>;

    beforeAll(async () => {
      slack = await startFakeSlack();
      // No dispatcher: the refresh rows below stay pending until this test hands them to the handler (a
      // commit wakes the dispatcher even without polling, so it is stopped).
      t = await startTestApp(kind, { ...fakeSlackEnv(slack), OUTBOX_POLL_MS: '0', HUBSPOT_CLIENT_ID: 'hubspot-client', HUBSPOT_CLIENT_SECRET: 'hubspot-secret' });
      await t.app.dispatcher.stop();
      const { prisma } = t.app.core.db;
      deps = { prisma, clock: t.app.core.clock, catalog: t.app.core.catalog, command: t.app.core.config.slackCommand, connectable: [] };
    });
    afterAll(async () => {
      await t.stop();
      await slack.close();
    });
    beforeEach(async () => {
      await truncateAll(t.app.core.db);
      slack.reset();
      const { prisma } = t.app.core.db;
      const now = new Date();
      const ads = await insertConnection(prisma, { teamId: TEAM, provider: 'google_ads', kind: 'ad_platform', name: 'Google Ads — Brand', externalAccountId: '123', owners: ['U0OWNER01'] }, now);
      await insertConnection(prisma, { teamId: TEAM, provider: 'hubspot', kind: 'crm', name: 'HubSpot EU', externalAccountId: '456' }, now);
      await changeStatus(t.app.core.engine, { connectionId: ads.id, status: 'authorization_required', reason: 'token_revoked', actor: { type: 'probe' }, occurredAt: now });
      // The tests below drive the refresh handler with rows they make themselves.
      await prisma.outboxMessage.deleteMany({ where: { kind: 'home.refresh' } });
    });

    const handler = () => {
      const client = new WebClient(FAKE_SLACK_DEFAULTS.botToken, { slackApiUrl: slack.url, rejectRateLimitedCalls: true, retryConfig: { retries: 0 } });
      return homeRefreshHandler({ ...deps, clients: { forTeam: async () => client } });
    };

    const claimed = async (id: string): Promise<ClaimedMessage> => {
      const row = await t.app.core.db.prisma.outboxMessage.findUniqueOrThrow({ where: { id } });
      return { ...row, payload: JSON.parse(row.payload) as Record<string, unknown> };
    };

    it('offers Connect for each provider this server can sign in to, and a click answers with a single-use link in a modal', async () => {
      await postSigned(t.url, '/slack/events', eventCallback({ type: 'app_home_opened', user: 'U0VIEWER1', channel: 'D0HOME001', tab: 'home' }));
      await slack.waitForCalls('views.publish', 1);
      const view = slack.homeView('U0VIEWER1')!;
      expect(validateBlocks(view.blocks, 'home')).toEqual([]);
      const connect = (view.blocks as { block_id?: string }[]).find((block) => block.block_id === 'connect') as { elements: { action_id: string; value: string }[] };
      // HubSpot has an OAuth client here; Google Ads and the others don't, so they get no button.
      expect(connect.elements.map((element) => element.value)).toEqual(['hubspot']);

      const click = homeClick({ actionId: 'connect:hubspot', value: 'hubspot', type: 'button', userId: 'U0VIEWER1' });
      expect((await postSigned(t.url, '/slack/events', click)).status).toBe(200);
      await slack.waitForCalls('views.open', 1);
      expect(JSON.stringify(slack.callsTo('views.open')[0]!.args.view)).toMatch(/oauth\/start\?t=[^|]+\|Connect HubSpot>/);
      expect(await t.app.core.db.prisma.authFlow.count({ where: { purpose: 'connect_link', userId: 'U0VIEWER1', provider: 'hubspot' } })).toBe(1);
    });

    it('publishes the Home tab when it is opened and remembers the viewer', async () => {
      const response = await postSigned(t.url, '/slack/events', eventCallback({ type: 'app_home_opened', user: 'U0VIEWER1', channel: 'D0HOME001', tab: 'home' }));
      expect(response.status).toBe(200);
      const [publish] = await slack.waitForCalls('views.publish', 1);
      expect(publish!.result).toBe('ok');
      expect(publish!.args.user_id).toBe('U0VIEWER1');
      const view = slack.homeView('U0VIEWER1')!;
      expect(validateBlocks(view.blocks, 'home')).toEqual([]);
      const json = JSON.stringify(view.blocks);
      expect(json).toContain('🔑 *Google Ads — Brand*');
      expect(json).toContain('✅ *HubSpot EU*');
      const incident = await t.app.core.db.prisma.incident.findFirstOrThrow();
      expect(json).toContain(`"value":"${incident.id}"`);
      expect(await t.app.core.db.prisma.homeViewer.findMany({ select: { teamId: true, userId: true } })).toEqual([{ teamId: TEAM, userId: 'U0VIEWER1' }]);
    });

    it('republishes for viewers of the last 30 days when asked, once for a burst of changes', async () => {
      const { prisma } = t.app.core.db;
      const now = new Date();
      await prisma.homeViewer.createMany({
        data: [
          { teamId: TEAM, userId: 'U0RECENT1', lastOpenedAt: new Date(now.getTime() - 86_400_000) },
          { teamId: TEAM, userId: 'U0RECENT2', lastOpenedAt: new Date(now.getTime() - 29 * 86_400_000) },
          { teamId: TEAM, userId: 'U0LONGAGO', lastOpenedAt: new Date(now.getTime() - 31 * 86_400_000) },
        ],
      });
      await requestHomeRefresh(prisma, TEAM, now);
      await new Promise((resolve) => setTimeout(resolve, 10));
      await requestHomeRefresh(prisma, TEAM, now);
      const [older, newer] = await prisma.outboxMessage.findMany({ where: { kind: OUTBOX_KINDS.homeRefresh }, orderBy: { createdAt: 'asc' } });

      expect(await handler()(await claimed(older!.id))).toEqual({ status: 'sent', result: { superseded: true } });
      expect(slack.callsTo('views.publish')).toHaveLength(0);

      expect(await handler()(await claimed(newer!.id))).toEqual({ status: 'sent', result: { published: 2, skipped: 0 } });
      expect(slack.callsTo('views.publish').map((call) => call.args.user_id)).toEqual(['U0RECENT1', 'U0RECENT2']);
      expect(validateBlocks(slack.homeView('U0RECENT2')!.blocks, 'home')).toEqual([]);
    });

    it('queues no refresh when nobody opened App Home in the last 30 days', async () => {
      const { prisma } = t.app.core.db;
      const now = new Date();
      await prisma.homeViewer.create({ data: { teamId: TEAM, userId: 'U0LONGAGO', lastOpenedAt: new Date(now.getTime() - 31 * 86_400_000) } });
      await requestHomeRefresh(prisma, TEAM, now);
      expect(await prisma.outboxMessage.count({ where: { kind: OUTBOX_KINDS.homeRefresh } })).toBe(0);

      await prisma.homeViewer.create({ data: { teamId: TEAM, userId: 'U0RECENT1', lastOpenedAt: new Date(now.getTime() - 29 * 86_400_000) } });
      await requestHomeRefresh(prisma, TEAM, now);
      expect(await prisma.outboxMessage.count({ where: { kind: OUTBOX_KINDS.homeRefresh } })).toBe(1);
    });

    it('retries at Retry-After when Slack rate-limits views.publish', async () => {
      const { prisma } = t.app.core.db;
      await prisma.homeViewer.create({ data: { teamId: TEAM, userId: 'U0RECENT1', lastOpenedAt: new Date() } });
      await requestHomeRefresh(prisma, TEAM, new Date());
      const row = await prisma.outboxMessage.findFirstOrThrow({ where: { kind: OUTBOX_KINDS.homeRefresh } });
      slack.rateLimitNext('views.publish', 7);
      expect(await handler()(await claimed(row.id))).toEqual({ status: 'retry', afterMs: 7000, error: 'ratelimited' });
    });
  });
}
