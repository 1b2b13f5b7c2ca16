import type { Config } from '../../src/config';
import { BUILT_IN_PROVIDERS, STREAMS_BY_KIND, buildCatalog } from '../../src/providers/catalog';
import { providerSchema, type ProviderDefinition } from '../../src/providers/definition';
import { BUILT_IN_FORM_PROVIDER_IDS, BUILT_IN_OAUTH_PROVIDER_IDS, PROVIDER_IDS } from '../../src/lib/provider-ids';

const genericOAuth: NonNullable<Config['genericOAuth']> = {
  name: 'Acme Warehouse',
  kind: 'integration',
  authorizeUrl: 'http://127.0.0.1:4010/authorize',
  tokenUrl: 'http://127.0.0.1:4010/token',
  userinfoUrl: 'http://127.0.0.1:4010/userinfo',
  revokeUrl: 'http://127.0.0.1:4010/revoke',
  clientId: 'client-id',
  clientSecret: 'client-secret',
  scopes: ['read', 'offline_access'],
  accountClaim: 'account_id',
};

const genericApiKey: NonNullable<Config['genericApiKey']> = {
  name: 'Acme Database',
  kind: 'integration',
  probeUrl: 'http://127.0.0.1:4020/whoami',
  header: 'X-Api-Key',
  accountClaim: 'account.id',
};

const fullCatalog = () => buildCatalog({ genericOAuth, genericApiKey });

function oauth(provider: ProviderDefinition) {
  if (provider.auth.type !== 'oauth2') throw new Error(`${provider.id} is not an OAuth provider`);
  return provider.auth;
}

describe('the built-in provider catalog', () => {
  it.each(BUILT_IN_PROVIDERS.map((provider) => [provider.id, provider] as const))('%s is a valid catalog entry', (_id, provider) => {
    expect(providerSchema.safeParse(provider).success).toBe(true);
  });

  it('holds exactly the built-in provider ids from CONTRACTS.md, in that order', () => {
    expect(BUILT_IN_PROVIDERS.map((provider) => provider.id)).toEqual([...BUILT_IN_OAUTH_PROVIDER_IDS, ...BUILT_IN_FORM_PROVIDER_IDS]);
  });

  it('lists every provider id from CONTRACTS.md when the generic providers are configured', () => {
    expect(fullCatalog().list().map((provider) => provider.id)).toEqual([...PROVIDER_IDS]);
  });

  it('gives each provider the kind CONTRACTS.md names: four ad platforms, three CRMs, generic integrations', () => {
    const kinds = Object.fromEntries(fullCatalog().list().map((provider) => [provider.id, provider.kind]));
    expect(kinds).toEqual({
      google_ads: 'ad_platform',
      postgresql: 'integration',
      mysql: 'integration',
      meta_ads: 'ad_platform',
      linkedin_ads: 'ad_platform',
      microsoft_ads: 'ad_platform',
      salesforce: 'crm',
      dynamics365: 'crm',
      hubspot: 'crm',
      generic_oauth2: 'integration',
      generic_api_key: 'integration',
    });
  });

  it.each(BUILT_IN_OAUTH_PROVIDER_IDS)('%s talks to production endpoints over https only', (id) => {
    const provider = buildCatalog({}).require(id);
    const auth = oauth(provider);
    const urls = [auth.authorizeUrl, auth.tokenUrl, auth.revoke?.url, auth.identity.url, ...auth.accounts.map((list) => list.request?.url), provider.docsUrl].filter(
      (url): url is string => url !== undefined,
    );
    for (const url of urls) expect(new URL(url).protocol).toBe('https:');
  });

  it('asks Google for offline access and a fresh consent, so a refresh token comes back every time', () => {
    const auth = oauth(buildCatalog({}).require('google_ads'));
    expect(auth.authorizeParams).toEqual({ access_type: 'offline', prompt: 'consent' });
    expect(auth.scopes).toEqual(['https://www.googleapis.com/auth/adwords', 'openid', 'email']);
    expect(auth.issuer).toBe('https://accounts.google.com');
  });

  it('lets people pick their Microsoft account, for Advertising and Dynamics 365 alike', () => {
    const catalog = buildCatalog({});
    for (const id of ['microsoft_ads', 'dynamics365']) {
      const auth = oauth(catalog.require(id));
      expect(auth.authorizeUrl).toBe('https://login.microsoftonline.com/common/oauth2/v2.0/authorize');
      expect(auth.authorizeParams).toEqual({ prompt: 'select_account' });
      expect(auth.scopes).toContain('offline_access');
    }
  });

  it('checks a connection against the accounts the person who signed in can reach, not against the person', () => {
    const checks = Object.fromEntries(
      buildCatalog({})
        .list()
        .filter((provider) => provider.auth.type === 'oauth2')
        .map((provider) => {
          const auth = oauth(provider);
          const lists = auth.accounts.map((list) => `${list.request ? new URL(list.request.url).pathname : '(identity answer)'} ${list.listPath}[${list.idPaths.join('|')}]`);
          return [provider.id, [auth.accountIdFormat, auth.identity.accountPath ? `identity ${auth.identity.accountPath}` : '', ...lists].filter(Boolean).join('; ')];
        }),
    );
    expect(checks).toEqual({
      google_ads: 'digits; /v26/customers:listAccessibleCustomers resourceNames[$]; /v26/customers/%7BloginCustomerId%7D/googleAds:search results[customerClient.id]',
      meta_ads: 'digits; /v23.0/me/adaccounts data[account_id]',
      linkedin_ads: 'digits; /rest/adAccountUsers elements[account]',
      microsoft_ads: 'digits; /CustomerManagement/v13/Accounts/Search Accounts[Id]',
      salesforce: 'salesforce_org; identity organization_id',
      dynamics365: 'case_insensitive; (identity answer) value[Id|ApiUrl|Url]',
      hubspot: 'digits; identity hub_id',
    });
  });

  it('probes Meta through its identity endpoint, because Meta issues no refresh tokens', () => {
    const catalog = buildCatalog({});
    expect(oauth(catalog.require('meta_ads')).refreshable).toBe(false);
    expect(oauth(catalog.require('google_ads')).refreshable).toBe(true);
  });

  it('applies the schema defaults when it loads an entry', () => {
    const auth = oauth(buildCatalog({}).require('salesforce'));
    expect(auth.scopeSeparator).toBe(' ');
    expect(auth.identity.method).toBe('GET');
    expect(auth.identity.headers).toEqual({});
  });

  it('gives every ad platform cost data, plus UTM tags when auto-tagging is on', () => {
    for (const provider of buildCatalog({}).list().filter((p) => p.kind === 'ad_platform')) {
      expect(provider.streams.map((stream) => [stream.id, stream.effect, stream.whenOption])).toEqual([
        ['cost_data', 'paused', undefined],
        ['utm_tags', 'lost', 'autotagging'],
      ]);
    }
  });

  it('gives every CRM backfilled CRM updates and touchpoints', () => {
    for (const provider of buildCatalog({}).list().filter((p) => p.kind === 'crm')) {
      expect(provider.streams.map((stream) => [stream.id, stream.effect, stream.countKey])).toEqual([
        ['crm_updates', 'backfilled', undefined],
        ['touchpoints', 'backfilled', 'queuedTouchpoints'],
      ]);
    }
  });
});

describe('looking providers up', () => {
  it('finds a provider by id', () => {
    expect(buildCatalog({}).get('hubspot')?.name).toBe('HubSpot');
  });

  it('answers undefined for an unknown id', () => {
    expect(buildCatalog({}).get('nope')).toBeUndefined();
  });

  it('throws an error naming the unknown id when one is required', () => {
    expect(() => buildCatalog({}).require('nope')).toThrow('Unknown provider "nope"');
  });
});

describe('the generic providers', () => {
  it('appear only when they are configured', () => {
    const ids = (catalog: ReturnType<typeof buildCatalog>) => catalog.list().map((provider) => provider.id);
    const builtIn = [...BUILT_IN_OAUTH_PROVIDER_IDS, ...BUILT_IN_FORM_PROVIDER_IDS];
    expect(ids(buildCatalog({}))).toEqual(builtIn);
    expect(ids(buildCatalog({ genericOAuth }))).toEqual([...builtIn, 'generic_oauth2']);
    expect(ids(buildCatalog({ genericApiKey }))).toEqual([...builtIn, 'generic_api_key']);
  });

  it('builds the generic OAuth2 provider from its configuration', () => {
    const provider = fullCatalog().require('generic_oauth2');
    expect(provider.name).toBe('Acme Warehouse');
    expect(provider.auth).toMatchObject({
      type: 'oauth2',
      authorizeUrl: 'http://127.0.0.1:4010/authorize',
      tokenUrl: 'http://127.0.0.1:4010/token',
      revoke: { url: 'http://127.0.0.1:4010/revoke', style: 'rfc7009', ends: 'token' },
      scopes: ['read', 'offline_access'],
      pkce: true,
      identity: { url: 'http://127.0.0.1:4010/userinfo', accountPath: 'account_id' },
    });
  });

  it('builds the generic API-key integration from its configuration', () => {
    const provider = fullCatalog().require('generic_api_key');
    expect(provider.name).toBe('Acme Database');
    expect(provider.auth).toMatchObject({
      type: 'api_key',
      probeUrl: 'http://127.0.0.1:4020/whoami',
      header: 'X-Api-Key',
      accountPath: 'account.id',
    });
  });

  it('feed data pulls when they are integrations', () => {
    for (const id of ['generic_oauth2', 'generic_api_key']) {
      expect(fullCatalog().require(id).streams.map((stream) => [stream.id, stream.effect])).toEqual([['data_pulls', 'paused']]);
    }
  });

  it('feed the same streams as the built-in providers of the kind they are configured as', () => {
    const catalog = buildCatalog({
      genericOAuth: { ...genericOAuth, kind: 'crm' },
      genericApiKey: { ...genericApiKey, kind: 'ad_platform' },
    });
    expect(catalog.require('generic_oauth2').streams).toEqual(catalog.require('salesforce').streams);
    expect(catalog.require('generic_api_key').streams).toEqual(catalog.require('google_ads').streams);
    expect(catalog.require('generic_oauth2').streams).toHaveLength(STREAMS_BY_KIND.crm.length);
  });

  it('refuses a configuration that makes an invalid entry, naming the provider', () => {
    expect(() => buildCatalog({ genericOAuth: { ...genericOAuth, tokenUrl: 'not a url' } })).toThrow(
      'Provider "generic_oauth2" is not a valid catalog entry',
    );
  });
});
