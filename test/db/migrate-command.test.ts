import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { openDatabase } from '../../src/db/client';
import { databaseKinds, dropDatabase, freshDatabaseUrl } from '../support/databases';

/** `npm run db:migrate`, as the README tells operators to run it, on a fresh database of each kind. */

const root = path.join(__dirname, '..', '..');

function dbMigrate(databaseUrl: string) {
  const run = spawnSync('npm', ['run', '--silent', 'db:migrate'], {
    cwd: root,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', NODE_ENV: 'test', DATABASE_URL: databaseUrl },
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe('npm run db:migrate', () => {
  for (const { kind, skip } of databaseKinds()) {
    (skip ? it.skip : it)(`applies every migration to a fresh ${kind} database, then has nothing to apply`, async () => {
      const url = freshDatabaseUrl(kind);
      try {
        const first = dbMigrate(url);
        expect(first.stderr).toBe('');
        expect(first.status).toBe(0);
        // Every folder under prisma/<kind>/migrations, in order: the command applies all there are.
        const names = readdirSync(path.join(__dirname, '..', '..', 'prisma', kind, 'migrations'), { withFileTypes: true })
          .filter((entry) => entry.isDirectory())
          .map((entry) => entry.name)
          .sort();
        expect(names.length).toBeGreaterThanOrEqual(5);
        expect(first.stdout.endsWith(`: applied ${names.join(', ')} (0 already applied)\n`)).toBe(true);
        const again = dbMigrate(url);
        expect(again.stdout.endsWith(`: nothing to apply (${names.length} already applied)\n`)).toBe(true);

        const db = await openDatabase(url, { migrate: false });
        try {
          expect(await db.prisma.outboxMessage.count()).toBe(0);
          expect(await db.prisma.channelPace.count()).toBe(0);
        } finally {
          await db.close();
        }
      } finally {
        await dropDatabase(url);
      }
    }, 180_000);
  }

  it('refuses a DATABASE_URL it cannot use, with one line', () => {
    const run = dbMigrate('mysql://nope');
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/^Migration failed: Invalid configuration:\n {2}- DATABASE_URL: /);
  }, 180_000);
});
