import type { ChangeOutcome, StatusEngineDeps, StatusChange } from '../../src/domain/status-engine';
import { changeStatus } from '../../src/domain/status-engine';

/** A probe finding the connection's token revoked, now: the status change most tests start from. */
export function dropNow(engine: StatusEngineDeps, connectionId: string, extra: Partial<StatusChange> = {}): Promise<ChangeOutcome> {
  return changeStatus(engine, { connectionId, status: 'authorization_required', reason: 'token_revoked', actor: { type: 'probe' }, occurredAt: new Date(), ...extra });
}
