import pino from 'pino';
import { createLogger, SecretRegistry } from '../src/lib/logger';

/**
 * `npm run bench:logging`: the cost of one log line with the app's logger (pino, secret-named fields
 * replaced in its formatters, the line scrubbed by the SecretRegistry) next to pino's own `redact` paths
 * at growing depths, all into a no-op sink. The figures behind the choice in src/lib/logger.ts.
 */

const LINES = Number(process.env.LINES ?? 100_000);
const WARMUP = 10_000;

const SECRET_NAMES = [
  'token', 'tokens', 'accessToken', 'access_token', 'refreshToken', 'refresh_token', 'idToken', 'id_token', 'code',
  'codeVerifier', 'code_verifier', 'verifier', 'client_assertion', 'clientSecret', 'client_secret', 'apiKey', 'api_key',
  'developerToken', 'password', 'credentials', 'secrets', 'secret', 'ciphertext', 'botToken', 'appToken', 'signingSecret',
  'stateSecret', 'authorization', 'Authorization', 'cookie', 'Cookie',
];

const fields = {
  connectionId: 'c0a8f1e2-1111-4d2e-9f00-1234567890ab',
  provider: 'google_ads',
  consecutiveFailures: 3,
  error: Object.assign(new Error('token endpoint answered 503'), { code: 'ECONNRESET' }),
};

const secrets = new SecretRegistry();
secrets.add('ingest-secret-for-tests-0123456789', 'admin-token-for-tests-0123456789', 'xoxb-test-token');

function time(log: (message: string) => void): number {
  for (let i = 0; i < WARMUP; i += 1) log('probe failed, will retry');
  const started = process.hrtime.bigint();
  for (let i = 0; i < LINES; i += 1) log('probe failed, will retry');
  return Number(process.hrtime.bigint() - started) / LINES / 1000;
}

function plainPino(paths: string[] | null): (message: string) => void {
  const destination = { write: (line: string) => void secrets.scrub(line) };
  const logger = pino(
    {
      level: 'info',
      base: null,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      ...(paths ? { redact: { paths, censor: '[redacted]' } } : {}),
    },
    destination,
  ).child({ job: 'probe' });
  return (message) => logger.info(fields, message);
}

const depths = ['', '*.', '*.*.', '*.*.*.'];
const rows: [string, number][] = [['pino, no redaction', time(plainPino(null))]];
for (let depth = 1; depth <= depths.length; depth += 1) {
  const paths = SECRET_NAMES.flatMap((name) => depths.slice(0, depth).map((prefix) => `${prefix}${name}`));
  rows.push([`pino redact, ${paths.length} paths, ${depth === 1 ? 'top level only' : `top and ${depth - 1} level(s) down`}`, time(plainPino(paths))]);
}
const app = createLogger({ level: 'info', secrets, sink: () => undefined }).child({ job: 'probe' });
rows.push(['the app logger (pino + key regex at any depth)', time((message) => app.info(message, fields))]);
const quiet = createLogger({ level: 'warn', secrets, sink: () => undefined }).child({ job: 'probe' });
rows.push(['the app logger, a line under LOG_LEVEL', time((message) => quiet.info(message, fields))]);

for (const [name, micros] of rows) process.stdout.write(`${name.padEnd(52)} ${micros.toFixed(2).padStart(8)} µs/line\n`);
