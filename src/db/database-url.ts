import path from 'node:path';

export type DatabaseKind = 'sqlite' | 'postgresql';

export interface SqliteTarget {
  kind: 'sqlite';
  /** Absolute file path, or ':memory:'. */
  file: string;
}

export interface PostgresTarget {
  kind: 'postgresql';
  connectionString: string;
  /** Schema named by `?schema=` (Prisma's convention), default `public`. */
  schema: string;
}

export type DatabaseTarget = SqliteTarget | PostgresTarget;

/** `file:` means SQLite (relative paths from the working directory), `postgres(ql)://` means Postgres. */
export function parseDatabaseUrl(url: string): DatabaseTarget {
  if (url.startsWith('file:')) {
    const rest = url.slice('file:'.length).split('?')[0] ?? '';
    if (rest === ':memory:') return { kind: 'sqlite', file: ':memory:' };
    return { kind: 'sqlite', file: path.resolve(rest.replace(/^\/\/(?=\/)/, '')) };
  }
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) {
    const parsed = new URL(url);
    const schema = parsed.searchParams.get('schema') ?? 'public';
    if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(schema)) throw new Error('DATABASE_URL: schema must be a plain identifier');
    parsed.searchParams.delete('schema');
    return { kind: 'postgresql', connectionString: parsed.toString(), schema };
  }
  throw new Error('DATABASE_URL: expected file:<path> (SQLite) or postgres://... (PostgreSQL)');
}

/** The URL with its password hidden, for logs and errors. */
export function describeDatabase(target: DatabaseTarget): string {
  if (target.kind === 'sqlite') return `SQLite ${target.file}`;
  const url = new URL(target.connectionString);
  if (url.password) url.password = '***';
  return `PostgreSQL ${url.host}${url.pathname} (schema ${target.schema})`;
}
