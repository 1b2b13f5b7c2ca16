import { sqltag as sql } from '@prisma/client/runtime/client';
import type { AuthFlow } from '../generated/postgresql/client';
import type { Prisma, Tx } from './client';
import { pruneInPages } from './prune';

/**
 * Every read and write of the AuthFlow table: the single-use secrets of flows that leave Slack
 * (reauthorize links, OAuth `state`, API-key forms, Slack install state). Only a SHA-256 of each token is
 * stored; spending one is an atomic "used" update, so two requests can never both use it.
 */

type Client = Prisma | Tx;

export type { AuthFlow };

export interface NewAuthFlow {
  tokenHash: string;
  purpose: 'reauth_link' | 'connect_link' | 'oauth_state' | 'api_key_form' | 'connect_pick' | 'slack_install';
  teamId?: string | null;
  userId?: string | null;
  connectionId?: string | null;
  provider?: string | null;
  secretData?: string | null;
  secretKeyId?: string | null;
  expiresAt: Date;
  createdAt: Date;
  language?: string | null;
}

export async function createAuthFlow(db: Client, flow: NewAuthFlow): Promise<void> {
  await db.authFlow.create({ data: flow });
}

export function findAuthFlow(db: Client, tokenHash: string): Promise<AuthFlow | null> {
  return db.authFlow.findUnique({ where: { tokenHash } });
}

/**
 * Marks the flow used if it is still unused (and, with `purpose`, of that purpose and unexpired at `now`).
 * `wipeSecrets` drops its sealed secrets in the same step: the account picker's are a grant, which from
 * then on is either stored with the connection or revoked, and must not linger here.
 */
export async function spendAuthFlow(db: Client, tokenHash: string, now: Date, purpose?: NewAuthFlow['purpose'], options: { wipeSecrets?: boolean } = {}): Promise<boolean> {
  const { count } = await db.authFlow.updateMany({
    where: { tokenHash, usedAt: null, ...(purpose ? { purpose, expiresAt: { gt: now } } : {}) },
    data: { usedAt: now, ...(options.wipeSecrets ? { secretData: null, secretKeyId: null } : {}) },
  });
  return count === 1;
}

/** Flows of this purpose that expired unused with their secrets still sealed in them, a page by token hash. */
export function abandonedFlows(db: Client, purpose: NewAuthFlow['purpose'], now: Date, page: { after: string; take: number }): Promise<AuthFlow[]> {
  return db.authFlow.findMany({
    where: { purpose, usedAt: null, expiresAt: { lte: now }, secretData: { not: null }, tokenHash: { gt: page.after } },
    orderBy: { tokenHash: 'asc' },
    take: page.take,
  });
}

/**
 * Takes an expired, unused flow's secrets out of it: marked used (so no late request can spend it) and
 * wiped, in one step, by one caller only; true for the caller that did.
 */
export async function retireAbandonedFlow(db: Client, tokenHash: string, now: Date): Promise<boolean> {
  const { count } = await db.authFlow.updateMany({
    where: { tokenHash, usedAt: null, expiresAt: { lte: now }, secretData: { not: null } },
    data: { usedAt: now, secretData: null, secretKeyId: null },
  });
  return count === 1;
}

/** Single-use links, OAuth states and forms live ten minutes; used or expired, they are kept a while for support. */
export function pruneAuthFlows(prisma: Prisma, before: Date): Promise<number> {
  return pruneInPages(prisma, 'AuthFlow', 'tokenHash', sql`"expiresAt" < ${before}`);
}
