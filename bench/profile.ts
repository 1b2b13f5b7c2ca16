import { Session } from 'node:inspector/promises';

/**
 * Where the app's CPU goes during a piece of work: V8's sampling profiler (the one behind `--cpu-prof`),
 * started and stopped around it through the inspector, and its self time summed by who owns the code.
 * A native function (better-sqlite3's `prepare`, a socket write) is charged to the nearest caller that
 * has a source file, so the driver a statement went through carries its cost.
 */

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileShare {
  owner: string;
  ms: number;
}

export async function profiled<T>(work: () => Promise<T>): Promise<{ result: T; shares: ProfileShare[]; busyMs: number }> {
  const session = new Session();
  session.connect();
  try {
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 500 });
    await session.post('Profiler.start');
    const result = await work();
    const { profile } = (await session.post('Profiler.stop')) as { profile: Profile };
    return { result, ...summarize(profile) };
  } finally {
    session.disconnect();
  }
}

const OWNERS: [RegExp, string][] = [
  [/query_compiler|\.wasm|^wasm:/, 'Prisma query compiler (WebAssembly)'],
  [/node_modules\/@prisma\/client\//, 'Prisma client'],
  [/node_modules\/@prisma\/adapter-/, 'Prisma driver adapter'],
  [/node_modules\/better-sqlite3\//, 'better-sqlite3'],
  [/node_modules\/(pg|pg-protocol|pg-types|pg-pool)\//, 'pg driver'],
  [/node_modules\/@slack\//, 'Slack SDK (Bolt)'],
  [/node_modules\/(intl-messageformat|@formatjs)\//, 'FormatJS messages'],
  [/node_modules\/(zod)\//, 'zod'],
  [/node_modules\/(pino|pino-std-serializers|sonic-boom|thread-stream)\//, 'pino logging'],
  [/node_modules\/(prom-client|tdigest|bintrees)\//, 'prom-client metrics'],
  [/node_modules\/(oauth4webapi)\//, 'oauth4webapi'],
  [/src\/generated\//, 'Prisma client'],
];

const PROFILER = 'the profiler';

function ownerOf(url: string): string | null {
  if (url === '') return null;
  if (url === 'node:inspector' || url === 'node:inspector/promises') return PROFILER;
  for (const [pattern, owner] of OWNERS) if (pattern.test(url)) return owner;
  const ours = /\/src\/([^/]+)\//.exec(url);
  if (ours) return `Reconnect src/${ours[1]}`;
  const dependency = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (dependency) return dependency[1]!;
  if (url.startsWith('node:')) return 'Node core (HTTP, sockets, crypto, timers)';
  return 'other';
}

const VM_FRAMES: Record<string, string> = { '(garbage collector)': 'garbage collection', '(program)': 'V8 and native code', '(root)': 'V8 and native code' };

function summarize(profile: Profile): { shares: ProfileShare[]; busyMs: number } {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
  const owners = new Map<number, string | null>();
  const owner = (id: number): string | null => {
    if (owners.has(id)) return owners.get(id)!;
    const node = byId.get(id)!;
    const own = VM_FRAMES[node.callFrame.functionName] ?? ownerOf(node.callFrame.url);
    const parent = parentOf.get(id);
    const found = own ?? (parent === undefined ? null : owner(parent));
    owners.set(id, found);
    return found;
  };
  const totals = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    if (byId.get(id)!.callFrame.functionName === '(idle)') return;
    const who = owner(id) ?? 'V8 and native code';
    // The profiler's own work, posting the samples through the inspector, is not the app's.
    if (who === PROFILER) return;
    totals.set(who, (totals.get(who) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  });
  const shares = [...totals].map(([who, ms]) => ({ owner: who, ms })).sort((a, b) => b.ms - a.ms);
  return { shares, busyMs: shares.reduce((sum, share) => sum + share.ms, 0) };
}
