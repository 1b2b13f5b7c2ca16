/**
 * Wall-clock time in a subscriber's time zone, through Intl so daylight saving time and the zone's
 * history come from the ICU data Node ships, never from a fixed offset.
 */

export interface LocalClock {
  /** YYYY-MM-DD, which also sorts chronologically as a string. */
  date: string;
  /** Minutes since local midnight. */
  minutes: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

export function localClock(at: Date, timeZone: string): LocalClock {
  const parts = Object.fromEntries(formatterFor(timeZone).formatToParts(at).map((part) => [part.type, part.value]));
  return {
    date: `${parts.year}-${parts.month}-${parts.day}`,
    minutes: Number(parts.hour) * 60 + Number(parts.minute),
  };
}

/**
 * The zone as stored and shown: the usual spelling when Intl lists it ("america/new_york" →
 * "America/New_York"), otherwise what was typed, or null when Intl doesn't know the zone. ICU's own
 * canonical form isn't used: it turns "Asia/Kolkata" into the retired "Asia/Calcutta".
 */
export function canonicalTimeZone(name: string): string | null {
  let resolved: string;
  try {
    resolved = new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    return null;
  }
  const lower = name.toLowerCase();
  if (resolved.toLowerCase() === lower) return resolved;
  return Intl.supportedValuesOf('timeZone').find((zone) => zone.toLowerCase() === lower) ?? name;
}

/** "9:05" or "09:05" → "09:05"; anything that isn't a time of day → null. */
export function parseTimeOfDay(text: string): string | null {
  const match = /^([01]?\d|2[0-3]):([0-5]\d)$/.exec(text.trim());
  return match ? `${match[1]!.padStart(2, '0')}:${match[2]}` : null;
}

export function minutesOfDay(timeOfDay: string): number {
  const [hours, minutes] = timeOfDay.split(':').map(Number);
  return (hours ?? 0) * 60 + (minutes ?? 0);
}

/** Whether `timeOfDay` has already come today in `timeZone`, and which local day "today" is. */
export function timeHasPassed(at: Date, timeZone: string, timeOfDay: string): { passed: boolean; date: string } {
  const local = localClock(at, timeZone);
  return { passed: local.minutes >= minutesOfDay(timeOfDay), date: local.date };
}
