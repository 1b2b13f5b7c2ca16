import type { Prisma } from '../db/client';
import { statusChangesSince, type StatusChange } from '../db/audit';
import type { ConnectionStatus } from '../db/connections';
import { localClock } from './local-time';

/**
 * A connection's last days as squares, one per local day: 🟥 authorization was required at some point,
 * 🟨 degraded at some point (and never worse), 🟩 healthy all day, ⬜ before it existed. From the audit
 * log's status changes; days are local to a time zone, so a day across a DST change has 23 or 25 hours.
 */

export const STRIP_DAYS = 7;

export type DaySquare = '🟥' | '🟨' | '🟩' | '⬜';

export interface StripInput {
  createdAt: Date;
  /** The status now. */
  status: ConnectionStatus;
  /** Status changes since before the first day began, oldest first. */
  changes: readonly Pick<StatusChange, 'at' | 'fromStatus' | 'toStatus'>[];
  now: Date;
  timeZone: string;
  days?: number;
}

const RANK: Record<ConnectionStatus, number> = { connected: 0, disabled: 0, degraded: 1, authorization_required: 2 };
const SQUARE: DaySquare[] = ['🟩', '🟨', '🟥'];

export function healthStrip(input: StripInput): DaySquare[] {
  const days = localDays(input.now, input.timeZone, input.days ?? STRIP_DAYS);
  // A change recorded after `now` (another clock) can't have shaped the days shown.
  const changes = input.changes.filter((change) => change.at <= input.now);
  // What held when the first day began: the first later change says what it changed from.
  const first = changes.find((change) => change.at >= days[0]!.start);
  let status: ConnectionStatus = (first?.fromStatus as ConnectionStatus | undefined) ?? lastBefore(changes, days[0]!.start) ?? input.status;
  const squares: DaySquare[] = [];
  for (const day of days) {
    if (input.createdAt >= day.end) {
      squares.push('⬜');
      continue;
    }
    let worst = RANK[status];
    for (const change of changes) {
      if (change.at < day.start || change.at >= day.end) continue;
      status = change.toStatus as ConnectionStatus;
      worst = Math.max(worst, RANK[status]);
    }
    squares.push(SQUARE[worst]!);
  }
  return squares;
}

function lastBefore(changes: StripInput['changes'], at: Date): ConnectionStatus | undefined {
  const before = changes.filter((change) => change.at < at);
  return before.at(-1)?.toStatus as ConnectionStatus | undefined;
}

/** The last `count` local days up to `now` (today included, so far), as instants. */
export function localDays(now: Date, timeZone: string, count: number): { date: string; start: Date; end: Date }[] {
  const days: { date: string; start: Date; end: Date }[] = [];
  let end = now;
  let date = localClock(now, timeZone).date;
  for (let index = 0; index < count; index += 1) {
    const start = localMidnight(date, timeZone);
    days.unshift({ date, start, end });
    end = start;
    date = localClock(new Date(start.getTime() - 1), timeZone).date;
  }
  return days;
}

/** The instant local midnight of `date` begins, found by correcting a UTC guess with the zone's offset. */
function localMidnight(date: string, timeZone: string): Date {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  let guess = Date.UTC(year, month - 1, day);
  for (let pass = 0; pass < 3; pass += 1) {
    const local = localClock(new Date(guess), timeZone);
    const [ly, lm, ld] = local.date.split('-').map(Number) as [number, number, number];
    const drift = (Date.UTC(ly, lm - 1, ld) - Date.UTC(year, month - 1, day)) / 60_000 + local.minutes;
    if (drift === 0) break;
    guess -= drift * 60_000;
  }
  return new Date(guess);
}

/** Strips for many connections from one query of the audit log. */
export async function healthStrips(
  prisma: Prisma,
  connections: readonly { id: string; createdAt: Date; status: ConnectionStatus }[],
  now: Date,
  timeZone: string,
): Promise<Map<string, string>> {
  const since = localDays(now, timeZone, STRIP_DAYS)[0]!.start;
  const changes = await statusChangesSince(prisma, connections.map((connection) => connection.id), since);
  const byConnection = new Map<string, StatusChange[]>();
  for (const change of changes) byConnection.set(change.connectionId, [...(byConnection.get(change.connectionId) ?? []), change]);
  return new Map(
    connections.map((connection) => [
      connection.id,
      healthStrip({ createdAt: connection.createdAt, status: connection.status, changes: byConnection.get(connection.id) ?? [], now, timeZone }).join(''),
    ]),
  );
}
