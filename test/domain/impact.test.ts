import { backfillStreams, impactOf, type ImpactInput, type ImpactLine } from '../../src/domain/impact';
import { LANGUAGES } from '../../src/lib/i18n';
import { impactOutcome, impactText } from '../../src/slack/blocks/impact';
import { translator } from '../../src/slack/blocks/messages';
import { buildCatalog } from '../../src/providers/catalog';

const catalog = buildCatalog({
  genericApiKey: { name: 'Acme Database', kind: 'integration', probeUrl: 'http://127.0.0.1:4020/whoami', header: 'X-Api-Key', accountClaim: 'id' },
});

const NOW = new Date('2025-03-10T12:00:00Z');
/** Still disconnected: 2 hours, 15 minutes so far. */
const OPEN = { from: new Date('2025-03-10T09:45:00Z') };
/** Reconnected at 12:00 after 3 hours, 5 minutes; read half an hour later, which must not change the duration. */
const CLOSED = { from: new Date('2025-03-10T08:55:00Z'), to: NOW };
const LATER = new Date('2025-03-10T12:30:00Z');

function impact(providerId: string, input: Partial<Omit<ImpactInput, 'provider'>> = {}): ImpactLine[] {
  return impactOf({ provider: catalog.require(providerId), options: {}, outage: OPEN, now: NOW, ...input });
}

/** The words are the catalogs'; the domain test reads them in English. */
const en = translator('en');
const texts = (lines: ImpactLine[]) => lines.map((line) => impactText(en, line));

const AD_PLATFORMS = [
  ['Google Ads', 'google_ads'],
  ['Meta Ads', 'meta_ads'],
  ['LinkedIn Ads', 'linkedin_ads'],
  ['Microsoft Advertising', 'microsoft_ads'],
] as const;

const CRMS = [
  ['Salesforce', 'salesforce'],
  ['Microsoft Dynamics 365', 'dynamics365'],
  ['HubSpot', 'hubspot'],
] as const;

describe.each(AD_PLATFORMS)('%s disconnected with auto-tagging on', (_name, providerId) => {
  const options = { autotagging: true };

  it('says cost data is paused and re-downloaded, and UTM tags on new ads are lost', () => {
    const lines = impact(providerId, { options });
    expect(lines).toEqual([
      { streamId: 'utm_tags', effect: 'lost', closed: false, durationMinutes: 135 },
      { streamId: 'cost_data', effect: 'paused', closed: false, durationMinutes: 135 },
    ]);
    expect(texts(lines)).toEqual([
      "*UTM tags* — UTM parameters are not appended to ads created while disconnected; they can't be appended afterwards, so touchpoints from those ads stay untagged.",
      '*Cost data* — paused for 2 hours, 15 minutes; it is re-downloaded after you reconnect.',
    ]);
  });

  it('counts the ads created untagged once the data platform reports them', () => {
    const lines = impact(providerId, { options, counts: { adsCreated: 12, queuedTouchpoints: 40 } });
    expect(texts(lines)).toEqual([
      "*UTM tags* — UTM parameters are not appended to ads created while disconnected (ads created untagged: 12); they can't be appended afterwards, so touchpoints from those ads stay untagged.",
      '*Cost data* — paused for 2 hours, 15 minutes; it is re-downloaded after you reconnect.',
    ]);
    expect(lines.map((line) => line.count)).toEqual([12, undefined]);
  });

  it('says in the past tense what happened once it is reconnected', () => {
    expect(texts(impact(providerId, { options, outage: CLOSED, now: LATER, counts: { adsCreated: 12 } }))).toEqual([
      "*UTM tags* — lost for 3 hours, 5 minutes (ads created untagged: 12); this can't be fixed afterwards.",
      '*Cost data* — was paused for 3 hours, 5 minutes; re-downloading now.',
    ]);
  });

  it('asks the data platform to re-download cost data only', () => {
    expect(backfillStreams(impact(providerId, { options }))).toEqual(['cost_data']);
  });
});

describe.each(AD_PLATFORMS)('%s disconnected with auto-tagging off', (_name, providerId) => {
  it('says only that cost data is paused and re-downloaded', () => {
    expect(texts(impact(providerId, { options: { autotagging: false } }))).toEqual([
      '*Cost data* — paused for 2 hours, 15 minutes; it is re-downloaded after you reconnect.',
    ]);
  });

  it('ignores an ads count, since no ad goes untagged', () => {
    const lines = impact(providerId, { counts: { adsCreated: 12 } });
    expect(lines.map((line) => [line.streamId, line.count])).toEqual([['cost_data', undefined]]);
  });

  it('says cost data was paused once it is reconnected', () => {
    expect(texts(impact(providerId, { outage: CLOSED, now: LATER }))).toEqual(['*Cost data* — was paused for 3 hours, 5 minutes; re-downloading now.']);
  });
});

describe.each(CRMS)('%s disconnected', (_name, providerId) => {
  it('says CRM updates and new touchpoints are held back and pushed after reconnecting', () => {
    const lines = impact(providerId);
    expect(lines).toEqual([
      { streamId: 'crm_updates', effect: 'backfilled', closed: false, durationMinutes: 135 },
      { streamId: 'touchpoints', effect: 'backfilled', closed: false, durationMinutes: 135 },
    ]);
    expect(texts(lines)).toEqual([
      '*CRM updates* — on hold for 2 hours, 15 minutes; everything missed is pushed after you reconnect.',
      '*New touchpoints* — on hold for 2 hours, 15 minutes; queued touchpoints are pushed after you reconnect.',
    ]);
  });

  it('counts the queued touchpoints once the data platform reports them', () => {
    const lines = impact(providerId, { counts: { queuedTouchpoints: 1, adsCreated: 12 } });
    expect(texts(lines)).toEqual([
      '*CRM updates* — on hold for 2 hours, 15 minutes; everything missed is pushed after you reconnect.',
      '*New touchpoints* — on hold for 2 hours, 15 minutes (touchpoints queued: 1); queued touchpoints are pushed after you reconnect.',
    ]);
    expect(lines.map((line) => line.count)).toEqual([undefined, 1]);
  });

  it('says in the past tense that the missed data is being pushed once it is reconnected', () => {
    expect(texts(impact(providerId, { outage: CLOSED, now: LATER, counts: { queuedTouchpoints: 340 } }))).toEqual([
      '*CRM updates* — was on hold for 3 hours, 5 minutes; pushing what was missed now.',
      '*New touchpoints* — was on hold for 3 hours, 5 minutes (touchpoints queued: 340); pushing what was missed now.',
    ]);
  });

  it('reads the same whatever the auto-tagging option, which only ad platforms have', () => {
    expect(impact(providerId, { options: { autotagging: true } })).toEqual(impact(providerId));
  });

  it('asks the data platform to backfill both streams', () => {
    expect(backfillStreams(impact(providerId))).toEqual(['crm_updates', 'touchpoints']);
  });
});

describe('An integration disconnected', () => {
  it('says data pulls are paused and resume after reconnecting', () => {
    expect(texts(impact('generic_api_key'))).toEqual([
      '*Data pulls* — paused for 2 hours, 15 minutes; pulls resume after you reconnect and fetch what was missed.',
    ]);
  });

  it('says data pulls were paused once it is reconnected', () => {
    expect(texts(impact('generic_api_key', { outage: CLOSED, now: LATER }))).toEqual([
      '*Data pulls* — was paused for 3 hours, 5 minutes; re-downloading now.',
    ]);
  });
});

describe('ordering and edge cases', () => {
  const mixed = {
    streams: [
      { id: 'cost_data' as const, effect: 'paused' as const },
      { id: 'crm_updates' as const, effect: 'backfilled' as const },
      { id: 'utm_tags' as const, effect: 'lost' as const },
      { id: 'data_pulls' as const, effect: 'paused' as const },
    ],
  };

  it('lists what is lost first, then what is backfilled, then what is paused, keeping catalog order within each', () => {
    const lines = impactOf({ provider: mixed, options: {}, outage: OPEN, now: NOW });
    expect(lines.map((line) => line.streamId)).toEqual(['utm_tags', 'crm_updates', 'cost_data', 'data_pulls']);
    expect(mixed.streams.map((stream) => stream.id)).toEqual(['cost_data', 'crm_updates', 'utm_tags', 'data_pulls']);
  });

  it('needs the option to be exactly true, not just present', () => {
    expect(impact('google_ads', { options: { autotagging: 'yes' } }).map((line) => line.streamId)).toEqual(['cost_data']);
  });

  it('ignores counts that are not non-negative numbers', () => {
    const lines = impact('hubspot', { counts: { queuedTouchpoints: -3 } });
    expect(lines.map((line) => line.count)).toEqual([undefined, undefined]);
  });

  it('reports an outage that started a moment ago as less than a minute', () => {
    const lines = impact('google_ads', { outage: { from: new Date(NOW.getTime() - 20_000) } });
    expect(texts(lines)[0]).toBe('*Cost data* — paused for less than a minute; it is re-downloaded after you reconnect.');
  });

  it('never reports a negative duration when clocks disagree', () => {
    const lines = impact('google_ads', { outage: { from: new Date(NOW.getTime() + 60_000) } });
    expect(lines[0]?.durationMinutes).toBe(0);
  });
});

describe('durations', () => {
  it.each([
    [0, 'less than a minute'],
    [1, '1 minute'],
    [45, '45 minutes'],
    [60, '1 hour'],
    [135, '2 hours, 15 minutes'],
    [185, '3 hours, 5 minutes'],
    [1439, '23 hours, 59 minutes'],
    [1440, '1 day'],
    [4560, '3 days, 4 hours'],
    [4589, '3 days, 4 hours'],
    [44.9, '44 minutes'],
  ])('formats %d minutes as "%s"', (minutes, expected) => {
    expect(en.duration(minutes)).toBe(expected);
  });

  it('counts real time across a DST change: noon to noon over the spring-forward night is 23 hours, in every language', () => {
    // Europe/Amsterdam moves from CET to CEST at 01:00 UTC on Sunday 29 March 2026.
    const outage = { from: new Date('2026-03-28T11:00:00Z'), to: new Date('2026-03-29T10:00:00Z') };
    const [line] = impactOf({ provider: catalog.require('generic_api_key'), options: {}, outage, now: outage.to });
    const spaced = (text: string) => text.replace(/[\u00a0\u202f]/g, ' ');
    expect(Object.fromEntries(LANGUAGES.map((language) => [language, spaced(translator(language).duration(line!.durationMinutes))]))).toEqual({
      en: '23 hours',
      nl: '23 uur',
      es: '23 horas',
      fr: '23 heures',
    });
  });
});

describe('backfillStreams', () => {
  it('names every stream that is paused or backfilled, once each, and none that is lost', () => {
    const lines = [
      { streamId: 'utm_tags' as const, effect: 'lost' as const },
      { streamId: 'touchpoints' as const, effect: 'backfilled' as const },
      { streamId: 'cost_data' as const, effect: 'paused' as const },
      { streamId: 'cost_data' as const, effect: 'paused' as const },
    ];
    expect(backfillStreams(lines)).toEqual(['touchpoints', 'cost_data']);
  });

  it('is empty when nothing can be recovered', () => {
    expect(backfillStreams([{ streamId: 'utm_tags', effect: 'lost' }])).toEqual([]);
  });
});

describe('counts in the resolved message', () => {
  it('says what the counts meant once the connection is back, for one and for several', () => {
    const outcomes = (providerId: string, counts: ImpactInput['counts']) =>
      impact(providerId, { options: { autotagging: true }, outage: CLOSED, now: LATER, counts }).flatMap((line) => impactOutcome(en, line) ?? []);
    expect(outcomes('google_ads', { adsCreated: 14 })).toEqual(['14 ads were created without UTM tags while disconnected']);
    expect(outcomes('meta_ads', { adsCreated: 1 })).toEqual(['1 ad was created without UTM tags while disconnected']);
    expect(outcomes('hubspot', { queuedTouchpoints: 320 })).toEqual(['320 touchpoints will be pushed']);
    expect(outcomes('salesforce', { queuedTouchpoints: 1 })).toEqual(['1 touchpoint will be pushed']);
  });

  it('says nothing of counts while the outage goes on, or when none were reported', () => {
    expect(impact('hubspot', { counts: { queuedTouchpoints: 320 } }).some((line) => impactOutcome(en, line) !== null)).toBe(false);
    expect(impact('hubspot', { outage: CLOSED, now: LATER }).some((line) => impactOutcome(en, line) !== null)).toBe(false);
  });
});
