import { impactOf } from '../../src/domain/impact';
import { buildCatalog } from '../../src/providers/catalog';
import { alertMessage } from '../../src/slack/blocks/alert';
import { validateBlocks } from '../fakes/block-kit';
import { translator } from '../../src/slack/blocks/messages';

const en = translator('en');

/** The resolved alert says what the data platform's counts meant while the connection was down. */
describe('counts in the resolved alert', () => {
  const catalog = buildCatalog({});
  const from = new Date('2026-11-30T08:00:00Z');
  const to = new Date('2026-11-30T12:00:00Z');
  const view = (providerId: string, counts: Record<string, number>) => ({
    incidentId: '3f1c2a54-0000-4000-8000-000000000001',
    connectionName: 'Brand',
    providerName: catalog.require(providerId).name,
    kind: catalog.require(providerId).kind,
    externalAccountId: '123',
    reason: null,
    openedAt: from,
    closedAt: to,
    closedBy: 'U0OWNER01',
    state: 'closed' as const,
    connectionStatus: 'connected',
    owners: [],
    impact: impactOf({ provider: catalog.require(providerId), options: { autotagging: true }, outage: { from, to }, counts, now: to }),
    acknowledgedBy: null,
    snoozedUntil: null,
    reauthStartedBy: null,
    reopenCount: 0,
    now: to,
  });

  it('an ad platform: how many ads went out untagged', () => {
    const message = alertMessage(en, view('google_ads', { adsCreated: 14 }));
    expect(validateBlocks(message.blocks, 'message')).toEqual([]);
    expect(JSON.stringify(message.blocks)).toContain('*While disconnected:* 14 ads were created without UTM tags while disconnected.');
  });

  it('a CRM: how many touchpoints will be pushed', () => {
    const message = alertMessage(en, view('hubspot', { queuedTouchpoints: 320 }));
    expect(JSON.stringify(message.blocks)).toContain('*While disconnected:* 320 touchpoints will be pushed.');
  });
});
