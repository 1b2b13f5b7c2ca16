import { randomBytes } from 'node:crypto';
import { runCli } from '../src/cli';
import { openDatabase, type Database } from '../src/db/client';
import { loadSecrets } from '../src/db/credentials';
import { KeyRing } from '../src/lib/key-ring';
import { databaseKinds, dropDatabase, freshDatabaseUrl, truncateAll } from './support/databases';

const KEY_1 = { id: 'k1', key: randomBytes(32) };
const KEY_2 = { id: 'k2', key: randomBytes(32) };
const keysEnv = (...keys: (typeof KEY_1)[]) => keys.map((key) => `${key.id}:${key.key.toString('base64')}`).join(',');

const ACCESS_TOKEN = `ya29.${randomBytes(24).toString('base64url')}`;
const REFRESH_TOKEN = `1//${randomBytes(24).toString('base64url')}`;
const API_KEY = `key_${randomBytes(24).toString('base64url')}`;

for (const { kind, skip } of databaseKinds()) {
  (skip ? describe.skip : describe)(`npm run cli [${kind}]`, () => {
    let databaseUrl: string;
    let database: Database;

    beforeAll(async () => {
      databaseUrl = freshDatabaseUrl(kind);
      database = await openDatabase(databaseUrl);
    });
    afterAll(async () => {
      await database.close();
      await dropDatabase(databaseUrl);
    });
    afterEach(async () => {
      await truncateAll(database);
    });

    /** Runs the CLI in process; stdout and stderr are kept apart as the shell would. */
    async function cli(args: string[], keys = keysEnv(KEY_1)) {
      const stdout: string[] = [];
      const stderr: string[] = [];
      const env = { NODE_ENV: 'test', DATABASE_URL: databaseUrl, ENCRYPTION_KEYS: keys };
      const code = await runCli(args, env, (line) => stdout.push(line), (line) => stderr.push(line));
      const text = stdout.join('\n');
      return { code, stdout: text, stderr, json: code === 0 && text ? (JSON.parse(text) as Record<string, unknown>) : undefined };
    }

    const addArgs = (overrides: string[] = []) => [
      'connections',
      'add',
      '--team',
      'T0001',
      '--provider',
      'google_ads',
      '--name',
      'Google Ads — Brand',
      '--account',
      '123-456-7890',
      '--channel',
      'C0ALERTS',
      '--owner',
      'U0OWNER1',
      '--owner',
      'U0OWNER2',
      '--option',
      'autotagging=true',
      '--option',
      'region=emea',
      '--access-token',
      ACCESS_TOKEN,
      '--refresh-token',
      REFRESH_TOKEN,
      ...overrides,
    ];

    const expectNoSecrets = (...outputs: string[]) => {
      for (const output of outputs) {
        for (const secret of [ACCESS_TOKEN, REFRESH_TOKEN, API_KEY]) expect(output).not.toContain(secret);
      }
    };

    it('adds a connection, stores its tokens encrypted and prints it without them', async () => {
      const added = await cli(addArgs());

      expect(added.code).toBe(0);
      expect(added.json).toMatchObject({
        teamId: 'T0001',
        provider: 'google_ads',
        kind: 'ad_platform',
        name: 'Google Ads — Brand',
        externalAccountId: '123-456-7890',
        channelId: 'C0ALERTS',
        owners: ['U0OWNER1', 'U0OWNER2'],
        options: { autotagging: true, region: 'emea' },
        status: 'connected',
      });
      expectNoSecrets(added.stdout, ...added.stderr);
      const id = added.json!.id as string;
      const stored = await loadSecrets(database.prisma, new KeyRing([KEY_1]), { id, provider: 'google_ads' });
      expect(stored?.secrets).toEqual({ accessToken: ACCESS_TOKEN, refreshToken: REFRESH_TOKEN });
      const audit = await database.prisma.auditEvent.findFirstOrThrow({ where: { connectionId: id } });
      expect(audit).toMatchObject({ action: 'connection_created', actorType: 'admin', actorId: 'cli' });
    });

    it('lists connections, filtered by team and provider, and disabled ones only with --all', async () => {
      const first = await cli(addArgs());
      const second = await cli(['connections', 'add', '--team', 'T0002', '--provider', 'hubspot', '--name', 'HubSpot', '--account', '4455']);
      expect([first.code, second.code]).toEqual([0, 0]);

      const all = await cli(['connections', 'list']);
      expect((all.json!.connections as { name: string }[]).map((connection) => connection.name)).toEqual(['Google Ads — Brand', 'HubSpot']);
      const byTeam = await cli(['connections', 'list', '--team', 'T0002']);
      expect(byTeam.json!.connections).toEqual([expect.objectContaining({ provider: 'hubspot' })]);
      const byProvider = await cli(['connections', 'list', '--provider', 'google_ads']);
      expect(byProvider.json!.connections).toEqual([expect.objectContaining({ teamId: 'T0001' })]);

      const disabled = await cli(['connections', 'disable', second.json!.id as string]);
      expect(disabled.code).toBe(0);
      expect(disabled.json).toMatchObject({ id: second.json!.id, status: 'disabled' });

      expect((await cli(['connections', 'list'])).json!.connections).toHaveLength(1);
      expect((await cli(['connections', 'list', '--all'])).json!.connections).toHaveLength(2);
      expectNoSecrets(all.stdout);
    });

    it('refuses an unknown provider with exit code 1 and one line naming the field, and stores nothing', async () => {
      const result = await cli(addArgs(['--provider', 'myspace_ads']));

      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr).toHaveLength(1);
      expect(result.stderr[0]).toMatch(/^error: Unknown provider "myspace_ads"\. --provider \(provider\): expected one of: google_ads, /);
      expect(result.stderr[0]).not.toContain('\n');
      expectNoSecrets(...result.stderr);
      expect(await database.prisma.connection.count()).toBe(0);
    });

    it('lists every invalid field with the flag that sets it', async () => {
      const result = await cli(addArgs(['--team', 'acme', '--channel', 'general', '--owner', 'bob']));

      expect(result.code).toBe(1);
      expect(result.stderr).toHaveLength(1);
      expect(result.stderr[0]).toContain('--team (teamId): expected a Slack team id');
      expect(result.stderr[0]).toContain('--channel (channelId): expected a Slack channel id');
      expect(result.stderr[0]).toContain('--owner (owners.2): expected a Slack user id');
      expectNoSecrets(...result.stderr);
    });

    it.each([
      ['missing required flags', ['connections', 'add', '--team', 'T0001', '--access-token', ACCESS_TOKEN], /needs --provider, --name, --account/],
      ['an API key together with OAuth tokens', addArgs(['--api-key', API_KEY]), /either --access-token\/--refresh-token \(OAuth\) or --api-key/],
      ['an option without a value', addArgs(['--option', 'autotagging']), /--option expects key=value/],
      ['an unknown flag', ['connections', 'list', '--colour', 'red'], /Unknown option '--colour'/],
      ['a missing id', ['connections', 'disable'], /connections disable takes <id>/],
      ['an unknown command', ['connections', 'delete', 'x'], /unknown command "connections delete"/],
      ['an unknown connection', ['connections', 'disable', 'no-such-id'], /No connection with id no-such-id/],
    ])('exits 1 with one line for %s', async (_name, args, message) => {
      const result = await cli(args);

      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr).toEqual([expect.stringMatching(message)]);
      expectNoSecrets(...result.stderr);
    });

    it('never echoes a credential, even inside an error about it', async () => {
      const result = await cli(['connections', 'add', `--access-token=${ACCESS_TOKEN}`, ACCESS_TOKEN]);

      expect(result.code).toBe(1);
      expectNoSecrets(...result.stderr);
    });

    it('re-encrypts stored credentials with the first key of ENCRYPTION_KEYS', async () => {
      const added = await cli(['connections', 'add', '--team', 'T0001', '--provider', 'hubspot', '--name', 'HubSpot', '--account', '4455', '--access-token', ACCESS_TOKEN]);
      expect(added.code).toBe(0);

      const moved = await cli(['keys', 'reencrypt'], keysEnv(KEY_2, KEY_1));

      expect(moved.code).toBe(0);
      expect(moved.json).toEqual({ reencrypted: 1, keyId: 'k2' });
      const id = added.json!.id as string;
      expect((await database.prisma.credential.findUniqueOrThrow({ where: { connectionId: id } })).keyId).toBe('k2');
      const stored = await loadSecrets(database.prisma, new KeyRing([KEY_2]), { id, provider: 'hubspot' });
      expect(stored?.secrets.accessToken).toBe(ACCESS_TOKEN);
    });

    it('prints usage for help, with exit code 0 and without touching the database', async () => {
      const stdout: string[] = [];
      const code = await runCli(['help'], { DATABASE_URL: 'postgres://nowhere.invalid/none' }, (line) => stdout.push(line));

      expect(code).toBe(0);
      expect(stdout.join('\n')).toContain('connections add --team T --provider P --name N --account A');
    });
  });
}
