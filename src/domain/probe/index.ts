import { findConnection, type Connection } from '../../db/connections';
import { requireConnection } from '../connections';
import { explain, probeAndRecord } from './record';
import type { ProbeDeps, ProbeOutcome } from './types';

/**
 * The probe, in three steps: `check` asks the provider, `record` writes what it found (and changes the
 * status when it must), `sweep` runs both for every due connection. This module is its entry point.
 */

export { runProbeSweep } from './sweep';
export type { ProbeDeps, ProbeOutcome, ProbeResult, ProbeSettings, SweepCounts, SweepOptions } from './types';

/** Probes one connection now, records the result and returns the connection as it is afterwards. */
async function probeConnection(deps: ProbeDeps, connection: Connection): Promise<ProbeOutcome> {
  const verdict = await probeAndRecord(deps, connection);
  const after = (await findConnection(deps.prisma, connection.id)) ?? connection;
  return { result: verdict.result, ...explain(verdict), connection: after };
}

/** For `/reconnect check`: probes the connection whether or not it is due. */
export async function checkNow(deps: ProbeDeps, connectionId: string): Promise<ProbeOutcome> {
  return probeConnection(deps, await requireConnection(deps.prisma, connectionId));
}
