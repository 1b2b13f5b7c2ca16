import { runProbeSweep, type ProbeDeps } from '../domain/probe';
import type { Scheduler } from './scheduler';

/**
 * The probe sweep fires every minute and probes only the connections whose next probe is due, so each
 * connection keeps its own interval and backoff while replicas share one schedule.
 */
const EVERY_MINUTE = '* * * * *';

export function registerProbeSweep(scheduler: Scheduler, deps: ProbeDeps): void {
  // PROBE_INTERVAL_MINUTES=0 turns scheduled probing off; `/reconnect check` still probes on demand.
  if (deps.settings.intervalMinutes <= 0) return;
  scheduler.schedule('probe-sweep', EVERY_MINUTE, () => runProbeSweep(deps));
}
