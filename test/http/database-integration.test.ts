import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { createConnection, type Connection } from 'mysql2/promise';
import { databaseKinds, truncateAll } from '../support/databases';
import { FAKE_SLACK_DEFAULTS, startFakeSlack, type FakeSlack } from '../fakes/fake-slack';
import { adminRequest } from '../fakes/ingest-requests';
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
      // The test server runs on this machine, which the app dials only when allowed to.
      t = await startTestApp(kind, { ...fakeSlackEnv(slack), DATA_PLATFORM_KEYS: `pipeline:${KEY}`, DATABASE_CONNECT_HOSTS: host });
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

for (const { kind, skip } of databaseKinds()) {
  (skip ? describe.skip : describe)(`the database form refuses hosts the server doesn't dial [${kind}]`, () => {
    let slack: FakeSlack;
    let t: TestApp;
    let service: net.Server;
    let port: number;
    let accepted = 0;

    beforeAll(async () => {
      // A service on the app's own machine that a connect link's holder shouldn't be able to reach.
      service = net.createServer((socket) => {
        accepted += 1;
        socket.destroy();
      });
      await new Promise<void>((resolve) => service.listen(0, '127.0.0.1', resolve));
      port = (service.address() as net.AddressInfo).port;
      slack = await startFakeSlack({ users: [{ id: PERSON, name: 'analyst' }] });
      t = await startTestApp(kind, fakeSlackEnv(slack));
    });
    afterAll(async () => {
      await t?.stop();
      await slack?.close();
      await new Promise((resolve) => service.close(resolve));
    });

    it('127.0.0.1 and a name resolving to loopback: a clear error on the form, nothing dialled, nothing stored', async () => {
      const before = slack.callsTo('response_url').length;
      await postSigned(t.url, '/slack/events', slashCommand({ text: 'connect postgresql Internal', response_url: slack.responseUrl(), channel_id: CHANNEL, user_id: PERSON }));
      const answer = String((await slack.waitForCalls('response_url', before + 1)).at(-1)!.args.text);
      const form = await openLink(/<(http[^|>]+)\|/.exec(answer)![1]!);
      expect(form.status).toBe(200);
      const field = (name: string) => new RegExp(`name="${name}" value="([^"]+)"`).exec(form.body)![1]!;
      const submit = (host: string) =>
        fetch(`${t.url}/oauth/api-key`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: form.cookie },
          body: new URLSearchParams({ flow: field('flow'), csrf: field('csrf'), host, port: String(port), database: 'app', user: 'app', password: 'secret-password-1', tls: 'disable' }).toString(),
        });

      const loopback = await submit('127.0.0.1');
      expect(loopback.status).toBe(400);
      const html = await loopback.text();
      expect(html).toContain('connect to 127.0.0.1, a loopback address');
      expect(html).toContain('DATABASE_CONNECT_HOSTS');
      expect(html).not.toContain('secret-password-1');

      const named = await submit('localhost');
      expect(named.status).toBe(400);
      expect(await named.text()).toMatch(/connect to localhost, which resolves to (127\.0\.0\.1|::1), a loopback address/);

      expect(accepted).toBe(0);
      expect(await t.app.core.db.prisma.connection.count()).toBe(0);
      expect(await t.app.core.db.prisma.credential.count()).toBe(0);
    });

    it('a stored connection whose host is not allowed (any more) is not probed, nor alerted on', async () => {
      const created = await adminRequest(t.url, 'POST', '/api/v1/connections', {
        teamId: FAKE_SLACK_DEFAULTS.team.id,
        provider: 'postgresql',
        name: 'Registered by an admin',
        externalAccountId: `127.0.0.1:${port}/app`,
        channelId: CHANNEL,
        credentials: { fields: { host: '127.0.0.1', port: String(port), database: 'app', user: 'app', password: 'secret-password-1', tls: 'disable' } },
      });
      expect(created.status).toBe(201);
      const probed = await checkNow(probeDepsFromCore(t.app.core), created.json.id as string);
      expect(probed).toMatchObject({ result: 'skipped', detail: expect.stringContaining('127.0.0.1, a loopback address') });
      expect(probed.connection.status).toBe('connected');
      expect(accepted).toBe(0);
    });
  });
}
