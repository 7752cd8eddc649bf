import type { AppServices } from './context';
import { jobDuration, jobRuns } from './metrics';

export interface Job {
  name: string;
  /** Does the work due at `now`; must be safe to run again (idempotent). */
  run(app: AppServices, now: Date): Promise<void>;
}

const jobs: Job[] = [];

/** Modules register time-driven work here (expiry, missed shifts, escalation, event retention). */
export function registerJob(job: Job): void {
  if (!jobs.some((j) => j.name === job.name)) jobs.push(job);
}

/**
 * Runs registered jobs on an interval. Each job holds a session advisory lock
 * while it runs, so with several server processes only one does the work.
 */
export class Scheduler {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;

  constructor(
    private readonly app: AppServices,
    private readonly now: () => Date,
  ) {}

  start(intervalMs: number): void {
    this.timer = setInterval(() => void this.runAll().catch((err) => this.app.log.error({ err }, 'scheduled job failed')), intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running?.catch(() => {});
  }

  /** Runs every job once, now; tests call this after moving the clock. */
  runAll(): Promise<void> {
    this.running ??= this.runJobs().finally(() => (this.running = null));
    return this.running;
  }

  private async runJobs(): Promise<void> {
    for (const job of jobs) {
      const runner = this.app.db.createQueryRunner();
      try {
        await runner.connect();
        const [{ locked }] = await runner.query('SELECT pg_try_advisory_lock(hashtext($1)) AS locked', [`job:${job.name}`]);
        if (!locked) {
          jobRuns.inc({ job: job.name, outcome: 'skipped' });
          continue;
        }
        const timer = jobDuration.startTimer({ job: job.name });
        try {
          await job.run(this.app, this.now());
          jobRuns.inc({ job: job.name, outcome: 'ok' });
        } catch (err) {
          jobRuns.inc({ job: job.name, outcome: 'failed' });
          throw err;
        } finally {
          timer();
          await runner.query('SELECT pg_advisory_unlock(hashtext($1))', [`job:${job.name}`]);
        }
      } catch (err) {
        this.app.log.error({ err, job: job.name }, 'scheduled job failed');
      } finally {
        await runner.release();
      }
    }
  }
}
