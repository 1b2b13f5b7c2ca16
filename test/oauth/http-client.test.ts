import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { lightFetch } from '../../src/oauth/http-client';

/** The token endpoint's fetch: what reaches the server, and what comes back, as fetch would give it. */
describe('lightFetch', () => {
  let server: http.Server;
  let base: string;
  const seen: { method?: string; contentType?: string; authorization?: string; body: string }[] = [];

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        seen.push({ method: req.method, contentType: req.headers['content-type'], authorization: req.headers.authorization, body: Buffer.concat(chunks).toString() });
        if (req.url === '/redirect') return void res.writeHead(302, { location: '/elsewhere' }).end();
        if (req.url === '/empty') return void res.writeHead(204).end();
        res.writeHead(200, { 'content-type': 'application/json', 'set-cookie': ['a=1', 'b=2'] }).end('{"access_token":"at"}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it('posts a form with its content type and headers, and returns status, headers and body', async () => {
    const response = await lightFetch(`${base}/token`, {
      method: 'POST',
      headers: { authorization: 'Basic Y2xpZW50OnNlY3JldA==' },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: 'rt' }),
    });
    expect(seen.at(-1)).toEqual({
      method: 'POST',
      contentType: 'application/x-www-form-urlencoded;charset=UTF-8',
      authorization: 'Basic Y2xpZW50OnNlY3JldA==',
      body: 'grant_type=refresh_token&refresh_token=rt',
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(response.headers.get('set-cookie')).toBe('a=1, b=2');
    expect(await response.json()).toEqual({ access_token: 'at' });
  });

  it('does not follow a redirect', async () => {
    const response = await lightFetch(`${base}/redirect`, { method: 'POST', body: 'x' });
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('/elsewhere');
    expect(seen.filter((request) => request.method === 'GET')).toEqual([]);
  });

  it('gives a 204 with no body', async () => {
    const response = await lightFetch(`${base}/empty`);
    expect(response.status).toBe(204);
    expect(response.body).toBeNull();
  });

  it('fails like fetch: the timeout as the signal reason, a refused connection as "fetch failed" with its code', async () => {
    const hanging = http.createServer(() => undefined);
    await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
    const hangingUrl = `http://127.0.0.1:${(hanging.address() as AddressInfo).port}/token`;
    await expect(lightFetch(hangingUrl, { signal: AbortSignal.timeout(100) })).rejects.toMatchObject({ name: 'TimeoutError' });
    hanging.closeAllConnections();
    await new Promise((resolve) => hanging.close(resolve));

    await expect(lightFetch(hangingUrl)).rejects.toMatchObject({ name: 'TypeError', message: 'fetch failed', cause: { code: 'ECONNREFUSED' } });
  });
});
