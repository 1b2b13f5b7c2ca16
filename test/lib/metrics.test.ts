import { Metrics } from '../../src/lib/metrics';

/** The Metrics facade over prom-client, read through its exposition as a scraper would. */

describe('Metrics', () => {
  it('renders counters, histograms and gauges in the Prometheus text format, with escaped label values', async () => {
    const metrics = new Metrics({ defaultMetrics: false });
    metrics.inc('reconnect_things_total', { kind: 'a' }, 1, 'Things');
    metrics.inc('reconnect_things_total', { kind: 'a' }, 2, 'Things');
    metrics.inc('reconnect_things_total', { kind: 'say "hi"\n' }, 1, 'Things');
    metrics.observe('reconnect_wait_seconds', {}, 0.02, 'Waits', [0.01, 0.1]);
    metrics.gauge('reconnect_queue_depth', 'Queue depth', async () => [{ labels: { queue: 'q1' }, value: 4 }], ['queue']);
    const text = await metrics.render();
    expect(text).toContain('# HELP reconnect_things_total Things\n# TYPE reconnect_things_total counter\n');
    expect(text).toContain('reconnect_things_total{kind="a"} 3\n');
    expect(text).toContain('reconnect_things_total{kind="say \\"hi\\"\\n"} 1\n');
    expect(text).toContain('reconnect_wait_seconds_bucket{le="0.01"} 0\nreconnect_wait_seconds_bucket{le="0.1"} 1\nreconnect_wait_seconds_bucket{le="+Inf"} 1\n');
    expect(text).toContain('reconnect_wait_seconds_count 1\n');
    expect(text).toContain('# TYPE reconnect_queue_depth gauge\nreconnect_queue_depth{queue="q1"} 4\n');
    expect(text).not.toContain('process_resident_memory_bytes');
    expect(metrics.get('reconnect_things_total', { kind: 'a' })).toBe(3);
    expect(metrics.get('reconnect_things_total', { kind: 'b' })).toBe(0);
    expect(metrics.get('reconnect_never_total')).toBe(0);
  });

  it('still serves everything else when a gauge cannot be read, shows NaN rather than 0, and counts the failure', async () => {
    const metrics = new Metrics();
    metrics.gauge('reconnect_healthy_gauge', 'Reads fine', async () => [{ value: 2 }]);
    metrics.gauge('reconnect_outbox_depth', 'Outbox rows waiting to be delivered', async () => {
      throw new Error('database unavailable');
    });
    const text = await metrics.render();
    expect(text).toContain('# TYPE reconnect_outbox_depth gauge');
    // prom-client writes `Nan`; Prometheus parses NaN case-insensitively (Go's strconv.ParseFloat).
    expect(text).toMatch(/^reconnect_outbox_depth nan$/im);
    expect(text).toContain('reconnect_metric_read_failures_total{metric="reconnect_outbox_depth"} 1\n');
    expect(text).toContain('reconnect_metric_read_failures_total{metric="reconnect_healthy_gauge"} 0\n');
    expect(text).toMatch(/^reconnect_healthy_gauge 2$/m);
    expect(text).toMatch(/^process_resident_memory_bytes \d+/m);
  });

  it('gives each instance its own registry, so two apps in one process never collide', async () => {
    const a = new Metrics();
    const b = new Metrics();
    a.inc('reconnect_alerts_posted_total', { provider: 'google_ads' }, 1, 'Alerts posted to Slack');
    b.inc('reconnect_alerts_posted_total', { provider: 'google_ads' }, 5, 'Alerts posted to Slack');
    expect(await a.render()).toContain('reconnect_alerts_posted_total{provider="google_ads"} 1\n');
    expect(await b.render()).toContain('reconnect_alerts_posted_total{provider="google_ads"} 5\n');
    expect(await b.render()).toMatch(/^nodejs_heap_size_used_bytes \d+/m);
  });
});
