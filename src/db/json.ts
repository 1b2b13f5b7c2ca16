/** JSON columns are Strings on both databases (prisma/models.prisma); these read them defensively. */
export function parseJson<T>(text: string | null | undefined, fallback: T): T {
  if (!text) return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

/** P2002 from a model query; a raw statement's driver error says UniqueConstraintViolation (both databases). */
export function isUniqueViolation(error: unknown): boolean {
  const known = error as { code?: string; meta?: { driverAdapterError?: { cause?: { kind?: string } } } } | null;
  return known?.code === 'P2002' || known?.meta?.driverAdapterError?.cause?.kind === 'UniqueConstraintViolation';
}
