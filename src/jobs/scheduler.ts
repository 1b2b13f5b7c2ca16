import { createTask, type ScheduledTask } from 'node-cron';
import type { Logger } from '../lib/logger';
import type { DatabaseRunCoordinator } from './run-coordinator';

/**
 * Every scheduled job is `schedule(name, expression, run)` around a `run` function that tests call
 * directly. Fires are coordinated through the database so each runs on one replica only, unless the job
 * shares its work out itself (`everyReplica`: the probe sweep claims its connections a page at a time).
 */
export class Scheduler {
  private readonly tasks: ScheduledTask[] = [];
  private readonly running = new Set<Promise<unknown>>();

  constructor(
    private readonly coordinator: DatabaseRunCoordinator,
    private readonly logger: Logger,
  ) {}

  schedule(name: string, expression: string, run: () => Promise<unknown>, options: { everyReplica?: boolean } = {}): void {
    const task = createTask(
      expression,
      async () => {
        const started = Date.now();
        const work = run();
        this.running.add(work);
        try {
          const result = await work;
          this.logger.debug('job finished', { job: name, ms: Date.now() - started, result });
        } catch (error) {
          this.logger.error('job failed', { job: name, error });
        } finally {
          this.running.delete(work);
        }
      },
      { name, noOverlap: true, unref: true, ...(options.everyReplica ? {} : { distributed: true, runCoordinator: this.coordinator }) },
    );
    this.tasks.push(task);
  }

  start(): void {
    for (const task of this.tasks) void task.start();
  }

  /** Stops new fires and waits for the ones under way, so shutdown never cuts a sweep in half. */
  async stop(): Promise<void> {
    await Promise.all(this.tasks.map((task) => task.stop()));
    await Promise.allSettled([...this.running]);
  }
}
