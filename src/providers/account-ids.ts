import type { AccountIdFormat } from './definition';

/**
 * Comparing account ids the way each provider writes them: a Google Ads customer is `123-456-7890` in
 * its UI and `customers/1234567890` in its API, a Meta ad account `act_123` or `123`, a LinkedIn one
 * `urn:li:sponsoredAccount:123`, a Salesforce org a 15- or 18-character id, a Dynamics org a GUID or URL.
 */

export function normalizeAccountId(format: AccountIdFormat, id: string): string {
  const trimmed = id.trim();
  switch (format) {
    case 'exact':
      return trimmed;
    case 'digits':
      return trimmed.replace(/\D/g, '');
    case 'salesforce_org':
      // The 18-character form is the 15-character one plus a case checksum; the first 15 are case-sensitive.
      return trimmed.slice(0, 15);
    case 'case_insensitive':
      return trimmed.toLowerCase().replace(/\/+$/, '');
  }
}

/** Whether `expected` is one of the ids of one of the accounts; an id that normalizes to nothing matches nothing. */
export function reachesAccount(format: AccountIdFormat, expected: string, accounts: readonly { ids: readonly string[] }[]): boolean {
  const wanted = normalizeAccountId(format, expected);
  if (wanted === '') return false;
  return accounts.some((account) => account.ids.some((id) => normalizeAccountId(format, id) === wanted));
}
