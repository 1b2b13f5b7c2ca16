import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * The app's Prometheus metrics, through prom-client and its own text exposition. Each app gets its own
 * Registry (never prom-client's global one), so several apps in one process — tests, the bench, two
 * replicas — keep separate counts and never collide on a name.
 *
 * Besides our counters, gauges and histograms the registry carries prom-client's process and Node
 * defaults: `process_resident_memory_bytes`, `process_cpu_seconds_total`, `nodejs_heap_size_used_bytes`,
 * `nodejs_eventloop_lag_seconds` (and its percentiles), `nodejs_gc_duration_seconds` by kind, and so on.
 *
 * Metrics are declared where they are first used (`inc`, `observe`, `gauge` with a help text); the label
 * names of a counter or histogram are those of its first use, and every later use must give the same ones.
 */
type Labels = Record<string, string>;

export type GaugeSample = { labels?: Labels; value: number };

/** Seconds; Slack's 3 s ack deadline, the 50 ms alert target and a probe's 10 s timeout all fall on a bound. */
export const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 3, 5, 10, 30];

export interface MetricsOptions {
  /** prom-client's process and Node metrics; on unless turned off (a short-lived CLI needs none). */
  defaultMetrics?: boolean;
}

export class Metrics {
  /** This app's registry; `render` is its exposition. */
  readonly registry = new Registry();
  private readonly counters = new Map<string, { counter: Counter; labelNames: string[]; totals: Map<string, number> }>();
  private readonly histograms = new Map<string, { histogram: Histogram; labelNames: string[] }>();
  private readonly gauges = new Map<string, () => Promise<void>>();

  constructor(options: MetricsOptions = {}) {
    if (options.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry });
  }

  /** Adds `by` to a counter (created with `help` on first use). */
  inc(name: string, labels: Labels = {}, by = 1, help = name): void {
    let entry = this.counters.get(name);
    if (!entry) {
      const labelNames = Object.keys(labels).sort();
      entry = { counter: new Counter({ name, help, labelNames, registers: [this.registry] }), labelNames, totals: new Map() };
      this.counters.set(name, entry);
    }
    const known = only(labels, entry.labelNames);
    entry.counter.inc(known, by);
    const key = seriesKey(known);
    entry.totals.set(key, (entry.totals.get(key) ?? 0) + by);
  }

  /** A counter's value for exactly these labels (0 when never counted); prom-client's own `get` is async. */
  get(name: string, labels: Labels = {}): number {
    return this.counters.get(name)?.totals.get(seriesKey(labels)) ?? 0;
  }

  /** Records one observation (seconds, for latencies) in a histogram created with `help` and `buckets` on first use. */
  observe(name: string, labels: Labels, value: number, help = name, buckets: number[] = LATENCY_BUCKETS): void {
    let entry = this.histograms.get(name);
    if (!entry) {
      const labelNames = Object.keys(labels).sort();
      entry = { histogram: new Histogram({ name, help, labelNames, buckets, registers: [this.registry] }), labelNames };
      this.histograms.set(name, entry);
    }
    entry.histogram.observe(only(labels, entry.labelNames), value);
  }

  /**
   * A gauge read when scraped. A read that fails (the database is away) doesn't fail the scrape: the
   * gauge shows NaN (a labelled one, no samples) rather than a made-up 0, the failure is counted in
   * `reconnect_metric_read_failures_total`, and the process and Node metrics are still served.
   */
  gauge(name: string, help: string, read: () => Promise<GaugeSample[]>, labelNames: string[] = []): void {
    this.registry.removeSingleMetric(name);
    // Declared now, at 0, so that the series exists and rate() works from the first failure.
    this.inc(READ_FAILURES, { metric: name }, 0, 'Gauges that could not be read when scraped');
    const gauge = new Gauge({ name, help, labelNames, registers: [this.registry] });
    this.gauges.set(name, async () => {
      let samples: GaugeSample[];
      try {
        samples = await read();
      } catch {
        gauge.reset();
        if (labelNames.length === 0) gauge.set(Number.NaN);
        this.inc(READ_FAILURES, { metric: name });
        return;
      }
      gauge.reset();
      for (const sample of samples) gauge.set(only(sample.labels ?? {}, labelNames), sample.value);
    });
  }

  /** The Prometheus text exposition of every metric of this app; gauges are read first, together. */
  async render(): Promise<string> {
    await Promise.all([...this.gauges.values()].map((refresh) => refresh()));
    return this.registry.metrics();
  }

  /** The content type of `render`'s output. */
  get contentType(): string {
    return this.registry.contentType;
  }
}

const READ_FAILURES = 'reconnect_metric_read_failures_total';

/** The labels a metric was declared with; prom-client refuses any other. */
function only(labels: Labels, names: string[]): Labels {
  const out: Labels = {};
  for (const name of names) if (labels[name] !== undefined) out[name] = labels[name];
  return out;
}

function seriesKey(labels: Labels): string {
  return JSON.stringify(Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)));
}
