import { normalizeAccountId, reachesAccount } from '../../src/providers/account-ids';

describe('account ids as each provider writes them', () => {
  it.each([
    ['digits', '123-456-7890', 'customers/1234567890'],
    ['digits', 'act_238000111', '238000111'],
    ['digits', '508915001', 'urn:li:sponsoredAccount:508915001'],
    ['salesforce_org', '00D5g000004ABCD', '00D5g000004ABCDEAU'],
    ['case_insensitive', 'https://Contoso.crm.dynamics.com/', 'https://contoso.crm.dynamics.com'],
    ['case_insensitive', 'A1B2C3D4-0000-4000-8000-000000000001', 'a1b2c3d4-0000-4000-8000-000000000001'],
  ] as const)('%s: %s is %s', (format, entered, answered) => {
    expect(reachesAccount(format, entered, [{ ids: [answered] }])).toBe(true);
  });

  it.each([
    ['digits', '123-456-7890', 'customers/1234567891'],
    // Salesforce ids are case-sensitive in their 15-character form.
    ['salesforce_org', '00D5g000004abcd', '00D5g000004ABCDEAU'],
    ['exact', 'acct-1', 'ACCT-1'],
    // An id with no digits at all must not match every digit-free id.
    ['digits', 'act_', 'not-an-id'],
  ] as const)('%s: %s is not %s', (format, entered, answered) => {
    expect(reachesAccount(format, entered, [{ ids: [answered] }])).toBe(false);
  });

  it('matches any of the ids an account is known by', () => {
    expect(reachesAccount('case_insensitive', 'https://sales.crm.dynamics.com', [{ ids: ['guid-1', 'https://sales.api.crm.dynamics.com', 'https://sales.crm.dynamics.com'] }])).toBe(true);
    expect(normalizeAccountId('salesforce_org', '00D5g000004ABCDEAU')).toBe('00D5g000004ABCD');
  });
});
