import { fork, type ChildProcess } from 'node:child_process';

/**
 * A yardstick server in a process of its own (bench/bare-bolt.ts, bench/bare-alert.ts): started with
 * `options` over IPC rather than argv, as they hold a secret, and ready once it has said its port.
 */
export interface ChildServer {
  child: ChildProcess;
  url: string;
  close(): Promise<void>;
}

export async function startChildServer(file: string, options: object, what: string): Promise<ChildServer> {
  const child = fork(file, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (message: { port: number }) => resolve(message.port));
    child.once('exit', (code) => reject(new Error(`${what} exited (${code}) before it listened`)));
    child.send(options);
  });
  return {
    child,
    url: `http://127.0.0.1:${port}`,
    async close() {
      child.kill();
      await exited;
    },
  };
}
