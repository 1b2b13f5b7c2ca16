import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, LogLevel } from '@slack/bolt';
import { startChildServer } from './child-server';

/**
 * The click scenario's yardstick: Bolt's own example of a listener (the default HTTPReceiver and one
 * action that only acks), in a process of its own. In Reconnect's process it would share the event loop
 * with the work Reconnect does after each ack, and be slowed by it: the comparison would flatter Reconnect.
 */

export interface BareBolt {
  url: string;
  close(): Promise<void>;
}

interface BareBoltOptions {
  signingSecret: string;
  botToken: string;
  slackApiUrl: string;
}

export function startBareBolt(options: BareBoltOptions): Promise<BareBolt> {
  return startChildServer(__filename, options, 'the bare Bolt app');
}

if (require.main === module) {
  process.on('disconnect', () => process.exit(0));
  process.once('message', async (options: BareBoltOptions) => {
    const app = new App({
      signingSecret: options.signingSecret,
      token: options.botToken,
      tokenVerificationEnabled: false,
      clientOptions: { slackApiUrl: options.slackApiUrl },
      logLevel: LogLevel.ERROR,
    });
    app.action('acknowledge', async ({ ack }) => {
      await ack();
    });
    const server = (await app.start({ port: 0, host: '127.0.0.1' })) as http.Server;
    process.send!({ port: (server.address() as AddressInfo).port });
  });
}
