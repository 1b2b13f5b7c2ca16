// Prisma CLI configuration for the SQLite schema: the JS (WebAssembly) engine needs no downloaded
// binary, which offline and locked-down machines can't fetch.
import path from 'node:path';
import { defineConfig } from 'prisma/config';
import { PrismaBetterSQLite3 } from '@prisma/adapter-better-sqlite3';

export default defineConfig({
  experimental: { adapter: true },
  engine: 'js',
  schema: path.join(__dirname, 'sqlite', 'schema.prisma'),
  migrations: { path: path.join(__dirname, 'sqlite', 'migrations') },
  async adapter() {
    return new PrismaBetterSQLite3({ url: process.env.DATABASE_URL ?? ':memory:' });
  },
});
