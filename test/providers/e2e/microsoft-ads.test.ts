import { startMicrosoftSimulator } from '../../fakes/providers/microsoft';
import { describeProviderEndToEnd } from '../../support/provider-e2e';

/**
 * Microsoft Advertising: the person is the Advertising user GetUser names, the connection an ad account
 * that SearchAccounts must list for that user (https://learn.microsoft.com/advertising/customer-management-service/searchaccounts).
 * The identity platform has no revocation endpoint, so a refused grant can only be left to expire.
 */
describeProviderEndToEnd({
  provider: 'microsoft_ads',
  start: () => startMicrosoftSimulator(),
  people(sim) {
    const shared = { id: '150000001', name: 'Contoso Search', customerId: '250000001' };
    sim.addUser({ id: '70001', label: 'owner@contoso.example', accounts: [shared] });
    // Reaches the account through customer-level access: GetUser says AccountIds null for the customer.
    sim.addUser({ id: '70002', label: 'colleague@contoso.example', accounts: [], wholeCustomers: ['250000001'] });
    sim.addUser({ id: '70003', label: 'agency@fabrikam.example', accounts: [{ id: '150000009', name: 'Fabrikam Shopping', customerId: '250000009' }] });
    return { account: '150000001', owner: '70001', colleague: '70002', outsider: '70003', outsiderReaches: '150000009' };
  },
  probeGroup: 'token',
  revokes: false,
});
