import { startSalesforceSimulator } from '../../fakes/providers/salesforce';
import { describeProviderEndToEnd } from '../../support/provider-e2e';

/**
 * Salesforce: a connection is an org; userinfo names it in `organization_id` (18 characters) while
 * admins often copy the 15-character id from Setup (https://help.salesforce.com/s/articleView?id=sf.remoteaccess_using_userinfo_endpoint.htm).
 * This org is a sandbox, so every URL is test.salesforce.com's (connection option loginHost).
 */
describeProviderEndToEnd({
  provider: 'salesforce',
  start: () => startSalesforceSimulator({ host: 'test' }),
  options: { loginHost: 'test.salesforce.com' },
  people(sim) {
    const org = { id: '00D5g000004ABCDEAU', name: 'Acme Sandbox' };
    sim.addUser({ id: '0055g00000AAAAAAA1', label: 'owner@acme.example.sandbox', accounts: [org] });
    sim.addUser({ id: '0055g00000AAAAAAA2', label: 'colleague@acme.example.sandbox', accounts: [org] });
    sim.addUser({ id: '0055g00000BBBBBBB3', label: 'admin@other.example.sandbox', accounts: [{ id: '00D5g000009ZZZZEAU', name: 'Other Org' }] });
    return { account: '00D5g000004ABCD', owner: '0055g00000AAAAAAA1', colleague: '0055g00000AAAAAAA2', outsider: '0055g00000BBBBBBB3', outsiderReaches: '00D5g000009ZZZZEAU' };
  },
  probeGroup: 'token',
  revokes: true,
});
