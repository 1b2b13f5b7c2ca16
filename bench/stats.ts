/** Percentiles, clocks and the memory sampler behind the benchmark table. */

/** Milliseconds since the epoch with sub-millisecond resolution, comparable across worker threads. */
export const wallClock = () => performance.timeOrigin + performance.now();

/** Nearest-rank percentile (p in 0..100) of the samples, in their unit. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1]!;
}

export function ms(value: number): string {
  return Number.isFinite(value) ? `${value < 10 ? value.toFixed(1) : Math.round(value)} ms` : 'n/a';
}

/** Resident set size sampled every 100 ms; `peak()` since start or since the last `mark()`. */
export class RssSampler {
  private overall = 0;
  private sincePhase = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(intervalMs = 100) {
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
    this.sample();
  }

  mark(): void {
    this.sample();
    this.sincePhase = process.memoryUsage().rss;
  }

  peakSinceMark(): number {
    this.sample();
    return this.sincePhase;
  }

  peak(): number {
    this.sample();
    return this.overall;
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private sample(): void {
    const rss = process.memoryUsage().rss;
    this.overall = Math.max(this.overall, rss);
    this.sincePhase = Math.max(this.sincePhase, rss);
  }
}

export const megabytes = (bytes: number) => bytes / (1024 * 1024);
