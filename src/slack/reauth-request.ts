import type { Prisma } from '../db/client';
import { findIncident } from '../db/incidents';
import { startReauthorization, type ReauthDeps } from '../domain/reauth-start';
import type { T } from './blocks/messages';
import { reauthAnswer } from './blocks/reauthorize';

/**
 * Turns a Reauthorize click into the answer the person sees (the same words as `/reconnect reauth`), in
 * their language; the link remembers it, so the pages behind it speak it too.
 */
export interface ReauthorizeStarter {
  fromIncident(t: T, input: { incidentId: string; teamId: string; userId: string; dedupeKey: string; isAdmin: () => Promise<boolean> }): Promise<string>;
  /** Ahead of an outage (an expiry warning's button): no incident to mark. */
  fromConnection(t: T, input: { connectionId: string; teamId: string; userId: string; dedupeKey: string; isAdmin: () => Promise<boolean> }): Promise<string>;
}

export function reauthorizeStarter(deps: ReauthDeps & { prisma: Prisma }): ReauthorizeStarter {
  return {
    async fromIncident(t, input) {
      const incident = await findIncident(deps.prisma, input.incidentId);
      if (!incident) return t.t('action.incidentGone');
      const result = await startReauthorization(deps, {
        ...input,
        connectionId: incident.connectionId,
        incidentId: incident.state === 'open' ? incident.id : undefined,
        language: t.language,
      });
      return reauthAnswer(t, result, deps.clock.now());
    },
    async fromConnection(t, input) {
      return reauthAnswer(t, await startReauthorization(deps, { ...input, language: t.language }), deps.clock.now());
    },
  };
}
