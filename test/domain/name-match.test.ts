import { matchByName, normalizeName } from '../../src/domain/name-match';

const names = ['Google Ads — Brand', 'Google Ads', 'Meta Ads — Retargeting', 'HubSpot EU', 'Société Générale CRM', 'Salesforce'];
const match = (query: string) => matchByName(names, query, (name) => name);

describe('matchByName', () => {
  it('ignores case, accents and punctuation', () => {
    expect(normalizeName('  Société — Générale!! ')).toBe('societe generale');
    expect(match('SOCIETE generale crm')).toEqual({ kind: 'found', item: 'Société Générale CRM' });
    expect(match('google ads brand')).toEqual({ kind: 'found', item: 'Google Ads — Brand' });
  });

  it('prefers an exact name to a prefix, and a prefix to a substring', () => {
    expect(match('google ads')).toEqual({ kind: 'found', item: 'Google Ads' });
    expect(match('hub')).toEqual({ kind: 'found', item: 'HubSpot EU' });
    expect(match('retarget')).toEqual({ kind: 'found', item: 'Meta Ads — Retargeting' });
  });

  it('asks when two or more match equally well', () => {
    expect(match('goo')).toEqual({ kind: 'ambiguous', candidates: ['Google Ads — Brand', 'Google Ads'] });
    expect(match('ads')).toEqual({ kind: 'ambiguous', candidates: ['Google Ads — Brand', 'Google Ads', 'Meta Ads — Retargeting'] });
  });

  it('suggests names a few typos away when nothing matches', () => {
    expect(match('salesfroce')).toEqual({ kind: 'none', suggestions: ['Salesforce'] });
    expect(match('hubsopt')).toEqual({ kind: 'none', suggestions: ['HubSpot EU'] });
    expect(match('zendesk')).toEqual({ kind: 'none', suggestions: [] });
    expect(match('  — ')).toEqual({ kind: 'none', suggestions: [] });
  });
});
