import { endAbandonedPickers } from '../domain/connect';
import type { FlowDeps } from '../domain/flow-steps';
import type { Logger } from '../lib/logger';
import type { Scheduler } from './scheduler';

/**
 * Every 5 minutes: account pickers (10 minutes to pick) that expired unused give their grant back, so a
 * person who closed the tab doesn't leave a grant behind at the provider (Salesforce keeps 5 per person and
 * app, and each leftover brings the next sign-in closer to ending the oldest) nor tokens in the database.
 */

export interface AbandonedFlowsDeps extends FlowDeps {
  logger: Logger;
}

export async function runAbandonedFlows(deps: AbandonedFlowsDeps): Promise<{ pickersEnded: number }> {
  const pickersEnded = await endAbandonedPickers(deps, (error, row) => deps.logger.error('an abandoned account picker could not be ended', { provider: row.provider, error }));
  return { pickersEnded };
}

export function registerAbandonedFlowsJob(scheduler: Scheduler, deps: AbandonedFlowsDeps): void {
  scheduler.schedule('abandoned-flows', '*/5 * * * *', () => runAbandonedFlows(deps));
}
