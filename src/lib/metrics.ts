/**
 * Prometheus text exposition without a dependency: counters with labels, and gauges read when scraped.
 */
type Labels = Record<string, string>;

interface Counter {
  help: string;
  values: Map<string, number>;
}

export class Metrics {
  private readonly counters = new Map<string, Counter>();
  private readonly gauges = new Map<string, { help: string; read: () => Promise<Array<{ labels?: Labels; value: number }>> }>();

  inc(name: string, labels: Labels = {}, by = 1, help = name): void {
    let counter = this.counters.get(name);
    if (!counter) {
      counter = { help, values: new Map() };
      this.counters.set(name, counter);
    }
    const key = labelText(labels);
    counter.values.set(key, (counter.values.get(key) ?? 0) + by);
  }

  get(name: string, labels: Labels = {}): number {
    return this.counters.get(name)?.values.get(labelText(labels)) ?? 0;
  }

  gauge(name: string, help: string, read: () => Promise<Array<{ labels?: Labels; value: number }>>): void {
    this.gauges.set(name, { help, read });
  }

  async render(): Promise<string> {
    const lines: string[] = [];
    for (const [name, counter] of this.counters) {
      lines.push(`# HELP ${name} ${counter.help}`, `# TYPE ${name} counter`);
      for (const [labels, value] of counter.values) lines.push(`${name}${labels} ${value}`);
    }
    for (const [name, gauge] of this.gauges) {
      lines.push(`# HELP ${name} ${gauge.help}`, `# TYPE ${name} gauge`);
      for (const sample of await gauge.read()) lines.push(`${name}${labelText(sample.labels ?? {})} ${sample.value}`);
    }
    return lines.join('\n') + '\n';
  }
}

function labelText(labels: Labels): string {
  const entries = Object.entries(labels).sort(([a], [b]) => a.localeCompare(b));
  if (entries.length === 0) return '';
  return `{${entries.map(([key, value]) => `${key}="${value.replace(/["\\\n]/g, '_')}"`).join(',')}}`;
}
