import { startHubSpotSimulator } from '../../fakes/providers/hubspot';
import { describeProviderEndToEnd } from '../../support/provider-e2e';

/**
 * HubSpot: a connection is a hub (portal); the token's metadata names it in `hub_id`
 * (https://developers.hubspot.com/docs/api-reference/legacy/authentication/oauth-tokens/v1/guide).
 * Unused refresh tokens are deleted with DELETE /oauth/v1/refresh-tokens/:token.
 */
describeProviderEndToEnd({
  provider: 'hubspot',
  start: () => startHubSpotSimulator(),
  people(sim) {
    const hub = { id: '20011001', name: 'acme.hubspot.com' };
    sim.addUser({ id: '9001', label: 'owner@acme.example', accounts: [hub] });
    sim.addUser({ id: '9002', label: 'colleague@acme.example', accounts: [hub] });
    sim.addUser({ id: '9003', label: 'someone@other.example', accounts: [{ id: '20099009', name: 'other.hubspot.com' }] });
    return { account: '20011001', owner: '9001', colleague: '9002', outsider: '9003', outsiderReaches: '20099009' };
  },
  probeGroup: 'token',
  revokes: true,
});
