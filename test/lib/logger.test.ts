import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { createLogger, SecretRegistry } from '../../src/lib/logger';

/** The log lines themselves: their shape, LOG_LEVEL, and what never gets into them. */

const ROOT = path.resolve(__dirname, '../..');

function capture(level: 'debug' | 'info' | 'warn' | 'error', secrets?: SecretRegistry) {
  const lines: string[] = [];
  return { lines, logger: createLogger({ level, secrets, sink: (line) => lines.push(line) }) };
}

describe('logger', () => {
  it('writes one JSON object per line with level, ISO time, message and fields', () => {
    const { lines, logger } = capture('debug');
    logger.child({ job: 'probe' }).info('probe ok', { connectionId: 'c1', ms: 12 });
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain('\n');
    const record = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(record).toEqual({ level: 'info', time: expect.any(String), job: 'probe', connectionId: 'c1', ms: 12, msg: 'probe ok' });
    expect(new Date(String(record.time)).toISOString()).toBe(record.time);
  });

  it('keeps to LOG_LEVEL', () => {
    const levels = ['debug', 'info', 'warn', 'error'] as const;
    const written = levels.map((level) => {
      const { lines, logger } = capture(level);
      for (const method of levels) logger[method](method);
      return lines.map((line) => (JSON.parse(line) as { level: string; msg: string }).level);
    });
    expect(written).toEqual([['debug', 'info', 'warn', 'error'], ['info', 'warn', 'error'], ['warn', 'error'], ['error']]);
  });

  it('replaces secret-named fields at any depth and in child bindings, configured secrets and Slack tokens anywhere', () => {
    const secrets = new SecretRegistry();
    secrets.add('configured-secret-0123456789');
    const { lines, logger } = capture('debug', secrets);
    const fields = {
      connectionId: 'c1',
      accessToken: 'at-0123456789',
      response: { headers: { Authorization: 'Bearer abc-0123456789' }, body: { tokens: [{ newRefreshToken: 'rt-0123456789' }] } },
      note: 'the configured-secret-0123456789 and xoxb-1111-2222-abcdef leaked into text',
    };
    logger.child({ clientSecret: 'cs-0123456789', job: 'probe' }).warn('refresh failed for xapp-1-A111-222-abc', fields);
    const line = lines[0]!;
    for (const secret of ['at-0123456789', 'abc-0123456789', 'rt-0123456789', 'configured-secret-0123456789', 'xoxb-1111', 'xapp-1', 'cs-0123456789']) {
      expect(line).not.toContain(secret);
    }
    const record = JSON.parse(line) as Record<string, unknown>;
    expect(record).toMatchObject({
      clientSecret: '[redacted]',
      job: 'probe',
      connectionId: 'c1',
      accessToken: '[redacted]',
      response: { headers: { Authorization: '[redacted]' }, body: { tokens: '[redacted]' } },
      note: 'the [redacted] and [redacted] leaked into text',
      msg: 'refresh failed for [redacted]',
    });
    // The caller's object is left as it was.
    expect(fields.accessToken).toBe('at-0123456789');
  });

  it('writes errors as name, message and code, without the stack', () => {
    const { lines, logger } = capture('error');
    const error = Object.assign(new TypeError('socket hang up'), { code: 'ECONNRESET', request: { headers: { cookie: 'sid=1' } } });
    logger.error('request failed', { error, cause: { error } });
    const record = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(record.error).toEqual({ name: 'TypeError', message: 'socket hang up', code: 'ECONNRESET' });
    expect(record.cause).toEqual({ error: { name: 'TypeError', message: 'socket hang up', code: 'ECONNRESET' } });
    expect(lines[0]).not.toContain('at ');
  });

  it('writes to stdout by default, one line per record', () => {
    const script = [
      "const { createLogger } = require('./src/lib/logger');",
      "const logger = createLogger({ level: 'info' });",
      "logger.debug('hidden'); logger.info('one', { n: 1 }); logger.child({ job: 'j' }).error('two');",
    ].join('\n');
    const out = execFileSync(process.execPath, ['-r', './test/support/ts-register.js', '-e', script], { cwd: ROOT, encoding: 'utf8' });
    const lines = out.split('\n').filter(Boolean);
    expect(lines.map((line) => JSON.parse(line) as Record<string, unknown>)).toEqual([
      { level: 'info', time: expect.any(String), n: 1, msg: 'one' },
      { level: 'error', time: expect.any(String), job: 'j', msg: 'two' },
    ]);
    expect(out.endsWith('\n')).toBe(true);
  });
});
