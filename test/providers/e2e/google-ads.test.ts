import { startGoogleAdsSimulator } from '../../fakes/providers/google-ads';
import { describeProviderEndToEnd } from '../../support/provider-e2e';

/**
 * Google Ads: userinfo names the person (`sub`); the connection is a customer id, written 123-456-7890
 * in the Google Ads UI, that customers:listAccessibleCustomers must list for that person
 * (https://developers.google.com/google-ads/api/rest/reference/rest/v26/customers/listAccessibleCustomers).
 * Revoking a Google token ends the person's whole grant (https://developers.google.com/identity/protocols/oauth2/web-server#tokenrevoke).
 */
describeProviderEndToEnd({
  provider: 'google_ads',
  start: () => startGoogleAdsSimulator(),
  people(sim) {
    const shared = { id: '1234567890', name: 'Acme Search' };
    sim.addUser({ id: '110000000000000000001', label: 'owner@acme.example', accounts: [shared] });
    sim.addUser({ id: '110000000000000000002', label: 'colleague@acme.example', accounts: [{ id: '5550001111', name: 'Acme Display' }, shared] });
    sim.addUser({ id: '110000000000000000003', label: 'freelancer@example.org', accounts: [{ id: '9998887777', name: 'Other Client' }] });
    return {
      account: '123-456-7890',
      owner: '110000000000000000001',
      colleague: '110000000000000000002',
      outsider: '110000000000000000003',
      outsiderReaches: '9998887777',
    };
  },
  probeGroup: 'token',
  revokes: true,
});
