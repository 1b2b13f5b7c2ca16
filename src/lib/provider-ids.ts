/**
 * The provider vocabulary of the public contract (docs/CONTRACT.md), at the bottom of the layers so that
 * configuration can name it. Provider ids: Built-in OAuth providers read `<ID>_CLIENT_ID` / `<ID>_CLIENT_SECRET`. */
export const BUILT_IN_OAUTH_PROVIDER_IDS = [
  'google_ads',
  'meta_ads',
  'linkedin_ads',
  'microsoft_ads',
  'salesforce',
  'dynamics365',
  'hubspot',
] as const;

/** Integrations whose credentials are account details entered in a form (no client to configure). */
export const BUILT_IN_FORM_PROVIDER_IDS = ['postgresql', 'mysql'] as const;

const GENERIC_PROVIDER_IDS = ['generic_oauth2', 'generic_api_key'] as const;

export const PROVIDER_IDS = [...BUILT_IN_OAUTH_PROVIDER_IDS, ...BUILT_IN_FORM_PROVIDER_IDS, ...GENERIC_PROVIDER_IDS] as const;

export const CONNECTION_KINDS = ['ad_platform', 'crm', 'integration'] as const;
export type ConnectionKind = (typeof CONNECTION_KINDS)[number];
