import { healthStrip, localDays } from '../../src/domain/health-strip';

/**
 * A hand-computed week in Amsterdam across the end of summer time (2026-10-25, 03:00 CEST → 02:00 CET):
 * 25 October lasts 25 hours, from 22:00Z on the 24th to 23:00Z on the 25th.
 */
const ZONE = 'Europe/Amsterdam';
const NOW = new Date('2026-10-28T12:00:00Z');
const change = (at: string, fromStatus: string, toStatus: string) => ({ at: new Date(at), fromStatus, toStatus });

describe('7-day health strip', () => {
  it('cuts local days at local midnight, so a 25-hour day keeps its last hour', () => {
    const days = localDays(NOW, ZONE, 7);
    expect(days.map((day) => day.date)).toEqual(['2026-10-22', '2026-10-23', '2026-10-24', '2026-10-25', '2026-10-26', '2026-10-27', '2026-10-28']);
    const sunday = days[3]!;
    expect(sunday.start.toISOString()).toBe('2026-10-24T22:00:00.000Z');
    expect(sunday.end.toISOString()).toBe('2026-10-25T23:00:00.000Z');
  });

  it('matches the hand-computed week: degraded late on the long Sunday and past midnight, a red Tuesday', () => {
    const strip = healthStrip({
      createdAt: new Date('2026-10-01T00:00:00Z'),
      status: 'connected',
      changes: [
        // 23:30 CET on Sunday the 25th: in UTC days this would already be Monday.
        change('2026-10-25T22:30:00Z', 'connected', 'degraded'),
        change('2026-10-25T23:10:00Z', 'degraded', 'connected'),
        change('2026-10-27T10:00:00Z', 'connected', 'authorization_required'),
        change('2026-10-27T11:00:00Z', 'authorization_required', 'connected'),
      ],
      now: NOW,
      timeZone: ZONE,
    });
    expect(strip.join('')).toBe('🟩🟩🟩🟨🟨🟥🟩');
  });

  it('starts from what the first change changed from, and leaves days before the connection existed blank', () => {
    const strip = healthStrip({
      createdAt: new Date('2026-10-24T08:00:00Z'),
      status: 'connected',
      changes: [change('2026-10-26T09:00:00Z', 'authorization_required', 'connected')],
      now: NOW,
      timeZone: ZONE,
    });
    expect(strip.join('')).toBe('⬜⬜🟥🟥🟥🟩🟩');
  });

  it('a connection broken all week is red every day; one with no changes keeps its status', () => {
    const base = { createdAt: new Date('2026-01-01T00:00:00Z'), changes: [], now: NOW, timeZone: ZONE };
    expect(healthStrip({ ...base, status: 'authorization_required' }).join('')).toBe('🟥🟥🟥🟥🟥🟥🟥');
    expect(healthStrip({ ...base, status: 'connected' }).join('')).toBe('🟩🟩🟩🟩🟩🟩🟩');
  });
});
