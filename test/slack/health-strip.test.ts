import { databaseKinds, truncateAll } from '../support/databases';
import { startTestApp, type TestApp } from '../support/test-app';
import { FakeClock } from '../support/clock';
import { validateBlocks } from '../fakes/block-kit';
import { insertConnection } from '../../src/db/connections';
import { upsertSubscription } from '../../src/db/subscriptions';
import { changeStatus } from '../../src/domain/status-engine';
import { digestFor } from '../../src/domain/digest';
import { digestMessage } from '../../src/slack/blocks/digest';
import { renderHome } from '../../src/slack/listeners/home';
import { translator } from '../../src/slack/blocks/messages';

const en = translator('en');

/**
 * The 7-day strip in App Home and the digest, from status changes the engine recorded, for the week of
 * test/domain/health-strip.test.ts: Amsterdam across the end of summer time on 2026-10-25.
 */

const TEAM = 'T0STRIPS1';
const NOW = '2026-10-28T12:00:00Z';
const EXPECTED = '🟩🟩🟩🟨🟨🟥🟩';

for (const { kind, skip } of databaseKinds()) {
  (skip ? describe.skip : describe)(`health strips in App Home and the digest [${kind}]`, () => {
    let t: TestApp;
    const clock = new FakeClock('2026-10-01T00:00:00Z');

    beforeAll(async () => {
      t = await startTestApp(kind);
    });
    afterAll(() => t.stop());
    beforeEach(() => truncateAll(t.app.core.db));

    it('shows the hand-computed week in Amsterdam days on both', async () => {
      const { prisma } = t.app.core.db;
      const connection = await insertConnection(prisma, { teamId: TEAM, provider: 'hubspot', kind: 'crm', name: 'HubSpot EU', externalAccountId: '20011001' }, clock.now());
      await upsertSubscription(prisma, { teamId: TEAM, channelId: 'C0DIGEST1', createdBy: 'U0ADMIN01' }, { localTime: '09:00', timezone: 'Europe/Amsterdam', quiet: false, lastDigestDate: null });
      const engine = { ...t.app.core.engine, clock };
      const steps: [string, 'degraded' | 'connected' | 'authorization_required'][] = [
        ['2026-10-25T22:30:00Z', 'degraded'],
        ['2026-10-25T23:10:00Z', 'connected'],
        ['2026-10-27T10:00:00Z', 'authorization_required'],
        ['2026-10-27T11:00:00Z', 'connected'],
      ];
      for (const [at, status] of steps) {
        clock.set(at);
        await changeStatus(engine, { connectionId: connection.id, status, reason: status === 'connected' ? null : 'unknown', actor: { type: 'probe' }, occurredAt: clock.now() });
      }
      clock.set(NOW);

      const home = await renderHome({ prisma, clock, catalog: t.app.core.catalog, command: '/reconnect', connectable: [] }, TEAM, en);
      expect(validateBlocks(home.blocks, 'home')).toEqual([]);
      expect(JSON.stringify(home.blocks)).toContain(`${EXPECTED}  ✅ *HubSpot EU*`);
      expect(JSON.stringify(home.blocks)).toContain('last 7 days Europe/Amsterdam');

      const digest = digestMessage(en, await digestFor(prisma, t.app.core.catalog, TEAM, clock.now(), 'Europe/Amsterdam'), { quiet: true });
      expect(digest).not.toBeNull();
      expect(validateBlocks(digest!.blocks, 'message')).toEqual([]);
      expect(JSON.stringify(digest!.blocks)).toContain(`${EXPECTED}  *HubSpot EU*`);
      // In UTC days the late-Sunday dip falls on Sunday alone: the strip follows the channel's zone.
      const utc = digestMessage(en, await digestFor(prisma, t.app.core.catalog, TEAM, clock.now(), 'UTC'), { quiet: false });
      expect(JSON.stringify(utc!.blocks)).toContain('🟩🟩🟩🟨🟩🟥🟩  *HubSpot EU*');
    });
  });
}
