import { ConfigError, loadConfig } from '../src/config';

const problemsOf = (env: Record<string, string>) => {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
};

describe('provider configuration', () => {
  it('reads PROVIDER_ORIGINS as whole-origin rewrites', () => {
    const config = loadConfig({ PROVIDER_ORIGINS: 'https://accounts.google.com=http://127.0.0.1:9001, https://oauth2.googleapis.com/=http://127.0.0.1:9001', OAUTH_ALLOW_INSECURE_HTTP: 'true' });
    expect([...config.providerOrigins]).toEqual([
      ['https://accounts.google.com', 'http://127.0.0.1:9001'],
      ['https://oauth2.googleapis.com', 'http://127.0.0.1:9001'],
    ]);
  });

  it.each([
    ['a path', 'https://accounts.google.com/o=https://sim.example', /entry 1: expected https:\/\/from-origin=https:\/\/to-origin/],
    ['no target', 'https://accounts.google.com', /entry 1: expected/],
    ['an http origin rewritten', 'http://accounts.google.com=https://sim.example', /must be a provider's https:\/\/ origin/],
    ['an http target without OAUTH_ALLOW_INSECURE_HTTP', 'https://accounts.google.com=http://127.0.0.1:9', /http:\/\/ target needs OAUTH_ALLOW_INSECURE_HTTP=true/],
    ['one origin twice', 'https://a.example=https://b.example,https://a.example=https://c.example', /entry 2: https:\/\/a.example is rewritten twice/],
  ])('refuses PROVIDER_ORIGINS with %s, naming the entry', (_, value, message) => {
    expect(problemsOf({ PROVIDER_ORIGINS: value }).join('\n')).toMatch(message);
  });

  it('refuses an http PROVIDER_ORIGINS target in production, where insecure http is refused too', () => {
    const problems = problemsOf({ NODE_ENV: 'production', PROVIDER_ORIGINS: 'https://a.example=http://b.example', OAUTH_ALLOW_INSECURE_HTTP: 'true' }).join('\n');
    expect(problems).toMatch(/OAUTH_ALLOW_INSECURE_HTTP: must not be true in production/);
  });

  it('requires the developer tokens the account checks send, and a ten-digit manager id', () => {
    expect(problemsOf({ GOOGLE_ADS_CLIENT_ID: 'id', GOOGLE_ADS_CLIENT_SECRET: 's' }).join('\n')).toMatch(/GOOGLE_ADS_DEVELOPER_TOKEN: required when GOOGLE_ADS_CLIENT_ID is set/);
    expect(problemsOf({ MICROSOFT_ADS_CLIENT_ID: 'id', MICROSOFT_ADS_CLIENT_SECRET: 's' }).join('\n')).toMatch(/MICROSOFT_ADS_DEVELOPER_TOKEN: required/);
    expect(problemsOf({ GOOGLE_ADS_LOGIN_CUSTOMER_ID: '12345' }).join('\n')).toMatch(/GOOGLE_ADS_LOGIN_CUSTOMER_ID: expected a 10-digit/);
    const config = loadConfig({ GOOGLE_ADS_LOGIN_CUSTOMER_ID: '700-000-0001', META_ADS_APPSECRET_PROOF: 'true' });
    expect(config.providerSettings.google_ads).toMatchObject({ loginCustomerId: '7000000001' });
    expect(config.providerSettings.meta_ads).toEqual({ appSecretProof: 'true' });
  });
});

describe('DATABASE_CONNECT_HOSTS', () => {
  it('reads names, *.domains, addresses and networks; unset allows public hosts only', () => {
    expect(loadConfig({}).databaseConnectHosts).toEqual({ names: [], networks: [] });
    const config = loadConfig({ DATABASE_CONNECT_HOSTS: ' Warehouse.Internal. ,*.corp.example, 127.0.0.1, 10.20.0.0/16, fd00:ec2::/32' });
    expect(config.databaseConnectHosts).toEqual({
      names: ['warehouse.internal', '*.corp.example'],
      networks: [
        { address: '127.0.0.1', prefix: 32, family: 'ipv4' },
        { address: '10.20.0.0', prefix: 16, family: 'ipv4' },
        { address: 'fd00:ec2::', prefix: 32, family: 'ipv6' },
      ],
    });
  });

  it.each(['10.0.0.0/33', 'db.internal/8', 'postgres://db', 'db:5432', '*', '10.0.0.0/8/1'])('refuses the entry %j, naming it', (entry) => {
    expect(problemsOf({ DATABASE_CONNECT_HOSTS: `db.ok,${entry}` }).join('\n')).toMatch(/^DATABASE_CONNECT_HOSTS: entry 2 .*expected a host name, \*\.domain, an IP address or a network/);
  });
});

describe('configuration', () => {
  it('starts locally with no variables at all: SQLite under ./data, port 3000, Slack off', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ port: 3000, databaseUrl: 'file:./data/reconnect.db', publicUrl: 'http://localhost:3000', slack: null, usingDevelopmentKey: true });
  });

  it('lists every bad variable in one error, one line each, naming the variable and what is expected', () => {
    const problems = problemsOf({ PORT: 'eighty', DATABASE_URL: 'mysql://x', LOG_LEVEL: 'loud', ENCRYPTION_KEYS: 'k1:short' });
    expect(problems).toHaveLength(4);
    expect(problems.find((p) => p.startsWith('PORT:'))).toBeDefined();
    expect(problems.find((p) => p.startsWith('DATABASE_URL:'))).toMatch(/file:<path>.*postgres/);
    expect(problems.find((p) => p.startsWith('LOG_LEVEL:'))).toBeDefined();
    expect(problems.find((p) => p.startsWith('ENCRYPTION_KEYS:'))).toMatch(/keyId:base64 of 32 random bytes/);
  });

  it('never repeats a secret value in its errors', () => {
    const secret = 'xoxp-not-a-bot-token-but-secret-123456';
    const problems = problemsOf({ SLACK_SIGNING_SECRET: 's', SLACK_BOT_TOKEN: secret, ENCRYPTION_KEYS: `k1:${secret}` });
    expect(problems.join('\n')).not.toContain(secret);
    expect(problems.join('\n')).toMatch(/SLACK_BOT_TOKEN: expected a bot token/);
  });

  it('checks fields that go together', () => {
    expect(problemsOf({ SLACK_CLIENT_ID: '1.2' }).join('\n')).toMatch(/SLACK_CLIENT_ID, SLACK_CLIENT_SECRET, SLACK_STATE_SECRET: set all three/);
    expect(problemsOf({ SLACK_APP_TOKEN: 'xapp-1' }).join('\n')).toMatch(/SLACK_BOT_TOKEN: required with SLACK_APP_TOKEN/);
    expect(problemsOf({ GOOGLE_ADS_CLIENT_ID: 'id' }).join('\n')).toMatch(/GOOGLE_ADS_CLIENT_SECRET: required/);
    expect(problemsOf({ OUTBOUND_WEBHOOK_URL: 'https://x.example' }).join('\n')).toMatch(/set both or neither/);
    expect(problemsOf({ GENERIC_OAUTH_TOKEN_URL: 'https://x.example/token' })).toHaveLength(4);
  });

  it('is strict in production: real keys, a public URL, Slack credentials, no insecure OAuth', () => {
    const problems = problemsOf({ NODE_ENV: 'production', OAUTH_ALLOW_INSECURE_HTTP: 'true' });
    expect(problems.map((p) => p.split(':')[0])).toEqual(
      expect.arrayContaining(['ENCRYPTION_KEYS', 'PUBLIC_URL', 'OAUTH_ALLOW_INSECURE_HTTP', 'SLACK_SIGNING_SECRET']),
    );
  });

  it('refuses an http:// PUBLIC_URL in production (the flow cookie could not be Secure)', () => {
    expect(problemsOf({ NODE_ENV: 'production', PUBLIC_URL: 'http://reconnect.example.com' })).toContain('PUBLIC_URL: must be an https:// URL in production');
    expect(problemsOf({ NODE_ENV: 'production', PUBLIC_URL: 'https://reconnect.example.com' }).join('\n')).not.toMatch(/PUBLIC_URL/);
  });

  it('picks HTTP mode, multi-workspace install or Socket Mode from what is set', () => {
    expect(loadConfig({ SLACK_SIGNING_SECRET: 's', SLACK_BOT_TOKEN: 'xoxb-1' }).slack).toMatchObject({ mode: 'http', botToken: 'xoxb-1' });
    expect(loadConfig({ SLACK_SIGNING_SECRET: 's', SLACK_CLIENT_ID: '1', SLACK_CLIENT_SECRET: '2', SLACK_STATE_SECRET: '3' }).slack).toMatchObject({
      mode: 'http',
      install: { clientId: '1' },
    });
    expect(loadConfig({ SLACK_APP_TOKEN: 'xapp-1', SLACK_BOT_TOKEN: 'xoxb-1' }).slack).toMatchObject({ mode: 'socket' });
  });
});
