import type { LogLevel } from '../config';

/**
 * Structured JSON logs, one object per line. Values of known secrets and of keys that name secrets are
 * replaced before anything is written, so a token can't reach the log even by accident.
 */

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
const SECRET_KEY = /token|secret|password|authorization|api[-_]?key|verifier|cookie|^code$|ciphertext|client_assertion/i;
const REDACTED = '[redacted]';
/** Slack, OAuth and API-key shapes that must never be logged even when nobody registered them. */
const SECRET_SHAPES = /\b(xox[abposr]-[A-Za-z0-9-]{6,}|xapp-[A-Za-z0-9-]{6,})\b/g;

export class SecretRegistry {
  private readonly values = new Set<string>();

  add(...secrets: (string | undefined | null)[]): void {
    for (const secret of secrets) if (secret && secret.length >= 6) this.values.add(secret);
  }

  scrub(text: string): string {
    let out = text.replace(SECRET_SHAPES, REDACTED);
    for (const secret of this.values) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
    return out;
  }
}

export type LogSink = (line: string) => void;

export function createLogger(options: {
  level: LogLevel;
  secrets?: SecretRegistry;
  sink?: LogSink;
  base?: Record<string, unknown>;
}): Logger {
  const secrets = options.secrets ?? new SecretRegistry();
  const sink = options.sink ?? ((line: string) => process.stdout.write(line + '\n'));
  const threshold = ORDER[options.level];

  const make = (base: Record<string, unknown>): Logger => {
    const write = (level: LogLevel, message: string, fields?: Record<string, unknown>) => {
      if (ORDER[level] < threshold) return;
      const record = { time: new Date().toISOString(), level, msg: message, ...base, ...sanitize(fields ?? {}) };
      sink(secrets.scrub(JSON.stringify(record)));
    };
    return {
      debug: (m, f) => write('debug', m, f),
      info: (m, f) => write('info', m, f),
      warn: (m, f) => write('warn', m, f),
      error: (m, f) => write('error', m, f),
      child: (fields) => make({ ...base, ...sanitize(fields) }),
    };
  };
  return make(options.base ?? {});
}

function sanitize(value: Record<string, unknown>, depth = 0): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) {
    out[key] = SECRET_KEY.test(key) && field != null ? REDACTED : sanitizeValue(field, depth);
  }
  return out;
}

function sanitizeValue(value: unknown, depth: number): unknown {
  if (value instanceof Error) {
    return { name: value.name, message: value.message, code: (value as { code?: unknown }).code };
  }
  if (depth > 4) return '[deep]';
  if (Array.isArray(value)) return value.map((item) => sanitizeValue(item, depth + 1));
  if (value && typeof value === 'object') return sanitize(value as Record<string, unknown>, depth + 1);
  return value;
}
