import { backfillStreams, formatDuration, impactOf, type ImpactInput, type ImpactLine } from '../../src/domain/impact';
import { buildCatalog } from '../../src/providers/catalog';

const catalog = buildCatalog({
  genericApiKey: { name: 'Acme Database', kind: 'integration', probeUrl: 'http://127.0.0.1:4020/whoami', header: 'X-Api-Key', accountClaim: 'id' },
});

const NOW = new Date('2025-03-10T12:00:00Z');
/** Still disconnected: 2 h 15 min so far. */
const OPEN = { from: new Date('2025-03-10T09:45:00Z') };
/** Reconnected at 12:00 after 3 h 5 min; read half an hour later, which must not change the duration. */
const CLOSED = { from: new Date('2025-03-10T08:55:00Z'), to: NOW };
const LATER = new Date('2025-03-10T12:30:00Z');

function impact(providerId: string, input: Partial<Omit<ImpactInput, 'provider'>> = {}): ImpactLine[] {
  return impactOf({ provider: catalog.require(providerId), options: {}, outage: OPEN, now: NOW, ...input });
}

const texts = (lines: ImpactLine[]) => lines.map((line) => line.text);

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
    expect(impact(providerId, { options })).toEqual([
      {
        streamId: 'utm_tags',
        label: 'UTM tags',
        effect: 'lost',
        text: "*UTM tags* — UTM parameters are not appended to ads created while disconnected; they can't be appended afterwards, so touchpoints from those ads stay untagged.",
        durationMinutes: 135,
      },
      {
        streamId: 'cost_data',
        label: 'Cost data',
        effect: 'paused',
        text: '*Cost data* — paused for 2 h 15 min; it is re-downloaded after you reconnect.',
        durationMinutes: 135,
      },
    ]);
  });

  it('counts the ads created untagged once the data platform reports them', () => {
    const lines = impact(providerId, { options, counts: { adsCreated: 12, queuedTouchpoints: 40 } });
    expect(texts(lines)).toEqual([
      "*UTM tags* — UTM parameters are not appended to ads created while disconnected (ads created untagged: 12); they can't be appended afterwards, so touchpoints from those ads stay untagged.",
      '*Cost data* — paused for 2 h 15 min; it is re-downloaded after you reconnect.',
    ]);
    expect(lines.map((line) => line.count)).toEqual([12, undefined]);
  });

  it('says in the past tense what happened once it is reconnected', () => {
    expect(texts(impact(providerId, { options, outage: CLOSED, now: LATER, counts: { adsCreated: 12 } }))).toEqual([
      "*UTM tags* — lost for 3 h 5 min (ads created untagged: 12); this can't be fixed afterwards.",
      '*Cost data* — was paused for 3 h 5 min; re-downloading now.',
    ]);
  });

  it('asks the data platform to re-download cost data only', () => {
    expect(backfillStreams(impact(providerId, { options }))).toEqual(['cost_data']);
  });
});

describe.each(AD_PLATFORMS)('%s disconnected with auto-tagging off', (_name, providerId) => {
  it('says only that cost data is paused and re-downloaded', () => {
    expect(texts(impact(providerId, { options: { autotagging: false } }))).toEqual([
      '*Cost data* — paused for 2 h 15 min; it is re-downloaded after you reconnect.',
    ]);
  });

  it('ignores an ads count, since no ad goes untagged', () => {
    const lines = impact(providerId, { counts: { adsCreated: 12 } });
    expect(lines.map((line) => [line.streamId, line.count])).toEqual([['cost_data', undefined]]);
  });

  it('says cost data was paused once it is reconnected', () => {
    expect(texts(impact(providerId, { outage: CLOSED, now: LATER }))).toEqual(['*Cost data* — was paused for 3 h 5 min; re-downloading now.']);
  });
});

describe.each(CRMS)('%s disconnected', (_name, providerId) => {
  it('says CRM updates and new touchpoints are held back and pushed after reconnecting', () => {
    expect(impact(providerId)).toEqual([
      {
        streamId: 'crm_updates',
        label: 'CRM updates',
        effect: 'backfilled',
        text: '*CRM updates* — on hold for 2 h 15 min; everything missed is pushed after you reconnect.',
        durationMinutes: 135,
      },
      {
        streamId: 'touchpoints',
        label: 'New touchpoints',
        effect: 'backfilled',
        text: '*New touchpoints* — on hold for 2 h 15 min; queued touchpoints are pushed after you reconnect.',
        durationMinutes: 135,
      },
    ]);
  });

  it('counts the queued touchpoints once the data platform reports them', () => {
    const lines = impact(providerId, { counts: { queuedTouchpoints: 1, adsCreated: 12 } });
    expect(texts(lines)).toEqual([
      '*CRM updates* — on hold for 2 h 15 min; everything missed is pushed after you reconnect.',
      '*New touchpoints* — on hold for 2 h 15 min (touchpoints queued: 1); queued touchpoints are pushed after you reconnect.',
    ]);
    expect(lines.map((line) => line.count)).toEqual([undefined, 1]);
  });

  it('says in the past tense that the missed data is being pushed once it is reconnected', () => {
    expect(texts(impact(providerId, { outage: CLOSED, now: LATER, counts: { queuedTouchpoints: 340 } }))).toEqual([
      '*CRM updates* — was on hold for 3 h 5 min; pushing what was missed now.',
      '*New touchpoints* — was on hold for 3 h 5 min (touchpoints queued: 340); pushing what was missed now.',
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
      '*Data pulls* — paused for 2 h 15 min; pulls resume after you reconnect and fetch what was missed.',
    ]);
  });

  it('says data pulls were paused once it is reconnected', () => {
    expect(texts(impact('generic_api_key', { outage: CLOSED, now: LATER }))).toEqual([
      '*Data pulls* — was paused for 3 h 5 min; re-downloading now.',
    ]);
  });
});

describe('ordering and edge cases', () => {
  const mixed = {
    streams: [
      { id: 'a_paused', label: 'A', effect: 'paused' as const, whileDisconnected: 'a stops', afterReconnect: 'a resumes' },
      { id: 'b_backfilled', label: 'B', effect: 'backfilled' as const, whileDisconnected: 'b stops', afterReconnect: 'b is pushed' },
      { id: 'c_lost', label: 'C', effect: 'lost' as const, whileDisconnected: 'c stops', afterReconnect: 'c is gone' },
      { id: 'd_paused', label: 'D', effect: 'paused' as const, whileDisconnected: 'd stops', afterReconnect: 'd resumes' },
    ],
  };

  it('lists what is lost first, then what is backfilled, then what is paused, keeping catalog order within each', () => {
    const lines = impactOf({ provider: mixed, options: {}, outage: OPEN, now: NOW });
    expect(lines.map((line) => line.streamId)).toEqual(['c_lost', 'b_backfilled', 'a_paused', 'd_paused']);
    expect(mixed.streams.map((stream) => stream.id)).toEqual(['a_paused', 'b_backfilled', 'c_lost', 'd_paused']);
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
    expect(lines[0]?.text).toBe('*Cost data* — paused for less than a minute; it is re-downloaded after you reconnect.');
  });

  it('never reports a negative duration when clocks disagree', () => {
    const lines = impact('google_ads', { outage: { from: new Date(NOW.getTime() + 60_000) } });
    expect(lines[0]?.durationMinutes).toBe(0);
  });
});

describe('formatDuration', () => {
  it.each([
    [0, 'less than a minute'],
    [1, '1 min'],
    [45, '45 min'],
    [60, '1 h'],
    [135, '2 h 15 min'],
    [185, '3 h 5 min'],
    [1439, '23 h 59 min'],
    [1440, '1 d'],
    [4560, '3 d 4 h'],
    [4589, '3 d 4 h'],
    [44.9, '44 min'],
  ])('formats %d minutes as "%s"', (minutes, expected) => {
    expect(formatDuration(minutes)).toBe(expected);
  });
});

describe('backfillStreams', () => {
  it('names every stream that is paused or backfilled, once each, and none that is lost', () => {
    const lines = [
      { streamId: 'utm_tags', effect: 'lost' as const },
      { streamId: 'touchpoints', effect: 'backfilled' as const },
      { streamId: 'cost_data', effect: 'paused' as const },
      { streamId: 'cost_data', effect: 'paused' as const },
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
      impact(providerId, { options: { autotagging: true }, outage: CLOSED, now: LATER, counts }).flatMap((line) => (line.outcome ? [line.outcome] : []));
    expect(outcomes('google_ads', { adsCreated: 14 })).toEqual(['14 ads were created without UTM tags while disconnected']);
    expect(outcomes('meta_ads', { adsCreated: 1 })).toEqual(['1 ad was created without UTM tags while disconnected']);
    expect(outcomes('hubspot', { queuedTouchpoints: 320 })).toEqual(['320 touchpoints will be pushed']);
    expect(outcomes('salesforce', { queuedTouchpoints: 1 })).toEqual(['1 touchpoint will be pushed']);
  });

  it('says nothing of counts while the outage goes on, or when none were reported', () => {
    expect(impact('hubspot', { counts: { queuedTouchpoints: 320 } }).some((line) => line.outcome)).toBe(false);
    expect(impact('hubspot', { outage: CLOSED, now: LATER }).some((line) => line.outcome)).toBe(false);
  });
});
