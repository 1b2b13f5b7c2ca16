import type { Prisma } from '../db/client';
import { assertMigrated } from '../db/migrate';
import type { Metrics } from '../lib/metrics';
import { sendJson, type Router } from './router';

export interface HealthDeps {
  prisma: Prisma;
  metrics: Metrics;
  /** Null when ready, else what is missing (shown on /readyz). */
  notReadyBecause: () => string | null;
}

export function mountHealth(router: Router, deps: HealthDeps): void {
  router.add('GET', '/healthz', ({ res }) => sendJson(res, 200, { status: 'ok' }));

  router.add('GET', '/readyz', async ({ res }) => {
    const problems: string[] = [];
    try {
      await assertMigrated(deps.prisma);
    } catch {
      problems.push('database unreachable or migrations not applied');
    }
    const why = deps.notReadyBecause();
    if (why) problems.push(why);
    sendJson(res, problems.length ? 503 : 200, problems.length ? { status: 'not_ready', problems } : { status: 'ready' });
  });

  router.add('GET', '/metrics', async ({ res }) => {
    const text = await deps.metrics.render();
    res.writeHead(200, { 'content-type': deps.metrics.contentType });
    res.end(text);
  });
}
