import { randomBytes } from 'node:crypto';
import { createConnection, type Connection } from 'mysql2/promise';
import { databaseKinds, truncateAll } from '../support/databases';
import { startFakeSlack, type FakeSlack } from '../fakes/fake-slack';
import { fakeSlackEnv, postSigned, slashCommand } from '../fakes/slack-requests';
import { startTestApp, type TestApp } from '../support/test-app';
import { clickReauthorize, openLink } from '../support/reauth-driver';
import { mysqlSkipReason, mysqlUrl } from '../support/mariadb';
import { waitFor } from '../support/wait';
import { checkNow } from '../../src/domain/probe';
import { probeDepsFromCore } from '../../src/app';

/**
 * A database integration against the MariaDB server this machine runs: connected from Slack with its
 * account details, checked by really logging in; a password change drops it to authorization required
 * on the next probe, and the form with the new password reconnects it.
 */

const KEY = 'pipeline-key-0123456789abcdef0123456789';
const CHANNEL = 'C0WAREHS1';
const PERSON = 'U0ANALYST';
const NAME = `rc_e2e_${process.pid}_${randomBytes(3).toString('hex')}`;
const mysqlSkip = mysqlSkipReason();

for (const { kind, skip } of databaseKinds()) {
  const reason = skip ?? mysqlSkip;
  (reason ? describe.skip : describe)(`a MySQL/MariaDB integration end to end [${kind}]`, () => {
    let admin: Connection;
    let slack: FakeSlack;
    let t: TestApp;
    const host = mysqlUrl.hostname;
    const port = String(Number(mysqlUrl.port || 3306));
    const database = `${NAME}_${kind}`.slice(0, 60);
    const account = `'${database}'@'${host}'`;
    const firstPassword = `first-${randomBytes(8).toString('hex')}`;
    const newPassword = `second-${randomBytes(8).toString('hex')}`;

    beforeAll(async () => {
      admin = await createConnection({ uri: mysqlUrl.toString() });
      await admin.query(`DROP USER IF EXISTS ${account}`);
      await admin.query(`CREATE DATABASE IF NOT EXISTS \`${database}\``);
      await admin.query(`CREATE USER ${account} IDENTIFIED BY ?`, [firstPassword]);
      await admin.query(`GRANT SELECT ON \`${database}\`.* TO ${account}`);
      slack = await startFakeSlack({ users: [{ id: PERSON, name: 'analyst' }] });
      t = await startTestApp(kind, { ...fakeSlackEnv(slack), DATA_PLATFORM_KEYS: `pipeline:${KEY}` });
    });
    afterAll(async () => {
      await t?.stop();
      await slack?.close();
      if (!admin) return;
      await admin.query(`DROP USER IF EXISTS ${account}`);
      await admin.query(`DROP DATABASE IF EXISTS \`${database}\``);
      await admin.end();
    });
    beforeEach(async () => {
      await truncateAll(t.app.core.db);
      slack.reset();
    });

    const details = (password: string) => ({ host, port, database, user: database, password, tls: 'disable' });
    const field = (html: string, name: string) => new RegExp(`name="${name}" value="([^"]+)"`).exec(html)?.[1];
    const submit = (html: string, cookie: string, values: Record<string, string>) =>
      fetch(`${t.url}/oauth/api-key`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
        body: new URLSearchParams({ flow: field(html, 'flow')!, csrf: field(html, 'csrf')!, ...values }).toString(),
      });

    it('connect with the form (a wrong password is refused, storing nothing) → password changed → probe alerts → the new password reconnects', async () => {
      const before = slack.callsTo('response_url').length;
      await postSigned(t.url, '/slack/events', slashCommand({ text: 'connect mysql Warehouse', response_url: slack.responseUrl(), channel_id: CHANNEL, user_id: PERSON }));
      const answer = String((await slack.waitForCalls('response_url', before + 1)).at(-1)!.args.text);
      const form = await openLink(/<(http[^|>]+)\|/.exec(answer)![1]!);
      expect(form.status).toBe(200);
      expect(form.body).toContain('Connect MySQL / MariaDB database');
      expect(field(form.body, 'port')).toBe('3306');

      const wrong = await submit(form.body, form.cookie, details('not-the-password'));
      expect(wrong.status).toBe(400);
      const wrongHtml = await wrong.text();
      expect(wrongHtml).toContain('did not accept these details');
      expect(wrongHtml).not.toContain('not-the-password');
      expect(await t.app.core.db.prisma.connection.count()).toBe(0);

      const right = await submit(form.body, form.cookie, details(firstPassword));
      expect(right.status).toBe(200);
      expect(await right.text()).toContain('Warehouse is connected');
      const connection = await t.app.core.db.prisma.connection.findFirstOrThrow();
      expect(connection).toMatchObject({ provider: 'mysql', kind: 'integration', externalAccountId: `${host}:${port}/${database}`, channelId: CHANNEL });
      const read = await fetch(`${t.url}/api/v1/connections/${connection.id}/access-token`, { method: 'POST', headers: { authorization: `Bearer ${KEY}` } });
      expect(await read.json()).toEqual({ credentials: details(firstPassword) });

      await admin.query(`ALTER USER ${account} IDENTIFIED BY ?`, [newPassword]);
      const probed = await checkNow(probeDepsFromCore(t.app.core), connection.id);
      expect(probed.result).toBe('needs_reauth');
      expect(probed.connection.status).toBe('authorization_required');
      await waitFor(() => slack.callsTo('chat.postMessage').some((call) => Array.isArray(call.args.blocks)));
      await waitFor(async () => Boolean((await t.app.core.db.prisma.incident.findFirst())?.messageTs));

      const reauth = await openLink(await clickReauthorize(t, slack, { connectionId: connection.id, channelId: CHANNEL, userId: PERSON }));
      expect(reauth.status).toBe(200);
      expect(field(reauth.body, 'host')).toBe(host);
      expect(reauth.body).not.toContain(firstPassword);
      const fixed = await submit(reauth.body, reauth.cookie, details(newPassword));
      expect(fixed.status).toBe(200);
      expect(await fixed.text()).toContain('Warehouse is reconnected');
      expect((await t.app.core.db.prisma.connection.findUniqueOrThrow({ where: { id: connection.id } })).status).toBe('connected');
      expect((await checkNow(probeDepsFromCore(t.app.core), connection.id)).result).toBe('ok');
    });
  });
}
