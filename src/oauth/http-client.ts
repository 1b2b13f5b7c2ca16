import http from 'node:http';
import https from 'node:https';

/**
 * A minimal `fetch` for the token endpoint, on node:http with keep-alive. The probe sweep refreshes a token
 * per connection, and undici's fetch spends about 0.4 ms of CPU per call on WHATWG streams, a third of a
 * probe; this costs about a third of that. It follows no redirects (oauth4webapi asks for none), buffers
 * the answer, and fails the way fetch does, which src/oauth/failures.ts relies on: the signal's reason
 * (a TimeoutError) when aborted, else a TypeError "fetch failed" whose cause has the system error code.
 */

const agents = { 'http:': new http.Agent({ keepAlive: true }), 'https:': new https.Agent({ keepAlive: true }) };

/**
 * A Response whose body is already in memory, read as a string rather than through a WHATWG stream:
 * undici's body streams were a fifth of all a probe allocated. Its body reads any number of times, and
 * clones with it (oauth4webapi reads an error answer's clone).
 */
export class BufferedResponse extends Response {
  constructor(
    private readonly content: Buffer,
    init: ResponseInit,
  ) {
    super(null, init);
  }

  // Fields rather than methods: Node's typings declare Response's body readers as properties.
  override text = async (): Promise<string> => this.content.toString('utf8');

  override json = async (): Promise<unknown> => JSON.parse(this.content.toString('utf8'));

  override arrayBuffer = async (): Promise<ArrayBuffer> => new Uint8Array(this.content).buffer;

  override clone = (): BufferedResponse => new BufferedResponse(this.content, { status: this.status, statusText: this.statusText, headers: this.headers });
}

export interface LightRequest {
  method?: string;
  headers?: ConstructorParameters<typeof Headers>[0];
  body?: string | URLSearchParams | null;
  signal?: AbortSignal | null;
}

export function lightFetch(url: string, init: LightRequest = {}): Promise<Response> {
  const target = new URL(url);
  if (target.protocol !== 'http:' && target.protocol !== 'https:') return Promise.reject(new TypeError('fetch failed'));
  const transport = target.protocol === 'https:' ? https : http;
  const body = init.body == null ? undefined : String(init.body);
  const headers: Record<string, string> = Object.fromEntries(new Headers(init.headers));
  if (body !== undefined && !('content-type' in headers) && init.body instanceof URLSearchParams) {
    headers['content-type'] = 'application/x-www-form-urlencoded;charset=UTF-8';
  }
  const signal = init.signal ?? undefined;
  const failed = (error: unknown) => (signal?.aborted ? signal.reason : Object.assign(new TypeError('fetch failed'), { cause: error }));
  return new Promise((resolve, reject) => {
    const request = transport.request(target, { method: init.method ?? 'GET', headers, agent: agents[target.protocol as 'http:' | 'https:'], signal }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', (error) => reject(failed(error)));
      response.on('end', () => {
        const status = response.statusCode ?? 0;
        if (status < 200 || status > 599) return reject(failed(new Error(`unexpected HTTP status ${status}`)));
        const pairs: [string, string][] = [];
        for (let i = 0; i + 1 < response.rawHeaders.length; i += 2) pairs.push([response.rawHeaders[i]!, response.rawHeaders[i + 1]!]);
        resolve(new BufferedResponse(Buffer.concat(chunks), { status, statusText: response.statusMessage ?? '', headers: pairs }));
      });
    });
    request.on('error', (error) => reject(failed(error)));
    request.end(body);
  });
}
