import type { App } from '@slack/bolt';
import type { InstallationStore } from '@slack/oauth';
import type { Logger } from '../../lib/logger';

/** Workspace lifecycle: forget the bot token when Slack says the app is gone or its tokens revoked. */
export function registerEvents(app: App, deps: { installationStore?: InstallationStore; logger: Logger }): void {
  const forget = async (teamId: string | undefined, enterpriseId: string | undefined, why: string) => {
    if (!deps.installationStore?.deleteInstallation || !teamId) return;
    await deps.installationStore.deleteInstallation({ teamId, enterpriseId, isEnterpriseInstall: false });
    deps.logger.info('installation removed', { teamId, why });
  };

  app.event('app_uninstalled', async ({ body }) => {
    await forget(body.team_id, body.enterprise_id, 'app_uninstalled');
  });

  app.event('tokens_revoked', async ({ body, event }) => {
    if (event.tokens.bot?.length) await forget(body.team_id, body.enterprise_id, 'tokens_revoked');
  });
}
