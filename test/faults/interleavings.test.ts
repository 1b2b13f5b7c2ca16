import { databaseKinds } from '../support/databases';
import { adminRequest } from '../fakes/ingest-requests';
import { startReplicaPair, TEST_SECRETS, type TestApp } from '../support/test-app';
import { startFakeSlack, type FakeSlack } from '../fakes/fake-slack';
import { fakeSlackEnv } from '../fakes/slack-requests';
import { runInterleaving } from '../support/interleavings';

/**
 * Randomized: many interleavings of drop / recover / counts / degraded events over two replicas, with a
 * slow Slack, 429s and a replica killed mid-post. After each run: one top-level message per incident,
 * showing the incident's final state, no outbox row failed, nothing crossed a workspace. CI runs
 * INTERLEAVING_SEEDS seeds (default 2) per database; `npm run bench` runs more.
 */

const SEEDS = Number(process.env.INTERLEAVING_SEEDS ?? 2);
const TEAMS = ['T0TEAM001', 'T0TEAM002'];

for (const { kind, skip } of databaseKinds()) {
  (skip ? describe.skip : describe)(`randomized delivery over two replicas [${kind}]`, () => {
    let slack: FakeSlack;
    let a: TestApp;
    let b: TestApp;
    let replicas: Awaited<ReturnType<typeof startReplicaPair>>;
    beforeAll(async () => {
      slack = await startFakeSlack();
      const env = { ...fakeSlackEnv(slack), OUTBOX_POLL_MS: '50', OUTBOX_LEASE_MS: '2000' };
      replicas = await startReplicaPair(kind, env);
      ({ a, b } = replicas);
    });
    afterAll(async () => {
      await replicas.stop();
      await slack.close();
    });

    for (let seed = 1; seed <= SEEDS; seed += 1) {
      it(`seed ${seed}: every invariant holds`, async () => {
        const connections = [];
        for (const [index, teamId] of [...TEAMS, ...TEAMS].entries()) {
          const channelId = `C0S${seed}T${TEAMS.indexOf(teamId)}`;
          const created = await adminRequest(a.url, 'POST', '/api/v1/connections', {
            teamId,
            provider: index % 2 === 0 ? 'google_ads' : 'hubspot',
            name: `Seed ${seed} connection ${index}`,
            externalAccountId: `seed-${seed}-${index}`,
            channelId,
            options: { autotagging: true },
          });
          connections.push({ id: created.json.id as string, teamId, channelId });
        }
        const result = await runInterleaving({ seed, replicas: [a, b], slack, ingestSecret: TEST_SECRETS.ingest, connections });
        expect(result.violations).toEqual([]);
      }, 90_000);
    }
  });
}
