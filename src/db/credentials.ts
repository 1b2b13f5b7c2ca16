import { randomUUID } from 'node:crypto';
import type { KeyRing, Sealed } from '../lib/key-ring';
import type { Prisma, Tx } from './client';
import { driverOf, placeholders, type SqlValue } from './driver';

/**
 * The only module that reads or writes secrets of a connection. Values are sealed with the connection
 * id and provider as additional data, so a ciphertext copied to another row does not decrypt.
 */

export interface Secrets {
  accessToken?: string;
  refreshToken?: string;
  /** ISO 8601 */
  expiresAt?: string;
  apiKey?: string;
  /** Account details entered in a form (a database's host, user, password…). */
  fields?: Record<string, string>;
}

/** What is known about a credential besides its secrets; kept in plain columns so it can be queried. */
export interface CredentialFacts {
  /** The provider's id of the person who consented. */
  signedInAs?: string;
  hardExpiry?: { at: Date; kind: string };
}

export interface StoredSecrets {
  secrets: Secrets;
  version: number;
  /** The last refresh by the credentials API. */
  refreshedAt: Date | null;
}

type Client = Prisma | Tx;

const aad = (connectionId: string, provider: string) => `credential|${connectionId}|${provider}`;

/** Additional data for a Slack installation's sealed tokens (src/slack/installation-store.ts). */
export const installationAad = (teamId: string) => `installation|${teamId}`;

export async function saveSecrets(
  db: Client,
  keyRing: KeyRing,
  connection: { id: string; provider: string },
  secrets: Secrets,
  facts: CredentialFacts = {},
): Promise<void> {
  const sealed = keyRing.sealJson(secrets, aad(connection.id, connection.provider));
  // A new grant: what was known about the old one no longer holds.
  const columns = {
    keyId: sealed.keyId,
    ciphertext: sealed.ciphertext,
    accessTokenExpiresAt: secrets.expiresAt ? new Date(secrets.expiresAt) : null,
    signedInAs: facts.signedInAs ?? null,
    hardExpiresAt: facts.hardExpiry?.at ?? null,
    hardExpiryKind: facts.hardExpiry?.kind ?? null,
  };
  await db.credential.upsert({
    where: { connectionId: connection.id },
    create: { connectionId: connection.id, ...columns },
    update: { ...columns, version: { increment: 1 } },
  });
}

/**
 * Live connections whose credentials this person granted: a provider whose revocation ends the whole
 * grant (Google) would cut them all off.
 */
/** The live connections whose credentials this person granted, oldest grant first. */
export async function connectionsGrantedBy(db: Client, provider: string, signedInAs: string): Promise<{ id: string; name: string }[]> {
  const rows = await db.credential.findMany({
    where: { signedInAs, connection: { provider, status: { not: 'disabled' } } },
    orderBy: { updatedAt: 'asc' },
    select: { connection: { select: { id: true, name: true } } },
  });
  return rows.map((row) => row.connection);
}

export async function countGrantsBy(db: Client, provider: string, signedInAs: string): Promise<number> {
  return db.credential.count({ where: { signedInAs, connection: { provider, status: { not: 'disabled' } } } });
}

export async function credentialFacts(db: Client, connectionId: string): Promise<{ signedInAs: string | null; hardExpiresAt: Date | null; hardExpiryKind: string | null } | null> {
  return db.credential.findUnique({ where: { connectionId }, select: { signedInAs: true, hardExpiresAt: true, hardExpiryKind: true } });
}

/**
 * Refresh-token rotation: store the newest tokens only if nobody else refreshed since `version` was
 * read, so two replicas refreshing at once can't overwrite a newer refresh token with an older one.
 * One statement through the driver (src/db/driver.ts): a probe sweep runs it once per connection. With
 * `releasing`, the same statement gives back the refresh lock if that take still holds it (see
 * takeRefreshLock).
 */
export async function replaceSecretsIfVersion(
  prisma: Prisma,
  keyRing: KeyRing,
  connection: { id: string; provider: string },
  version: number,
  secrets: Secrets,
  /** For a refresh: when the credentials API did it, and a hard expiry it restated (LinkedIn's remaining lifetime, Microsoft's idle window). */
  refreshed?: { at?: Date; hardExpiry?: { at: Date; kind: string } },
  releasing?: string,
): Promise<boolean> {
  const sealed = keyRing.sealJson(secrets, aad(connection.id, connection.provider));
  const params: SqlValue[] = [sealed.keyId, sealed.ciphertext, secrets.expiresAt ? new Date(secrets.expiresAt) : null, version + 1, new Date(), connection.id, version];
  if (refreshed?.at) params.push(refreshed.at);
  if (refreshed?.hardExpiry) params.push(refreshed.hardExpiry.at, refreshed.hardExpiry.kind);
  if (releasing) params.push(releasing);
  const sql = storeStatement(Boolean(refreshed?.at), Boolean(refreshed?.hardExpiry), Boolean(releasing));
  return (await driverOf(prisma).execute(sql, params)) === 1;
}

const storeStatements = new Map<string, string>();

/** The store's SQL for what it sets besides the secrets, built once per shape (the parameters follow the same order). */
function storeStatement(refreshedAt: boolean, hardExpiry: boolean, releasing: boolean): string {
  const shape = `${refreshedAt}|${hardExpiry}|${releasing}`;
  let sql = storeStatements.get(shape);
  if (!sql) {
    const changes = ['"keyId" = $1', '"ciphertext" = $2', '"accessTokenExpiresAt" = $3', '"version" = $4', '"updatedAt" = $5'];
    let next = 8;
    if (refreshedAt) changes.push(`"refreshedAt" = $${next++}`);
    if (hardExpiry) changes.push(`"hardExpiresAt" = $${next++}`, `"hardExpiryKind" = $${next++}`);
    if (releasing) {
      // SET reads the row as it was: the lock is cleared only where this take still holds it.
      const held = `"refreshLockOwner" = $${next}`;
      changes.push(`"refreshLockUntil" = CASE WHEN ${held} THEN NULL ELSE "refreshLockUntil" END`, `"refreshLockOwner" = CASE WHEN ${held} THEN NULL ELSE "refreshLockOwner" END`);
    }
    sql = `UPDATE "Credential" SET ${changes.join(', ')} WHERE "connectionId" = $6 AND "version" = $7`;
    storeStatements.set(shape, sql);
  }
  return sql;
}

/** A lock take: the token that proves it, and the credential as it was when the lock was taken. */
export interface RefreshLock {
  owner: string;
  credential: SealedCredential;
}

/**
 * Takes the right to refresh this credential until `until`, across replicas, and returns the token that
 * proves it with the credential as it now is, or null while another holds it. Rotating providers
 * (Salesforce, Microsoft) must never see one refresh token twice. A holder that ran past `until` (a
 * crashed replica, a provider that answers slowly) can be taken over; the token keeps it from releasing
 * its successor's lock and tells it that it lost its own. Taking and reading are one statement through
 * the driver, as this runs once per probe.
 */
export async function takeRefreshLock(prisma: Prisma, connectionId: string, now: Date, until: Date): Promise<RefreshLock | null> {
  const owner = randomUUID();
  // Relaxed: a lock a database crash loses is a free lock, which is what the crash left anyway.
  const [row] = await driverOf(prisma).relaxed.query<SealedCredential>(
    `UPDATE "Credential" SET "refreshLockUntil" = $1, "refreshLockOwner" = $2
     WHERE "connectionId" = $3 AND ("refreshLockUntil" IS NULL OR "refreshLockUntil" < $4)
     RETURNING "connectionId", "keyId", "ciphertext", "version", "refreshedAt"`,
    [until, owner, connectionId, now],
  );
  return row ? { owner, credential: row } : null;
}

/** Whether `owner` still holds the lock: nobody took it over, though its time may have run out. */
export async function holdsRefreshLock(db: Client, connectionId: string, owner: string): Promise<boolean> {
  return (await db.credential.count({ where: { connectionId, refreshLockOwner: owner } })) === 1;
}

export async function releaseRefreshLock(prisma: Prisma, connectionId: string, owner: string): Promise<void> {
  await driverOf(prisma).relaxed.execute(`UPDATE "Credential" SET "refreshLockUntil" = NULL, "refreshLockOwner" = NULL WHERE "connectionId" = $1 AND "refreshLockOwner" = $2`, [connectionId, owner]);
}

export async function loadSecrets(
  db: Client,
  keyRing: KeyRing,
  connection: { id: string; provider: string },
): Promise<StoredSecrets | null> {
  const row = await db.credential.findUnique({ where: { connectionId: connection.id }, select: sealedColumns });
  return row && openCredential(keyRing, connection, row);
}

/** A credential as stored, still sealed: read in bulk, opened one at a time where it is used. */
export interface SealedCredential {
  connectionId: string;
  keyId: string;
  ciphertext: string;
  version: number;
  refreshedAt: Date | null;
}

const sealedColumns = { connectionId: true, keyId: true, ciphertext: true, version: true, refreshedAt: true } as const;

/** One query for a page of connections (the probe sweep), instead of one per connection; through the driver. */
export async function findSealedCredentials(prisma: Prisma, connectionIds: string[]): Promise<Map<string, SealedCredential>> {
  const rows = await driverOf(prisma).query<SealedCredential>(
    `SELECT "connectionId", "keyId", "ciphertext", "version", "refreshedAt" FROM "Credential" WHERE "connectionId" IN (${placeholders(1, connectionIds.length)})`,
    connectionIds,
  );
  return new Map(rows.map((row) => [row.connectionId, row]));
}

export function openCredential(keyRing: KeyRing, connection: { id: string; provider: string }, row: SealedCredential): StoredSecrets {
  const sealed: Sealed = { keyId: row.keyId, ciphertext: row.ciphertext };
  return { secrets: keyRing.openJson<Secrets>(sealed, aad(connection.id, connection.provider)), version: row.version, refreshedAt: row.refreshedAt };
}

/**
 * Start-up check: every key id in use must be configured and must really decrypt (one value per key
 * id), so a wrong ENCRYPTION_KEYS stops the app before it does any partial work (Nango does the same).
 */
export async function assertSecretsReadable(db: Prisma, keyRing: KeyRing): Promise<void> {
  const samples = await db.credential.findMany({
    distinct: ['keyId'],
    select: { connectionId: true, keyId: true, ciphertext: true, connection: { select: { provider: true } } },
  });
  for (const sample of samples) {
    keyRing.open({ keyId: sample.keyId, ciphertext: sample.ciphertext }, aad(sample.connectionId, sample.connection.provider));
  }
  const installations = await db.installation.findMany({
    where: { secretData: { not: '' } },
    distinct: ['secretKeyId'],
    select: { teamId: true, secretKeyId: true, secretData: true },
  });
  for (const installation of installations) {
    keyRing.open({ keyId: installation.secretKeyId, ciphertext: installation.secretData }, installationAad(installation.teamId));
  }
}

/** Moves every credential sealed with an older key to the current key; safe to run while the app runs. */
export async function reencryptSecrets(db: Prisma, keyRing: KeyRing, batchSize = 200): Promise<number> {
  let moved = 0;
  for (;;) {
    const rows = await db.credential.findMany({
      where: { keyId: { not: keyRing.currentKeyId } },
      take: batchSize,
      include: { connection: { select: { provider: true } } },
    });
    if (rows.length === 0) return moved;
    for (const row of rows) {
      const connection = { id: row.connectionId, provider: row.connection.provider };
      const secrets = keyRing.openJson<Secrets>({ keyId: row.keyId, ciphertext: row.ciphertext }, aad(row.connectionId, row.connection.provider));
      if (await replaceSecretsIfVersion(db, keyRing, connection, row.version, secrets)) moved += 1;
    }
  }
}
