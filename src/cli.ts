import fs from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { createCore, type Core } from './app';
import { ConfigError, loadConfig } from './config';
import { reencryptSecrets } from './db/credentials';
import { createConnection, disableConnection, listConnections, newConnectionSchema } from './domain/connections';
import { connectionJson } from './http/admin';
import { fieldErrors } from './http/validation';
import { DomainError } from './lib/errors';

/**
 * Operator commands against the same database and keys as the running app: `npm run cli -- <command>`.
 * Answers are JSON on stdout; problems are one line on stderr and exit code 1. Credentials go in and
 * are never printed back.
 */

export type Output = (line: string) => void;

const USAGE = `Usage: npm run cli -- <command>

  connections add --team T --provider P --name N --account A [--channel C] [--owner U ...] [--option key=value ...]
                  [--access-token X [--refresh-token Y] | --api-key K]
  connections list [--team T] [--provider P] [--all]
  connections disable <id>
  keys reencrypt      move every stored credential to the first key in ENCRYPTION_KEYS
  help

Configuration comes from the environment (and .env), as for the app itself.`;

const CLI_ACTOR = { type: 'admin' as const, id: 'cli' };

/** Which flag sets each connection field, so a validation error names what to fix on the command line. */
const FLAG_OF_FIELD: Record<string, string> = {
  teamId: '--team',
  provider: '--provider',
  name: '--name',
  externalAccountId: '--account',
  channelId: '--channel',
  owners: '--owner',
  options: '--option',
  credentials: '--access-token/--refresh-token/--api-key',
};

const CREDENTIAL_FLAGS = ['access-token', 'refresh-token', 'api-key'] as const;

class UsageError extends Error {}

type Run = (core: Core) => Promise<unknown>;
type FlagValues = Record<string, string | boolean | (string | boolean)[] | undefined>;

interface Command {
  options: NonNullable<ParseArgsConfig['options']>;
  positionals: string[];
  prepare(values: FlagValues, positionals: string[]): Run;
}

const COMMANDS: Record<string, Command> = {
  'connections add': {
    options: {
      team: { type: 'string' },
      provider: { type: 'string' },
      name: { type: 'string' },
      account: { type: 'string' },
      channel: { type: 'string' },
      owner: { type: 'string', multiple: true },
      option: { type: 'string', multiple: true },
      'access-token': { type: 'string' },
      'refresh-token': { type: 'string' },
      'api-key': { type: 'string' },
    },
    positionals: [],
    prepare: (values) => {
      const input = newConnectionInput(values);
      return async (core) => connectionJson(await createConnection(core.connections, input, CLI_ACTOR));
    },
  },
  'connections list': {
    options: { team: { type: 'string' }, provider: { type: 'string' }, all: { type: 'boolean' } },
    positionals: [],
    prepare: (values) => async (core) => {
      const connections = await listConnections(core.db.prisma, {
        teamId: stringOf(values.team),
        provider: stringOf(values.provider),
        includeDisabled: values.all === true,
      });
      return { connections: connections.map(connectionJson) };
    },
  },
  'connections disable': {
    options: {},
    positionals: ['id'],
    prepare: (_values, [id]) => async (core) => connectionJson(await disableConnection(core.connections, id!, CLI_ACTOR)),
  },
  'keys reencrypt': {
    options: {},
    positionals: [],
    prepare: () => async (core) => ({ reencrypted: await reencryptSecrets(core.db.prisma, core.keyRing), keyId: core.keyRing.currentKeyId }),
  },
};

/** Runs one command and returns its exit code; `errors` defaults to `out` so tests can capture both at once. */
export async function runCli(argv: string[], env: NodeJS.ProcessEnv, out: Output, errors: Output = out): Promise<number> {
  const redact = redactor(argv);
  if (wantsHelp(argv)) {
    out(USAGE);
    return 0;
  }
  try {
    const run = prepare(argv);
    const core = await createCore(loadConfig(env), { logSink: (line) => errors(redact(line)) });
    try {
      if (core.config.usingDevelopmentKey) core.logger.warn('ENCRYPTION_KEYS is not set: using the development key.');
      out(redact(JSON.stringify(await run(core), null, 2)));
      return 0;
    } finally {
      await core.db.close();
    }
  } catch (error) {
    errors(redact(`error: ${describeError(error)}`));
    return 1;
  }
}

function wantsHelp(argv: string[]): boolean {
  return argv.length === 0 || argv[0] === 'help' || argv.includes('--help') || argv.includes('-h');
}

function prepare(argv: string[]): Run {
  const name = argv.slice(0, 2).join(' ');
  const command = COMMANDS[name];
  if (!command) throw new UsageError(`unknown command "${name}"; run "npm run cli -- help" for the list`);
  const { values, positionals } = parseArgs({ args: argv.slice(2), options: command.options, allowPositionals: true, strict: true });
  if (positionals.length !== command.positionals.length) {
    const expected = command.positionals.map((positional) => `<${positional}>`).join(' ');
    throw new UsageError(`${name} takes ${expected || 'no arguments besides its flags'}`);
  }
  return command.prepare(values, positionals);
}

function newConnectionInput(values: FlagValues) {
  const missing = ['team', 'provider', 'name', 'account'].filter((flag) => values[flag] === undefined);
  if (missing.length > 0) throw new UsageError(`connections add needs ${missing.map((flag) => `--${flag}`).join(', ')}`);
  const credentials = credentialsFrom(values);
  const parsed = newConnectionSchema.safeParse({
    teamId: values.team,
    provider: values.provider,
    name: values.name,
    externalAccountId: values.account,
    channelId: values.channel,
    owners: values.owner,
    options: optionsFrom(values.option),
    credentials,
  });
  if (!parsed.success) throw new UsageError(`invalid connection: ${describeFields(fieldErrors(parsed.error))}`);
  return parsed.data;
}

function credentialsFrom(values: FlagValues) {
  const [accessToken, refreshToken, apiKey] = CREDENTIAL_FLAGS.map((flag) => stringOf(values[flag]));
  if (apiKey !== undefined && (accessToken !== undefined || refreshToken !== undefined)) {
    throw new UsageError('give either --access-token/--refresh-token (OAuth) or --api-key, not both');
  }
  if (accessToken === undefined && refreshToken === undefined && apiKey === undefined) return undefined;
  return { accessToken, refreshToken, apiKey };
}

/** `--option autotagging=true`: true/false become booleans and plain numbers numbers, as in the admin API's JSON. */
function optionsFrom(pairs: FlagValues[string]): Record<string, string | number | boolean> {
  const options: Record<string, string | number | boolean> = {};
  for (const pair of Array.isArray(pairs) ? pairs.filter((item) => typeof item === 'string') : []) {
    const separator = pair.indexOf('=');
    if (separator <= 0) throw new UsageError('--option expects key=value');
    const value = pair.slice(separator + 1);
    options[pair.slice(0, separator)] = value === 'true' ? true : value === 'false' ? false : /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : value;
  }
  return options;
}

function stringOf(value: FlagValues[string]): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function describeFields(fields: Record<string, string[]>): string {
  return Object.entries(fields)
    .map(([path, messages]) => {
      const field = path.split('.')[0] ?? path;
      return `${FLAG_OF_FIELD[field] ?? field} (${path}): ${messages.join(', ')}`;
    })
    .join('; ');
}

function describeError(error: unknown): string {
  if (error instanceof UsageError) return error.message;
  if (error instanceof ConfigError) return `invalid configuration: ${error.problems.join('; ')}`;
  if (error instanceof DomainError) {
    const fields = error.details?.fields as Record<string, string[]> | undefined;
    return fields ? `${error.message} ${describeFields(fields)}` : error.message;
  }
  return error instanceof Error ? error.message : String(error);
}

/** Whatever goes wrong, the credentials given on the command line are never echoed back. */
function redactor(argv: string[]): (text: string) => string {
  const secrets = argv.filter((_arg, index) => CREDENTIAL_FLAGS.some((flag) => argv[index - 1] === `--${flag}`));
  const inline = argv.flatMap((arg) => CREDENTIAL_FLAGS.filter((flag) => arg.startsWith(`--${flag}=`)).map((flag) => arg.slice(flag.length + 3)));
  // Shorter values would redact ordinary words; no real credential is that short.
  const values = [...secrets, ...inline].filter((value) => value.length >= 6);
  return (text) => values.reduce((redacted, value) => redacted.split(value).join('[redacted]'), text);
}

if (require.main === module) {
  // Like the app: an optional .env next to package.json; real environment variables win over it.
  if (fs.existsSync('.env')) process.loadEnvFile('.env');
  void runCli(
    process.argv.slice(2),
    process.env,
    (line) => process.stdout.write(`${line}\n`),
    (line) => process.stderr.write(`${line}\n`),
  ).then((code) => {
    process.exitCode = code;
  });
}
