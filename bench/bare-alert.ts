import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebClient, LogLevel } from '@slack/web-api';
import { lightFetch } from '../src/oauth/http-client';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, verifySignature } from '../src/lib/signature';
import { startChildServer } from './child-server';

/**
 * Row 1's yardstick: the least an alert can cost on this machine. A process of its own answers each
 * signed event the way Reconnect's ingest route does (checks the signature, parses the JSON, answers 202)
 * and posts one message for it with Slack's WebClient through the app's own fetch, with no database and
 * no message to build. What the same events cost Reconnect beyond this is Reconnect's own work; CPU time
 * is what differs most between machines, and this shows how much of it the machine charges for the
 * least any alert needs.
 */

export interface BareAlert {
  url: string;
  /** CPU time of its process so far (user + system), in ms. */
  cpuMs(): Promise<number>;
  close(): Promise<void>;
}

interface BareAlertOptions {
  ingestSecret: string;
  botToken: string;
  slackApiUrl: string;
}

/** Each event's `connectionId` is the channel its message goes to: there is no database to look it up in. */
export async function startBareAlert(options: BareAlertOptions): Promise<BareAlert> {
  const server = await startChildServer(__filename, options, 'the bare alert server');
  return {
    url: server.url,
    cpuMs() {
      return new Promise((resolve) => {
        server.child.once('message', (message: { cpuMs: number }) => resolve(message.cpuMs));
        server.child.send('cpu');
      });
    },
    close: () => server.close(),
  };
}

if (require.main === module) {
  process.on('disconnect', () => process.exit(0));
  process.once('message', (options: BareAlertOptions) => {
    const slack = new WebClient(options.botToken, { slackApiUrl: options.slackApiUrl, retryConfig: { retries: 0 }, logLevel: LogLevel.ERROR, fetch: lightFetch as typeof fetch });
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        const headers = { timestamp: req.headers[TIMESTAMP_HEADER] as string | undefined, signature: req.headers[SIGNATURE_HEADER] as string | undefined };
        if (verifySignature(options.ingestSecret, headers, body, new Date())) {
          res.writeHead(401).end();
          return;
        }
        const event = JSON.parse(body.toString('utf8')) as { connectionId: string; status: string };
        res.writeHead(202, { 'content-type': 'application/json' }).end('{"accepted":true}');
        void slack.chat.postMessage({ channel: event.connectionId, text: `Connection ${event.status}` });
      });
    });
    server.listen(0, '127.0.0.1', () => {
      process.send!({ port: (server.address() as AddressInfo).port });
      process.on('message', (message) => {
        if (message !== 'cpu') return;
        const usage = process.cpuUsage();
        process.send!({ cpuMs: (usage.user + usage.system) / 1000 });
      });
    });
  });
}
