import type { WorkspaceConnection } from '../../src/domain/overview';
import { statusAnswer } from '../../src/slack/blocks/commands';
import { countsLine } from '../../src/slack/blocks/connections';
import { translator } from '../../src/slack/blocks/messages';

const en = translator('en');

/** Counts read as a person would write them: "one connection", "2 connections", never "1 connections". */

const at = new Date('2026-12-01T09:00:00Z');
const connection = (n: number, status: WorkspaceConnection['status'] = 'connected'): WorkspaceConnection => ({
  id: `c${n}`,
  teamId: 'T1',
  provider: 'hubspot',
  providerName: 'HubSpot',
  kind: 'crm',
  name: `HubSpot ${n}`,
  externalAccountId: String(n),
  channelId: null,
  owners: [],
  options: {},
  status,
  reason: null,
  statusChangedAt: at,
  lastCheckedAt: null,
  lastSuccessAt: null,
  nextProbeAt: at,
  consecutiveFailures: 0,
  disabledAt: null,
  createdAt: at,
  updatedAt: at,
  openIncidentId: null,
});

describe('counts in command answers', () => {
  it('status with every connection healthy', () => {
    expect(statusAnswer(en, []).text).toBe('No connections in this workspace yet: connect one with the Connect buttons in App Home.');
    expect(statusAnswer(en, [connection(1)]).text).toBe('✅ The one connection is connected.');
    expect(statusAnswer(en, [connection(1), connection(2)]).text).toBe('✅ All 2 connections are connected.');
  });

  it('the counts line agrees with one and with several', () => {
    expect(countsLine(en, { total: 1, connected: 0, authorization_required: 1, degraded: 0 })).toBe(
      '*1 connection* · 🔑 1 needs reauthorization · ⚠️ 0 degraded · ✅ 0 connected',
    );
    expect(countsLine(en, { total: 3, connected: 1, authorization_required: 2, degraded: 0 })).toBe(
      '*3 connections* · 🔑 2 need reauthorization · ⚠️ 0 degraded · ✅ 1 connected',
    );
  });
});
