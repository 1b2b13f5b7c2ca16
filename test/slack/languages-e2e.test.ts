import { startGoogleAdsSimulator, type GoogleAdsSimulator } from '../fakes/providers/google-ads';
import { eventCallback, postSigned, slashCommand } from '../fakes/slack-requests';
import { FAKE_SLACK_DEFAULTS } from '../fakes/fake-slack';
import { validateBlocks } from '../fakes/block-kit';
import { databaseKinds } from '../support/databases';
import { startProviderWorld, type ProviderWorld } from '../support/provider-e2e';
import { clickReauthorize, consentAndReturn, openLink } from '../support/reauth-driver';
import { waitFor } from '../support/wait';
import { escapeHtml } from '../../src/http/pages';
import { languageChangedAnswer } from '../../src/slack/blocks/commands';
import { translator } from '../../src/slack/blocks/messages';

/**
 * Who reads which language, end to end: a Dutch channel gets its alert in Dutch while a French colleague
 * clicking Reauthorize in it reads a French answer, is sent to Google's consent screen in French (`hl`,
 * developers.google.com/identity/openid-connect/openid-connect#authenticationuriparameters) and lands on a
 * French result page. Slack's side is the fake Slack; `users.info` sends the locale only with
 * `include_locale` (docs.slack.dev/reference/methods/users.info).
 */

const TEAM = FAKE_SLACK_DEFAULTS.team.id;
const CHANNEL = 'C0ADS0001';
const FRENCH = 'U0AMELIE1';
const SPANISH_ADMIN = 'U0LUCIA01';
const nl = translator('nl');
const fr = translator('fr');
const es = translator('es');

for (const { kind, skip } of databaseKinds()) {
  (skip ? describe.skip : describe)(`languages end to end [${kind}]`, () => {
    let world: ProviderWorld<GoogleAdsSimulator>;
    let connectionId: string;

    beforeAll(async () => {
      world = await startProviderWorld(kind, await startGoogleAdsSimulator());
      world.slack.addUser({ id: FRENCH, name: 'amelie', locale: 'fr-FR', is_admin: true });
      world.slack.addUser({ id: SPANISH_ADMIN, name: 'lucia', locale: 'es-LA', is_admin: true });
      const shared = { id: '1234567890', name: 'Acme Search' };
      world.sim.addUser({ id: '110000000000000000001', label: 'owner@acme.example', accounts: [shared] });
      connectionId = await world.connect('google_ads', '123-456-7890', world.sim.issueTokens('110000000000000000001'));
    });
    afterAll(async () => {
      await world.stop();
    });

    async function command(userId: string, text: string): Promise<string> {
      const before = world.slack.callsTo('response_url').length;
      const response = await postSigned(world.t.url, '/slack/events', slashCommand({ text, channel_id: CHANNEL, user_id: userId, response_url: world.slack.responseUrl() }));
      expect(response.status).toBe(200);
      const quick = (response.json as { text?: string } | undefined)?.text;
      if (quick) return quick;
      await waitFor(() => world.slack.callsTo('response_url').length > before);
      return String(world.slack.callsTo('response_url').at(-1)!.args.text);
    }

    it('a person changes a channel’s language and reads the answer in their own', async () => {
      expect(await command(FRENCH, 'language nl here')).toBe(languageChangedAnswer(fr, { scope: 'channel', channelId: CHANNEL, language: 'nl' }).text);
      // The workspace's language is for admins; the answer is in Spanish for a Spanish-speaking admin.
      expect(await command(SPANISH_ADMIN, 'language es')).toBe(languageChangedAnswer(es, { scope: 'workspace', language: 'es' }).text);
    });

    it('the Dutch channel gets the alert in Dutch; the French admin reauthorizes in French', async () => {
      const name = `google_ads 123-456-7890`;
      await world.dropAndAlert(connectionId);
      const alert = world.slack.messages(CHANNEL).at(-1)!;
      const blocks = alert.blocks as { type: string; text?: { text: string } }[];
      expect(validateBlocks(blocks, 'message')).toEqual([]);
      expect(blocks[0]!.text!.text).toBe(nl.t('alert.title', { name }));
      expect(JSON.stringify(blocks)).toContain(nl.t('button.reauthorize'));

      const link = await clickReauthorize(world.t, world.slack, { connectionId, channelId: CHANNEL, userId: FRENCH });
      const answer = String(world.slack.callsTo('response_url').at(-1)!.args.text);
      expect(answer).toBe(
        fr.t('reauth.link', { url: link, name, method: 'oauth2', account: '123-456-7890', minutes: world.t.app.core.config.reauthLinkTtlMinutes }),
      );

      const opened = await openLink(link);
      expect(new URL(opened.location!).searchParams.get('hl')).toBe('fr');
      world.sim.signInAs('110000000000000000001');
      const page = await consentAndReturn(opened);
      expect(page.status).toBe(200);
      expect(page.html).toContain('<html lang="fr">');
      expect(page.html).toContain(escapeHtml(fr.t('page.reconnected', { name })));

      // The channel hears that it is back, in Dutch.
      await waitFor(() => JSON.stringify(world.slack.message(CHANNEL, alert.ts)?.blocks ?? '').includes(nl.t('alert.reconnectedTitle', { name })));
      const replies = world.slack.replies(CHANNEL, alert.ts).map((reply) => reply.text);
      expect(replies.some((text) => text.startsWith(nl.t('thread.reauthStarted', { user: `<@${FRENCH}>` }).slice(0, 4)))).toBe(true);
    });

    it('an open alert switches language with its channel, and back to the workspace’s', async () => {
      const name = `google_ads 123-456-7890`;
      await command(SPANISH_ADMIN, 'language es');
      await command(FRENCH, 'language nl here');
      await world.dropAndAlert(connectionId);
      const incident = await world.t.app.core.db.prisma.incident.findFirstOrThrow({ where: { connectionId, state: 'open' } });
      const header = () => (world.slack.message(CHANNEL, incident.messageTs!)?.blocks as { text?: { text: string } }[] | undefined)?.[0]?.text?.text;
      // A drop soon after a reconnection reopens the same alert, which is updated in place.
      await waitFor(() => header() === nl.t('alert.title', { name }));
      await command(FRENCH, 'language fr here');
      await waitFor(() => header() === fr.t('alert.title', { name }));
      await command(FRENCH, 'language default here');
      await waitFor(() => header() === es.t('alert.title', { name }));
      await command(FRENCH, 'language nl here');
      await waitFor(() => header() === nl.t('alert.title', { name }));
    });

    it('App Home speaks its viewer’s language', async () => {
      await postSigned(world.t.url, '/slack/events', eventCallback({ type: 'app_home_opened', user: FRENCH, channel: 'D0HOME001', tab: 'home' }));
      await waitFor(() => Boolean(world.slack.homeView(FRENCH)));
      const view = world.slack.homeView(FRENCH)! as unknown as { blocks: { type: string; text?: { text: string } }[] };
      expect(view.blocks[0]!.text!.text).toBe(fr.t('home.title'));
      const row = await world.t.app.core.db.prisma.homeViewer.findUniqueOrThrow({ where: { teamId_userId: { teamId: TEAM, userId: FRENCH } } });
      expect(row.language).toBe('fr');
    });

    it('a page without a flow follows the browser’s Accept-Language, else English', async () => {
      const spanish = await fetch(`${world.t.url}/oauth/start?t=${'x'.repeat(30)}`, { headers: { 'accept-language': 'de-DE, es;q=0.8, en;q=0.5' } });
      expect(spanish.status).toBe(400);
      const html = await spanish.text();
      expect(html).toContain('<html lang="es">');
      expect(html).toContain(escapeHtml(es.t('page.failed')));
      const other = await fetch(`${world.t.url}/oauth/start?t=bad`, { headers: { 'accept-language': 'ja' } });
      expect(await other.text()).toContain('<html lang="en">');
    });
  });
}
