import type { Clock } from '../../src/lib/clock';

/** A clock tests move by hand. */
export class FakeClock implements Clock {
  private current: number;

  constructor(start: string | Date = '2026-11-23T09:00:00Z') {
    this.current = new Date(start).getTime();
  }

  now(): Date {
    return new Date(this.current);
  }

  set(to: string | Date): void {
    this.current = new Date(to).getTime();
  }

  advance(ms: number): Date {
    this.current += ms;
    return this.now();
  }

  advanceMinutes(minutes: number): Date {
    return this.advance(minutes * 60_000);
  }
}

/** Real time plus an offset a test can grow; Slack's request signatures and other processes still see the real time. */
export class ShiftedClock implements Clock {
  offsetMs = 0;

  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }
}
