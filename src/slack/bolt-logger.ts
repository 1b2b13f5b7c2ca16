import { LogLevel, type Logger as SlackLogger } from '@slack/logger';
import type { Logger } from '../lib/logger';

/** Bolt's logger interface over our structured logger, so Bolt's lines are JSON and scrubbed too. */
export function boltLogger(logger: Logger): SlackLogger {
  let level = LogLevel.INFO;
  const text = (parts: unknown[]) => parts.map((part) => (part instanceof Error ? part.message : typeof part === 'string' ? part : JSON.stringify(part))).join(' ');
  return {
    debug: (...parts) => logger.debug(text(parts), { source: 'bolt' }),
    info: (...parts) => logger.info(text(parts), { source: 'bolt' }),
    warn: (...parts) => logger.warn(text(parts), { source: 'bolt' }),
    error: (...parts) => logger.error(text(parts), { source: 'bolt' }),
    setLevel: (next) => {
      level = next;
    },
    getLevel: () => level,
    setName: () => undefined,
  };
}
