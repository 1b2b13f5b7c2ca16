import { dynamicsInstance, startMicrosoftSimulator, DYNAMICS_DISCOVERY_SCOPE } from '../../fakes/providers/microsoft';
import { describeProviderEndToEnd } from '../../support/provider-e2e';

/**
 * Dynamics 365: a connection is one environment (org), named by its Id or URL; the Global Discovery
 * Service lists the environments the person reaches (https://learn.microsoft.com/power-apps/developer/data-platform/discovery-service).
 * Another org of the same tenant is not this connection.
 */
describeProviderEndToEnd({
  provider: 'dynamics365',
  start: () => startMicrosoftSimulator(),
  people(sim) {
    const tenant = '0f6a1c3e-1111-4222-8333-944455556666';
    const sales = dynamicsInstance('contoso-sales', tenant);
    const marketing = dynamicsInstance('contoso-marketing', tenant);
    sim.addUser({ id: 'u-owner', label: 'owner@contoso.example', accounts: [], environments: [sales] });
    sim.addUser({ id: 'u-colleague', label: 'colleague@contoso.example', accounts: [], environments: [marketing, sales] });
    sim.addUser({ id: 'u-outsider', label: 'marketer@contoso.example', accounts: [], environments: [marketing] });
    return { account: sales.ApiUrl, owner: 'u-owner', colleague: 'u-colleague', outsider: 'u-outsider', outsiderReaches: marketing.Id };
  },
  ownerTokens: (sim, owner) => sim.issueTokens(owner, `${DYNAMICS_DISCOVERY_SCOPE} offline_access`),
  probeGroup: 'token',
  revokes: false,
  namesPerson: false,
});
