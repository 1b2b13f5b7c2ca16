import type { Prisma } from '../db/client';
import { findIncident } from '../db/incidents';
import { startReauthorization, type ReauthDeps } from '../domain/reauth-start';
import { reauthAnswer } from './blocks/reauthorize';

/** Turns a Reauthorize click into the answer the person sees (the same words as `/reconnect reauth`). */
export interface ReauthorizeStarter {
  fromIncident(input: { incidentId: string; teamId: string; userId: string; dedupeKey: string; isAdmin: () => Promise<boolean> }): Promise<string>;
  /** Ahead of an outage (an expiry warning's button): no incident to mark. */
  fromConnection(input: { connectionId: string; teamId: string; userId: string; dedupeKey: string; isAdmin: () => Promise<boolean> }): Promise<string>;
}

export function reauthorizeStarter(deps: ReauthDeps & { prisma: Prisma }): ReauthorizeStarter {
  return {
    async fromIncident(input) {
      const incident = await findIncident(deps.prisma, input.incidentId);
      if (!incident) return 'That incident no longer exists.';
      const result = await startReauthorization(deps, { ...input, connectionId: incident.connectionId, incidentId: incident.state === 'open' ? incident.id : undefined });
      return reauthAnswer(result, deps.clock.now());
    },
    async fromConnection(input) {
      return reauthAnswer(await startReauthorization(deps, input), deps.clock.now());
    },
  };
}
