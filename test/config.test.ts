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
