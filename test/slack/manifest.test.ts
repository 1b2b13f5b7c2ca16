import fs from 'node:fs';
import path from 'node:path';
import { ACTION_IDS, SNOOZE_OPTIONS } from '../../src/slack/ids';
import { BOT_SCOPES } from '../../src/slack/bolt';
import { loadConfig } from '../../src/config';

const manifest = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'manifest.json'), 'utf8'));

describe('manifest.json matches the app', () => {
  it('declares the slash command the app answers by default', () => {
    const commands = manifest.features.slash_commands.map((c: { command: string }) => c.command);
    expect(commands).toEqual([loadConfig({}).slackCommand]);
  });

  it('asks for exactly the bot scopes the app uses', () => {
    expect([...manifest.oauth_config.scopes.bot].sort()).toEqual([...BOT_SCOPES].sort());
  });

  it('points events, interactivity and commands at POST /slack/events and OAuth at /slack/oauth_redirect', () => {
    expect(manifest.settings.event_subscriptions.request_url).toMatch(/\/slack\/events$/);
    expect(manifest.settings.interactivity.request_url).toMatch(/\/slack\/events$/);
    expect(manifest.features.slash_commands[0].url).toMatch(/\/slack\/events$/);
    expect(manifest.oauth_config.redirect_urls[0]).toMatch(/\/slack\/oauth_redirect$/);
  });

  it('subscribes to the events the app listens for, and enables App Home', () => {
    expect(manifest.settings.event_subscriptions.bot_events.sort()).toEqual(['app_home_opened', 'app_uninstalled', 'tokens_revoked']);
    expect(manifest.features.app_home.home_tab_enabled).toBe(true);
  });

  it('uses the action ids and snooze values fixed in docs/CONTRACT.md', () => {
    expect(Object.values(ACTION_IDS)).toEqual(['reauthorize', 'acknowledge', 'snooze', 'details', 'connect']);
    expect(SNOOZE_OPTIONS.map((o) => o.value)).toEqual(['1h', '4h', '1d']);
  });
});
