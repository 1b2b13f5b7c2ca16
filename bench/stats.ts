/** Percentiles, clocks, the memory sampler and the machine's stolen CPU time behind the benchmark table. */
import fs from 'node:fs';

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

/** The machine's CPU time so far, all CPUs, in clock ticks: stolen by its host, and in all. */
export interface CpuTicks {
  steal: number;
  total: number;
}

/** From /proc/stat's first line; null where there is none (not Linux). */
export function cpuTicks(): CpuTicks | null {
  let line: string | undefined;
  try {
    line = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0];
  } catch {
    return null;
  }
  // cpu user nice system idle iowait irq softirq steal guest guest_nice; guest time is counted in user already.
  const fields = line?.split(/\s+/).slice(1, 9).map(Number) ?? [];
  if (fields.length < 8 || fields.some((value) => !Number.isFinite(value))) return null;
  return { steal: fields[7]!, total: fields.reduce((sum, value) => sum + value, 0) };
}

/** The share of the machine's CPU time between two readings that its host stole. */
export function stolenShare(before: CpuTicks | null, after: CpuTicks | null): number | null {
  if (!before || !after || after.total <= before.total) return null;
  return (after.steal - before.steal) / (after.total - before.total);
}
