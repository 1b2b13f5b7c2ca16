import type { DatabaseHostAllowList } from '../config';
import type { Secrets } from '../db/credentials';
import { err, ok, type Result } from '../lib/errors';
import { checkApiKey, type AccountIdentity, type HttpOptions, type OAuthFailure } from '../oauth';
import { checkDatabaseCredentials, databaseCredentialsSchema } from '../oauth/database-check';
import type { FormField, ProviderDefinition } from '../providers/definition';

/**
 * The single-use form for providers whose credentials a person types in: an API key, or account details
 * described by the catalog (a database's host, user, password…). What the form shows, how the values are
 * checked (by really using them), which account they belong to, and what is stored.
 */

export type FormValues = Record<string, string>;

const API_KEY_FIELD: FormField = { name: 'apiKey', label: 'API key', secret: true, input: 'text' };

export function formFieldsOf(provider: ProviderDefinition): FormField[] {
  if (provider.auth.type === 'api_key') return [API_KEY_FIELD];
  if (provider.auth.type === 'credentials_form') return provider.auth.fields;
  throw new Error(`provider ${provider.id} signs in with OAuth, not a form`);
}

/** An API-key provider's own help (an operator's words); a database form's is the message catalogs'. */
export function formHelpOf(provider: ProviderDefinition): string | null {
  return provider.auth.type === 'api_key' ? provider.auth.keyHelp : null;
}

/** Values to show again when reauthorizing: the stored ones that are not secret, else each field's default. */
export function prefilledValues(provider: ProviderDefinition, stored: Secrets | undefined): FormValues {
  const values: FormValues = {};
  for (const field of formFieldsOf(provider)) {
    const value = field.secret ? undefined : (stored?.fields?.[field.name] ?? field.default);
    if (value !== undefined) values[field.name] = value;
  }
  return values;
}

/**
 * `fields`: names of the fields to fill in or correct, which the page names in the reader's words;
 * `not_allowed`: the details name a host this server doesn't dial (DATABASE_CONNECT_HOSTS); nothing was tried.
 */
export type FormProblem = { kind: 'missing' | 'malformed'; fields: string[] } | { kind: 'not_allowed'; host: string } | { kind: 'refused'; failure: OAuthFailure };

export interface FormCheckOptions extends HttpOptions {
  databaseHosts: DatabaseHostAllowList;
}

/** Checks what was entered with the provider itself; the account it names comes back. */
export async function verifyForm(provider: ProviderDefinition, values: FormValues, http: FormCheckOptions): Promise<Result<AccountIdentity, FormProblem>> {
  const missing = formFieldsOf(provider).filter((field) => !values[field.name]?.trim());
  if (missing.length > 0) return err({ kind: 'missing', fields: missing.map((field) => field.name) });
  if (provider.auth.type === 'api_key') {
    const checked = await checkApiKey({ provider, apiKey: values.apiKey!.trim(), ...http });
    return checked.ok ? ok(checked.value) : err({ kind: 'refused', failure: checked.error });
  }
  if (provider.auth.type !== 'credentials_form') throw new Error(`provider ${provider.id} signs in with OAuth, not a form`);
  const parsed = databaseCredentialsSchema.safeParse({ ...values, port: Number(values.port) });
  if (!parsed.success) {
    const named = new Set(parsed.error.issues.map((issue) => String(issue.path[0])));
    return err({ kind: 'malformed', fields: formFieldsOf(provider).filter((field) => named.has(field.name)).map((field) => field.name) });
  }
  const checked = await checkDatabaseCredentials({
    engine: provider.auth.verify,
    credentials: parsed.data,
    allowedHosts: http.databaseHosts,
    ...(http.timeoutMs ? { timeoutMs: http.timeoutMs } : {}),
  });
  if (!checked.ok) {
    const problem = checked.error;
    if (problem.kind !== 'host_not_allowed') return err({ kind: 'refused', failure: problem });
    return err({ kind: 'not_allowed', host: problem.detail });
  }
  return ok({ id: accountIdOf(provider, values), ...(checked.value.label ? { label: checked.value.label } : {}) });
}

/** The account the values name: the API key's account, or the catalog's template over the fields. */
export function accountIdOf(provider: ProviderDefinition, values: FormValues): string {
  if (provider.auth.type !== 'credentials_form') throw new Error(`provider ${provider.id} has no account id template`);
  return provider.auth.accountId.replace(/\{([a-zA-Z]+)\}/g, (_, name: string) => values[name]?.trim() ?? '');
}

export function secretsOfForm(provider: ProviderDefinition, values: FormValues): Secrets {
  if (provider.auth.type === 'api_key') return { apiKey: values.apiKey!.trim() };
  const fields: Record<string, string> = {};
  for (const field of formFieldsOf(provider)) if (values[field.name] !== undefined) fields[field.name] = field.secret ? values[field.name]! : values[field.name]!.trim();
  return { fields };
}
