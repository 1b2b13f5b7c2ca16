import { loadSecrets, type Secrets } from '../../src/db/credentials';
import type { DatabaseKind } from '../../src/db/database-url';
import { checkNow } from '../../src/domain/probe';
import { probeDepsFromCore } from '../../src/app';
import { adminRequest, postIngest } from '../fakes/ingest-requests';
import { FAKE_SLACK_DEFAULTS, startFakeSlack, type FakeSlack } from '../fakes/fake-slack';
import { fakeSlackEnv } from '../fakes/slack-requests';
import type { IssuedTokens, ProviderSimulator } from '../fakes/providers/simulator';
import { databaseKinds, truncateAll } from './databases';
import { clickReauthorize, consentAndReturn, openLink } from './reauth-driver';
import { startTestApp, type TestApp } from './test-app';
import { waitFor } from './wait';

/**
 * One provider end to end through the real app and its built-in catalog entry, against that provider's
 * simulator reached through PROVIDER_ORIGINS: a colleague who can reach the ad account (or org)
 * reauthorizes it; a person who can't is refused and the unused grant is revoked where the provider
 * allows it; a probe reads the revoked answer as authorization required and the throttled one as transient.
 */

export interface ScenarioPeople {
  /** The account id as an admin enters it for the connection. */
  account: string;
  /** Consented when the connection was created. */
  owner: string;
  /** Another person who can reach the same account. */
  colleague: string;
  /** Someone who can reach other accounts only. */
  outsider: string;
  /** An id of an account the outsider reaches, which the refusal names. */
  outsiderReaches: string;
}

export interface ProviderScenario<S extends ProviderSimulator = ProviderSimulator> {
  provider: string;
  start(): Promise<S>;
  /** Adds the people to the simulator. */
  people(simulator: S): ScenarioPeople;
  /** Tokens for the owner as if they had consented before (defaults to the simulator's). */
  ownerTokens?(simulator: S, owner: string): IssuedTokens;
  options?: Record<string, unknown>;
  /** The route group whose revoked and throttled answers the probe meets. */
  probeGroup: string;
  /** Whether the provider has an endpoint to revoke grants Reconnect doesn't keep. */
  revokes: boolean;
  /** False where the provider's answers don't name the person (Dynamics' discovery service lists orgs only). */
  namesPerson?: boolean;
  /** More environment for the app (settings beyond the simulator's own). */
  env?: Record<string, string>;
}

const TEAM = FAKE_SLACK_DEFAULTS.team.id;
const CHANNEL = 'C0ADS0001';
const SLACK_OWNER = 'U0OWNER01';

/** The app, a fake Slack and one provider simulator, with the steps a person takes. */
export interface ProviderWorld<S extends ProviderSimulator> {
  t: TestApp;
  slack: FakeSlack;
  sim: S;
  /** Creates a connection through the admin API with these tokens; returns its id. */
  connect(provider: string, account: string, tokens: IssuedTokens, options?: Record<string, unknown>): Promise<string>;
  /** The data platform reports the connection broken; resolves once the alert is posted. */
  dropAndAlert(connectionId: string): Promise<void>;
  /** Reports a drop, clicks Reauthorize in Slack, and consents at the simulator as this person. */
  reauthorizeAs(connectionId: string, personId: string): Promise<{ status: number; html: string; authorizeUrl: URL }>;
  secrets(connectionId: string, provider: string): Promise<Secrets>;
  credential(connectionId: string): Promise<{ signedInAs: string | null; hardExpiresAt: Date | null; hardExpiryKind: string | null }>;
  probe(connectionId: string): ReturnType<typeof checkNow>;
  stop(): Promise<void>;
}

export async function startProviderWorld<S extends ProviderSimulator>(kind: DatabaseKind, sim: S, env: Record<string, string> = {}): Promise<ProviderWorld<S>> {
  const slack = await startFakeSlack({ users: [{ id: SLACK_OWNER, name: 'owner' }] });
  const t = await startTestApp(kind, { ...fakeSlackEnv(slack), ...sim.env(), ...env });
  const prisma = () => t.app.core.db.prisma;
  const world: ProviderWorld<S> = {
    t,
    slack,
    sim,
    async connect(provider, account, tokens, options = {}) {
      const created = await adminRequest(t.url, 'POST', '/api/v1/connections', {
        teamId: TEAM,
        provider,
        name: `${provider} ${account}`,
        externalAccountId: account,
        channelId: CHANNEL,
        owners: [SLACK_OWNER],
        options,
        credentials: { accessToken: tokens.accessToken, ...(tokens.refreshToken ? { refreshToken: tokens.refreshToken } : {}) },
      });
      if (created.status !== 201) throw new Error(`connection not created: ${created.status} ${JSON.stringify(created.json)}`);
      return created.json.id as string;
    },
    async dropAndAlert(connectionId) {
      await postIngest(t.url, { eventId: `drop-${connectionId}-${Date.now()}`, connectionId, status: 'authorization_required', reason: 'token_revoked', occurredAt: new Date().toISOString() });
      await waitFor(async () => Boolean((await prisma().incident.findFirst({ where: { connectionId, state: 'open' } }))?.messageTs));
    },
    async reauthorizeAs(connectionId, personId) {
      await world.dropAndAlert(connectionId);
      sim.signInAs(personId);
      const opened = await openLink(await clickReauthorize(t, slack, { connectionId, channelId: CHANNEL, userId: SLACK_OWNER }));
      const authorizeUrl = new URL(opened.location!);
      return { ...(await consentAndReturn(opened)), authorizeUrl };
    },
    async secrets(connectionId, provider) {
      return (await loadSecrets(prisma(), t.app.core.keyRing, { id: connectionId, provider }))!.secrets;
    },
    credential: (connectionId) =>
      prisma().credential.findUniqueOrThrow({ where: { connectionId }, select: { signedInAs: true, hardExpiresAt: true, hardExpiryKind: true } }),
    probe: (connectionId) => checkNow(probeDepsFromCore(t.app.core), connectionId),
    async stop() {
      await t.stop();
      await Promise.all([slack.close(), sim.close()]);
    },
  };
  return world;
}

export function describeProviderEndToEnd<S extends ProviderSimulator>(scenario: ProviderScenario<S>): void {
  for (const { kind, skip } of databaseKinds()) {
    (skip ? describe.skip : describe)(`${scenario.provider} end to end through its simulator [${kind}]`, () => {
      let world: ProviderWorld<S>;
      let sim: S;
      let people: ScenarioPeople;
      let connectionId: string;
      let original: IssuedTokens;

      beforeAll(async () => {
        sim = await scenario.start();
        people = scenario.people(sim);
        world = await startProviderWorld(kind, sim, scenario.env);
      });
      afterAll(() => world.stop());
      beforeEach(async () => {
        await truncateAll(world.t.app.core.db);
        world.slack.reset();
        sim.clearFaults();
        sim.revoked.length = 0;
        original = scenario.ownerTokens ? scenario.ownerTokens(sim, people.owner) : sim.issueTokens(people.owner);
        connectionId = await world.connect(scenario.provider, people.account, original, scenario.options);
      });

      const status = async () => (await world.t.app.core.db.prisma.connection.findUniqueOrThrow({ where: { id: connectionId } })).status;

      it("a colleague who can reach the same account reauthorizes it: connected, their tokens stored, the replaced grant ended where that ends only it", async () => {
        const page = await world.reauthorizeAs(connectionId, people.colleague);

        expect(page.authorizeUrl.origin).toBe(sim.origin);
        expect(page.status).toBe(200);
        expect(page.html).toContain('is reconnected');
        expect(await status()).toBe('connected');
        const secrets = await world.secrets(connectionId, scenario.provider);
        expect(secrets.accessToken).not.toBe(original.accessToken);
        expect(sim.tokens.get(secrets.accessToken!)?.userId).toBe(people.colleague);
        expect(sim.live(secrets.accessToken, 'access')).toBeDefined();
        expect((await world.credential(connectionId)).signedInAs).toBe(scenario.namesPerson === false ? null : people.colleague);
        // Salesforce, LinkedIn and HubSpot revoke one token: the owner's replaced grant is ended. Google's
        // revocation ends a person's whole grant, and Meta and Microsoft have none: nothing is revoked there.
        const revoke = world.t.app.core.catalog.require(scenario.provider);
        const endsOneToken = revoke.auth.type === 'oauth2' && revoke.auth.revoke?.ends === 'token';
        expect(sim.revoked).toEqual(endsOneToken ? [original.refreshToken ?? original.accessToken] : []);
      });

      it("a person who can't reach the account is refused, told what they can reach, and the unused grant is revoked", async () => {
        const page = await world.reauthorizeAs(connectionId, people.outsider);

        expect(page.status).toBe(400);
        expect(page.html).toContain(people.account);
        expect(page.html).toContain(people.outsiderReaches);
        expect(await world.secrets(connectionId, scenario.provider)).toMatchObject({ accessToken: original.accessToken });
        expect(await status()).toBe('authorization_required');
        if (scenario.revokes) {
          expect(sim.revoked).toHaveLength(1);
          expect(sim.tokens.get(sim.revoked[0]!)?.userId).toBe(people.outsider);
        } else {
          expect(sim.revoked).toEqual([]);
        }
        await waitFor(() => world.slack.callsTo('chat.postMessage').some((call) => String(call.args.text).includes("couldn't reauthorize")));
      });

      it('a probe reads a throttled answer as transient and a revoked one as authorization required, with one alert', async () => {
        sim.fail(scenario.probeGroup, 'throttled');
        const throttled = await world.probe(connectionId);
        expect(throttled.result).toBe('transient');
        expect(throttled.connection.status).toBe('connected');

        sim.fail(scenario.probeGroup, 'revoked');
        const revoked = await world.probe(connectionId);
        expect(revoked.result).toBe('needs_reauth');
        expect(revoked.connection.status).toBe('authorization_required');
        await waitFor(() => world.slack.callsTo('chat.postMessage').length === 1);

        expect((await world.probe(connectionId)).result).toBe('ok');
      });
    });
  }
}
