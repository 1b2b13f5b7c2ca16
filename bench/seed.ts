import { fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { openDatabase } from '../src/db/client';
import type { Prisma } from '../src/db/client';
import { saveSecrets, type Secrets } from '../src/db/credentials';
import { KeyRing } from '../src/lib/key-ring';
import { BENCH_TEAM } from './fakes';

/**
 * Writes the probe sweeps' connections from a process of its own. Connections to sweep were written
 * long before the sweep in any real deployment; written by the app's process, the memory Prisma's query
 * compiler keeps after building those inserts would count as the sweep's.
 */

export interface SeedRequest {
  databaseUrl: string;
  /** ENCRYPTION_KEYS of the app that will read the credentials. */
  encryptionKeys: string;
  connections: number;
  /** Makes the account ids unique per seeding. */
  tag: string;
}

const CHUNK = 500;

/** Resolves once `connections` OAuth connections, due a minute ago and each with a refresh token, are stored. */
export function seedProbeConnections(request: SeedRequest): Promise<void> {
  // The request goes over IPC rather than argv: it holds the encryption key.
  const child = fork(__filename, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  child.send(request);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`seeding the sweep's connections failed (exit ${code})`))));
  });
}

if (require.main === module) {
  process.once('message', (request: SeedRequest) =>
    seed(request).then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`seeding failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
        process.exit(1);
      },
    ),
  );
}

async function seed(request: SeedRequest): Promise<void> {
  const db = await openDatabase(request.databaseUrl, { migrate: false, poolSize: 2 });
  const keyRing = new KeyRing(
    request.encryptionKeys.split(',').map((entry) => {
      const [id, key] = entry.split(':') as [string, string];
      return { id, key: Buffer.from(key, 'base64') };
    }),
  );
  const due = new Date(Date.now() - 60_000);
  try {
    for (let start = 0; start < request.connections; start += CHUNK) {
      const connections = Array.from({ length: Math.min(CHUNK, request.connections - start) }, (_, offset) => ({
        id: randomUUID(),
        teamId: BENCH_TEAM.id,
        provider: 'generic_oauth2',
        kind: 'integration',
        name: `Warehouse ${request.tag} ${start + offset}`,
        externalAccountId: `acct_bench_${request.tag}_${start + offset}`,
        channelId: 'C0PROBE0001',
        nextProbeAt: due,
      }));
      await db.prisma.connection.createMany({ data: connections });
      const expiresAt = new Date(Date.now() + 3_600_000).toISOString();
      const credentials = await Promise.all(
        connections.map((connection) => sealedCredential(keyRing, connection, { accessToken: `at_seed_${connection.id}`, refreshToken: `rt_seed_${connection.id}`, expiresAt })),
      );
      await db.prisma.credential.createMany({ data: credentials });
    }
  } finally {
    await db.close();
  }
}

interface CredentialRow {
  connectionId: string;
  keyId: string;
  ciphertext: string;
  accessTokenExpiresAt: Date | null;
}

/**
 * saveSecrets seals with the row's own additional data (connection id and provider); recording the row it
 * would upsert lets thousands go in through createMany with exactly the stored format.
 */
async function sealedCredential(keyRing: KeyRing, connection: { id: string; provider: string }, secrets: Secrets): Promise<CredentialRow> {
  let row: CredentialRow | undefined;
  const recorder = { credential: { upsert: async ({ create }: { create: CredentialRow }) => void (row = create) } };
  await saveSecrets(recorder as unknown as Prisma, keyRing, connection, secrets);
  if (!row) throw new Error('saveSecrets wrote no credential');
  return row;
}
