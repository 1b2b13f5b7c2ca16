import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** A local stand-in for the data platform's webhook endpoint: records what arrives, answers as told. */
export interface WebhookReceiver {
  url: string;
  received: { headers: http.IncomingHttpHeaders; body: string }[];
  answerNext(status: number, times?: number): void;
  close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const received: WebhookReceiver['received'] = [];
  const answers: number[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      res.writeHead(answers.shift() ?? 204);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/reconnect`,
    received,
    answerNext: (status, times = 1) => answers.push(...Array<number>(times).fill(status)),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
