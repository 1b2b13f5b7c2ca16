import fs from 'node:fs';
import { cpuTicks, stolenShare } from '../../bench/stats';

describe("the bench's stolen CPU time", () => {
  it('reads /proc/stat: steal is the eighth counter, the total all eight', () => {
    const line = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
    const fields = line.split(/\s+/).slice(1, 9).map(Number);
    const ticks = cpuTicks();
    expect(ticks).not.toBeNull();
    // Counters only grow, so a reading taken after the line holds at least its values.
    expect(ticks!.steal).toBeGreaterThanOrEqual(fields[7]!);
    expect(ticks!.total).toBeGreaterThanOrEqual(fields.reduce((sum, value) => sum + value, 0));
    expect(ticks!.total).toBeGreaterThan(ticks!.steal);
  });

  it('is the steal between two readings over all the time between them', () => {
    expect(stolenShare({ steal: 10, total: 1000 }, { steal: 40, total: 1200 })).toBeCloseTo(0.15);
    expect(stolenShare({ steal: 10, total: 1000 }, { steal: 10, total: 1000 })).toBeNull();
    expect(stolenShare(null, { steal: 40, total: 1200 })).toBeNull();
  });
});
