import { startLinkedInAdsSimulator } from '../../fakes/providers/linkedin-ads';
import { describeProviderEndToEnd } from '../../support/provider-e2e';

/**
 * LinkedIn Ads: userinfo names the member (`sub`); the connection is a sponsored ad account the member
 * has a role on (adAccountUsers?q=authenticatedUser,
 * https://learn.microsoft.com/linkedin/marketing/integrations/ads/account-structure/create-and-manage-account-users).
 * Token answers have no token_type, and a revoked refresh token answers 400 invalid_request
 * (https://learn.microsoft.com/linkedin/shared/authentication/programmatic-refresh-tokens).
 */
describeProviderEndToEnd({
  provider: 'linkedin_ads',
  start: () => startLinkedInAdsSimulator(),
  people(sim) {
    const shared = { id: '508915001', name: 'Acme Sponsored' };
    sim.addUser({ id: 'owner-member-1', label: 'Olivia Owner', accounts: [shared] });
    sim.addUser({ id: 'colleague-member-2', label: 'Colin Colleague', accounts: [shared] });
    sim.addUser({ id: 'outsider-member-3', label: 'Oscar Outsider', accounts: [{ id: '508915999', name: 'Elsewhere' }] });
    return { account: '508915001', owner: 'owner-member-1', colleague: 'colleague-member-2', outsider: 'outsider-member-3', outsiderReaches: '508915999' };
  },
  probeGroup: 'token',
  revokes: true,
});
