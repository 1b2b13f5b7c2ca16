import type { FakeSlack } from '../fakes/fake-slack';
import { blockAction, postSigned } from '../fakes/slack-requests';
import type { TestApp } from './test-app';
import { waitFor } from './wait';

/** A person going through reauthorization with a browser: the Slack click, the link, the provider's consent. */

/** Clicks Reauthorize on the incident's alert as `userId` and returns the link from the ephemeral answer. */
export async function clickReauthorize(
  t: TestApp,
  slack: FakeSlack,
  input: {
    connectionId?: string;
    channelId: string;
    userId: string;
    /** Signed at this time (an app on a moved clock). */
    signedAt?: Date;
    /** The message to click in (an expiry warning); by default the alert of the connection's latest incident. */
    messageTs?: string;
  },
): Promise<string> {
  const messageTs =
    input.messageTs ??
    (await t.app.core.db.prisma.incident.findFirstOrThrow({ where: input.connectionId ? { connectionId: input.connectionId } : {}, orderBy: { openedAt: 'desc' } })).messageTs!;
  const before = slack.callsTo('response_url').length;
  const click = blockAction({
    actionId: 'reauthorize',
    message: slack.message(input.channelId, messageTs)!,
    channelId: input.channelId,
    userId: input.userId,
    responseUrl: slack.responseUrl(),
  });
  const answer = await postSigned(t.url, '/slack/events', click, input.signedAt ? { timestamp: Math.floor(input.signedAt.getTime() / 1000) } : {});
  if (answer.status !== 200) throw new Error(`the click was answered ${answer.status}`);
  await waitFor(() => slack.callsTo('response_url').length > before);
  const text = String(slack.callsTo('response_url').at(-1)!.args.text);
  const link = /<(http[^|>]+)\|/.exec(text)?.[1];
  if (!link) throw new Error(`no link in the answer: ${text}`);
  return link;
}

export interface OpenedLink {
  status: number;
  location: string | null;
  /** The flow cookie, as a Cookie header value. */
  cookie: string;
  body: string;
}

/** Opens the link like a browser: the provider URL it redirects to and the flow cookie. */
export async function openLink(link: string): Promise<OpenedLink> {
  const response = await fetch(link, { redirect: 'manual' });
  const cookie = (response.headers.get('set-cookie') ?? '').split(';')[0]!;
  return { status: response.status, location: response.headers.get('location'), cookie, body: await response.text() };
}

/** Follows the provider's authorize URL (its consent answers at once) back to Reconnect's callback page. */
export async function consentAndReturn(opened: OpenedLink): Promise<{ status: number; html: string; cookie: string }> {
  if (opened.status !== 302 || !opened.location) throw new Error(`the link answered ${opened.status}: ${opened.body.slice(0, 300)}`);
  const consent = await fetch(opened.location, { redirect: 'manual' });
  const callback = consent.headers.get('location');
  await consent.body?.cancel();
  if (consent.status !== 302 || !callback) throw new Error(`the provider's authorize endpoint answered ${consent.status} without a redirect`);
  const page = await fetch(callback, { headers: { cookie: opened.cookie } });
  // A page that continues the flow (the account picker) sets a cookie of its own.
  return { status: page.status, html: await page.text(), cookie: (page.headers.get('set-cookie') ?? '').split(';')[0]! };
}
