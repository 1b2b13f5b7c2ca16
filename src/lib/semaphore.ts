/**
 * Counting semaphore; a released slot passes straight to the longest waiter. `work` may give its slot
 * back before it finishes (`release`), for the part of it the limit is not about.
 */
class Semaphore {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  async run<T>(work: (release: () => void) => Promise<T>): Promise<T> {
    await this.acquire();
    let held = true;
    const release = () => {
      if (!held) return;
      held = false;
      this.release();
    };
    try {
      return await work(release);
    } finally {
      release();
    }
  }

  private acquire(): Promise<void> {
    if (this.active < this.limit) {
      this.active += 1;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.active -= 1;
  }
}

/**
 * An overall limit and one per key (a provider): a task waits for its key's slot first, so one queued
 * behind its key's limit never holds an overall slot.
 */
export class KeyedLimiter {
  private readonly overall: Semaphore;
  private readonly byKey = new Map<string, Semaphore>();

  constructor(
    concurrency: number,
    private readonly perKey: number,
  ) {
    this.overall = new Semaphore(concurrency);
  }

  run<T>(key: string, work: (release: () => void) => Promise<T>): Promise<T> {
    return this.slotsFor(key).run((releaseKey) =>
      this.overall.run((releaseOverall) =>
        work(() => {
          releaseOverall();
          releaseKey();
        }),
      ),
    );
  }

  private slotsFor(key: string): Semaphore {
    let slots = this.byKey.get(key);
    if (!slots) {
      slots = new Semaphore(this.perKey);
      this.byKey.set(key, slots);
    }
    return slots;
  }
}
