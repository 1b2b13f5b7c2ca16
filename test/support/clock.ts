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
