import { runProbeSweep, type ProbeDeps } from '../domain/probe';
import type { Scheduler } from './scheduler';

/**
 * The probe sweep fires every minute and probes only the connections whose next probe is due, so each
 * connection keeps its own interval and backoff. It fires on every replica: the sweeps claim the due
 * connections between them in the database, so more replicas probe more connections per second.
 */
const EVERY_MINUTE = '* * * * *';

export function registerProbeSweep(scheduler: Scheduler, deps: ProbeDeps): void {
  // PROBE_INTERVAL_MINUTES=0 turns scheduled probing off; `/reconnect check` still probes on demand.
  if (deps.settings.intervalMinutes <= 0) return;
  scheduler.schedule('probe-sweep', EVERY_MINUTE, () => runProbeSweep(deps), { everyReplica: true });
}
