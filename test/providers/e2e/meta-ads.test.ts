import { startMetaAdsSimulator } from '../../fakes/providers/meta-ads';
import { describeProviderEndToEnd } from '../../support/provider-e2e';

/**
 * Meta Ads: /me names the person (an app-scoped id); the connection is an ad account (act_<id>) that
 * /me/adaccounts must list (https://developers.facebook.com/docs/marketing-api/reference/user/adaccounts/).
 * Meta has no refresh tokens, so the probe asks /me, and no per-token revocation: DELETE /me/permissions
 * would log the person out of every connection, so nothing is revoked.
 */
describeProviderEndToEnd({
  provider: 'meta_ads',
  start: () => startMetaAdsSimulator(),
  people(sim) {
    const shared = { id: '238000111', name: 'Acme Leads' };
    sim.addUser({ id: '10160000000000001', label: 'Olivia Owner', accounts: [shared] });
    sim.addUser({ id: '10160000000000002', label: 'Colin Colleague', accounts: [{ id: '238000222', name: 'Acme Retargeting' }, shared] });
    sim.addUser({ id: '10160000000000003', label: 'Oscar Outsider', accounts: [{ id: '238000999', name: 'Elsewhere' }] });
    return { account: 'act_238000111', owner: '10160000000000001', colleague: '10160000000000002', outsider: '10160000000000003', outsiderReaches: '238000999' };
  },
  probeGroup: 'identity',
  revokes: false,
});
