import fs from 'node:fs';
import { Prisma as SqlitePrisma } from '../../src/generated/sqlite/client';
import { Prisma as PostgresPrisma } from '../../src/generated/postgresql/client';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../support/databases';
import type { DatabaseKind } from '../../src/db/database-url';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { composeSchema, schemaPath } = require('../../scripts/prisma-generate.js');

interface TableShape {
  columns: string[];
  indexes: string[];
}

async function introspect(db: TestDatabase): Promise<Record<string, TableShape>> {
  const shape: Record<string, TableShape> = {};
  if (db.kind === 'sqlite') {
    const tables = await db.prisma.$queryRawUnsafe<{ name: string }[]>(
      `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '\\_%' ESCAPE '\\'`,
    );
    for (const { name } of tables) {
      const columns = await db.prisma.$queryRawUnsafe<{ name: string; notnull: number | bigint }[]>(`PRAGMA table_info("${name}")`);
      const indexes = await db.prisma.$queryRawUnsafe<{ name: string }[]>(`PRAGMA index_list("${name}")`);
      shape[name] = {
        columns: columns.map((c) => `${c.name}${Number(c.notnull) ? '' : '?'}`).sort(),
        indexes: indexes.map((i) => i.name).filter((n) => !n.startsWith('sqlite_autoindex')).sort(),
      };
    }
  } else {
    const schema = db.target.kind === 'postgresql' ? db.target.schema : 'public';
    const columns = await db.prisma.$queryRawUnsafe<{ table_name: string; column_name: string; is_nullable: string }[]>(
      `SELECT table_name::text AS table_name, column_name::text AS column_name, is_nullable::text AS is_nullable FROM information_schema.columns WHERE table_schema = $1 AND table_name NOT LIKE '\\_%'`,
      schema,
    );
    const indexes = await db.prisma.$queryRawUnsafe<{ tablename: string; indexname: string }[]>(
      `SELECT tablename::text AS tablename, indexname::text AS indexname FROM pg_indexes WHERE schemaname = $1 AND indexname NOT LIKE '%_pkey' AND tablename NOT LIKE '\\_%'`,
      schema,
    );
    for (const c of columns) {
      shape[c.table_name] ??= { columns: [], indexes: [] };
      shape[c.table_name]!.columns.push(`${c.column_name}${c.is_nullable === 'YES' ? '?' : ''}`);
    }
    for (const i of indexes) shape[i.tablename]!.indexes.push(i.indexname);
    for (const table of Object.values(shape)) {
      table.columns.sort();
      table.indexes.sort();
    }
  }
  return shape;
}

describe('database schema: one source of truth for SQLite and PostgreSQL', () => {
  it.each(['sqlite', 'postgresql'])('prisma/%s/schema.prisma is generated from prisma/models.prisma', (database) => {
    expect(fs.readFileSync(schemaPath(database), 'utf8')).toBe(composeSchema(database));
  });

  it('both generated clients have the same models and fields', () => {
    expect(Object.keys(SqlitePrisma.ModelName).sort()).toEqual(Object.keys(PostgresPrisma.ModelName).sort());
    for (const model of Object.keys(PostgresPrisma.ModelName)) {
      const key = `${model}ScalarFieldEnum` as keyof typeof PostgresPrisma;
      expect(Object.keys(SqlitePrisma[key as keyof typeof SqlitePrisma] as object).sort()).toEqual(
        Object.keys(PostgresPrisma[key] as object).sort(),
      );
    }
  });

  const runnable = databaseKinds().filter((d) => !d.skip);
  (runnable.length === 2 ? it : it.skip)('migrations build the same tables, columns, nullability and indexes on both', async () => {
    const shapes: Partial<Record<DatabaseKind, Record<string, TableShape>>> = {};
    for (const { kind } of runnable) {
      const db = await createTestDatabase(kind);
      try {
        shapes[kind] = await introspect(db);
      } finally {
        await db.close();
      }
    }
    expect(shapes.sqlite).toEqual(shapes.postgresql);

    // The migrations also match the models: every model is a table with exactly its scalar fields.
    const expected = Object.fromEntries(
      Object.keys(PostgresPrisma.ModelName).map((model) => [
        model,
        Object.keys(PostgresPrisma[`${model}ScalarFieldEnum` as keyof typeof PostgresPrisma] as object).sort(),
      ]),
    );
    const actual = Object.fromEntries(
      Object.entries(shapes.sqlite!).map(([table, shape]) => [table, shape.columns.map((c) => c.replace(/\?$/, ''))]),
    );
    expect(actual).toEqual(expected);

    const models = fs.readFileSync(require.resolve('../../prisma/models.prisma'), 'utf8');
    const declaredIndexes = (models.match(/@@index|@@unique|@unique/g) ?? []).length;
    const builtIndexes = Object.values(shapes.sqlite!).reduce((sum, shape) => sum + shape.indexes.length, 0);
    expect(builtIndexes).toBe(declaredIndexes);
  });
});
