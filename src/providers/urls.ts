import type { ProviderDefinition } from './definition';

/**
 * Every URL a provider definition holds, rewritten by one function: PROVIDER_ORIGINS (sovereign clouds,
 * provider simulators) and a connection's own host (Salesforce sandboxes, My Domain). URLs are compared
 * and rewritten as text, because some hold placeholders (`{accessToken}`) that URL parsing would escape.
 */

/** `from` origin → `to` origin, both without a trailing slash. */
export type OriginRewrites = ReadonlyMap<string, string>;

export function rewriteOrigin(url: string, rewrites: OriginRewrites): string {
  for (const [from, to] of rewrites) {
    if (url === from || url.startsWith(`${from}/`) || url.startsWith(`${from}?`)) return to + url.slice(from.length);
  }
  return url;
}

export function mapProviderUrls(provider: ProviderDefinition, map: (url: string) => string): ProviderDefinition {
  const { auth } = provider;
  if (auth.type === 'api_key') return { ...provider, auth: { ...auth, probeUrl: map(auth.probeUrl) } };
  if (auth.type === 'credentials_form') return provider;
  return {
    ...provider,
    auth: {
      ...auth,
      authorizeUrl: map(auth.authorizeUrl),
      tokenUrl: map(auth.tokenUrl),
      ...(auth.revoke ? { revoke: { ...auth.revoke, url: map(auth.revoke.url) } } : {}),
      ...(auth.issuer !== undefined ? { issuer: map(auth.issuer) } : {}),
      identity: { ...auth.identity, url: map(auth.identity.url) },
      hardExpiry: { ...auth.hardExpiry, ...(auth.hardExpiry.dataAccess ? { dataAccess: { ...auth.hardExpiry.dataAccess, url: map(auth.hardExpiry.dataAccess.url) } } : {}) },
      accounts: auth.accounts.map((list) => (list.request ? { ...list, request: { ...list.request, url: map(list.request.url) } } : list)),
    },
  };
}

/** The origin of a URL that may hold placeholders. */
export function originOf(url: string): string {
  const match = /^(https?:\/\/[^/?#]+)/.exec(url);
  if (!match) throw new Error(`not an absolute http(s) URL: ${url}`);
  return match[1]!;
}
