import pino, { type Logger as PinoLogger } from 'pino';
import type { LogLevel } from '../config';

/**
 * Structured JSON logs, one object per line on stdout: `{"level":"info","time":"<ISO 8601>",...,"msg":"..."}`.
 *
 * Written by pino (levels, child bindings serialized once, error serializers, one synchronous write per
 * line) rather than by hand. Two layers keep secrets out:
 * - fields whose name looks secret (SECRET_KEY, at any depth, in child bindings too) are replaced
 *   before pino serializes them, in its `formatters`;
 * - every finished line then goes through the SecretRegistry, which replaces the values of configured
 *   secrets and anything shaped like a Slack token, whatever field or message they hide in.
 * Errors are written as name, message and code only (no stack, no enumerable extras such as a request).
 *
 * Why not pino's `redact` paths: they name exact keys at fixed depths, so `newRefreshToken`, or a token
 * deeper than the paths go, would get through; and every wildcard level costs about 20 µs a line.
 * `npm run bench:logging` (100,000 lines of a probe failure with four fields and an error, through a child
 * logger, into a no-op sink; Node 20, @pinojs/redact 0.4), two runs: pino without redaction 1.7–1.9 µs a
 * line; 31 secret names as top-level paths 1.9–2.0; the same also at `*.` 20, down to `*.*.` 44–46, to
 * `*.*.*.` 73–75; this logger (pino + the key regex at any depth + the line scrub) 2.3–2.5. The
 * hand-written logger it replaces measured 2.2–2.3 µs a line against this one's 2.1–2.6 in the same
 * harness (five runs each), and a line under LOG_LEVEL is ~0.01 µs now against ~0.03. So: pino for
 * writing, our key rule for redaction.
 */

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

const REDACTED = '[redacted]';
/** Slack, OAuth and API-key shapes that must never be logged even when nobody registered them. */
const SECRET_SHAPES = /\b(xox[abposr]-[A-Za-z0-9-]{6,}|xapp-[A-Za-z0-9-]{6,})\b/g;

const SECRET_KEY = /token|secret|password|authorization|api[-_]?key|verifier|cookie|^code$|ciphertext|client_assertion/i;
/** Deeper than any field we log; past it a value is written as `[deep]` rather than walked. */
const MAX_DEPTH = 4;

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

/** Receives each line without its newline; the default writes it to stdout. */
export type LogSink = (line: string) => void;

export function createLogger(options: {
  level: LogLevel;
  secrets?: SecretRegistry;
  sink?: LogSink;
  base?: Record<string, unknown>;
}): Logger {
  const secrets = options.secrets ?? new SecretRegistry();
  const sink = options.sink ?? ((line: string) => process.stdout.write(line + '\n'));
  const destination = {
    // pino hands over each line whole, newline-terminated, synchronously.
    write: (chunk: string) => sink(secrets.scrub(chunk.endsWith('\n') ? chunk.slice(0, -1) : chunk)),
  };
  const root = pino(
    {
      level: options.level,
      base: options.base ?? null,
      timestamp: pino.stdTimeFunctions.isoTime,
      // pino applies `bindings` to the root's base only, so `wrap` sanitizes each child's bindings itself.
      formatters: { level: (label) => ({ level: label }), bindings: sanitize, log: sanitize },
    },
    destination,
  );
  return wrap(root);
}

function wrap(logger: PinoLogger): Logger {
  return {
    debug: (message, fields) => logger.debug(fields ?? {}, message),
    info: (message, fields) => logger.info(fields ?? {}, message),
    warn: (message, fields) => logger.warn(fields ?? {}, message),
    error: (message, fields) => logger.error(fields ?? {}, message),
    child: (fields) => wrap(logger.child(sanitize(fields))),
  };
}

/** A copy with secret-named fields replaced and errors reduced to name, message and code; never mutates. */
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
  if (depth > MAX_DEPTH) return '[deep]';
  if (Array.isArray(value)) return value.map((item) => sanitizeValue(item, depth + 1));
  if (value && typeof value === 'object') return sanitize(value as Record<string, unknown>, depth + 1);
  return value;
}
