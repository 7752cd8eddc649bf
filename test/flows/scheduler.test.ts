import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { createLogger } from '../../src/shared/logger';
import type { AppServices } from '../../src/shared/context';
import { Scheduler, registerJob } from '../../src/shared/scheduler';
import { jobDuration, jobRuns } from '../../src/shared/metrics';
import { openTestDataSource, type TestDatabase } from '../support/server';

/**
 * The scheduler on a real PostgreSQL, without the rest of the server: each
 * job runs under its advisory lock, so of several processes only one does
 * the work; a failing job neither stops the others nor keeps its lock.
 */

let database: TestDatabase;
let db: DataSource;
let closeDatabase: (() => Promise<void>) | undefined;
let side: Client;
let app: AppServices;
const now = new Date('2026-06-01T00:00:00Z');

/** What each job did, by name; a job acts only while its test has it in `armed`. */
const runs: { name: string; at: Date }[] = [];
const armed = new Set<string>();
const failing = new Set<string>();
/** What the scheduler logged as errors: an operator learns of a failed job only from this. */
const loggedErrors: { fields: Record<string, unknown>; message: string }[] = [];

function job(name: string, work: () => Promise<void> = async () => {}) {
  registerJob({
    name,
    async run(_app, at) {
      if (!armed.has(name)) return;
      runs.push({ name, at });
      await work();
      if (failing.has(name)) throw new Error(`${name} failed`);
    },
  });
}

beforeAll(async () => {
  ({ database, db, close: closeDatabase } = await openTestDataSource(4));
  side = new Client({ connectionString: database.url });
  await side.connect();
  const log = createLogger('silent');
  log.error = ((fields: Record<string, unknown>, message: string) => void loggedErrors.push({ fields, message })) as typeof log.error;
  app = { db, log } as unknown as AppServices;
}, 60_000);
afterAll(async () => {
  await side?.end();
  await closeDatabase?.();
});
beforeEach(() => {
  runs.length = 0;
  armed.clear();
  failing.clear();
  loggedErrors.length = 0;
});

/** 1 when another session holds the job's lock, else 0 (asked by trying to take it from a second session). */
const lockHolders = async (name: string): Promise<number> => {
  const { rows } = await side.query('SELECT pg_try_advisory_lock(hashtext($1)) AS taken', [`job:${name}`]);
  if (!rows[0].taken) return 1;
  await side.query('SELECT pg_advisory_unlock(hashtext($1))', [`job:${name}`]);
  return 0;
};

/** How often the job ended with this outcome, as /metrics reports it. */
const outcomes = async (name: string): Promise<Record<string, number>> => {
  const { values } = await jobRuns.get();
  return Object.fromEntries(values.filter((v) => v.labels.job === name).map((v) => [String(v.labels.outcome), v.value]));
};
const timedRuns = async (name: string): Promise<number> => {
  const { values } = await jobDuration.get();
  return values.find((v) => v.labels.job === name && (v as { metricName?: string }).metricName === 'gongzhi_scheduler_job_duration_seconds_count')?.value ?? 0;
};

describe('scheduler', () => {
  test('given registered jobs, when run, then each runs once with the scheduler clock and holds no lock afterwards', async () => {
    job('alpha');
    job('beta');
    armed.add('alpha').add('beta');
    await new Scheduler(app, () => now).runAll();
    expect(runs).toEqual([{ name: 'alpha', at: now }, { name: 'beta', at: now }]);
    expect(await lockHolders('alpha')).toBe(0);
    expect(await lockHolders('beta')).toBe(0);
  });

  test('given the same job registered twice, when run, then it runs once', async () => {
    job('twice');
    job('twice');
    armed.add('twice');
    await new Scheduler(app, () => now).runAll();
    expect(runs.map((r) => r.name)).toEqual(['twice']);
  });

  test('given another process holding a job\'s lock, when run, then that job is skipped and the others still run', async () => {
    job('held');
    job('free');
    armed.add('held').add('free');
    await side.query(`SELECT pg_advisory_lock(hashtext('job:held'))`);
    try {
      await new Scheduler(app, () => now).runAll();
    } finally {
      await side.query(`SELECT pg_advisory_unlock(hashtext('job:held'))`);
    }
    expect(runs.map((r) => r.name)).toEqual(['free']);
    expect(await outcomes('held')).toEqual({ skipped: 1 });
    expect(await outcomes('free')).toEqual({ ok: 1 });
    expect([await timedRuns('held'), await timedRuns('free')]).toEqual([0, 1]);
  });

  test('given a failing job, when run, then the next job still runs and the failed one releases its lock and runs again next time', async () => {
    job('flaky');
    job('after-flaky');
    armed.add('flaky').add('after-flaky');
    failing.add('flaky');
    const scheduler = new Scheduler(app, () => now);
    await scheduler.runAll();
    expect(runs.map((r) => r.name)).toEqual(['flaky', 'after-flaky']);
    expect(await lockHolders('flaky')).toBe(0);
    expect(await outcomes('flaky')).toEqual({ failed: 1 });
    expect(loggedErrors.filter((e) => e.fields.job === 'flaky')).toEqual([{ fields: { err: new Error('flaky failed'), job: 'flaky' }, message: 'scheduled job failed' }]);

    failing.clear();
    runs.length = 0;
    await scheduler.runAll();
    expect(runs.map((r) => r.name)).toEqual(['flaky', 'after-flaky']);
  });

  test('given a run under way, when asked to run again, then both wait for the one run', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    job('slow', () => gate);
    armed.add('slow');
    const scheduler = new Scheduler(app, () => now);
    const first = scheduler.runAll();
    const second = scheduler.runAll();
    // Jobs of other modules registered at import run first; wait until this one has started, however long they take.
    const until = Date.now() + 10_000;
    while (runs.length === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
    // While it runs, the lock is held: a second process would skip it.
    expect(await lockHolders('slow')).toBe(1);
    release();
    await Promise.all([first, second]);
    expect(runs.map((r) => r.name)).toEqual(['slow']);
    await scheduler.runAll();
    expect(runs.map((r) => r.name)).toEqual(['slow', 'slow']);
  });

  test('given a scheduler that never ran, when stopped, then it stops at once', async () => {
    await expect(new Scheduler(app, () => now).stop()).resolves.toBeUndefined();
  });

  test('given a started scheduler, when stopped during a run, then stop waits for the run and no run follows', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    job('ticking', () => gate);
    armed.add('ticking');
    const scheduler = new Scheduler(app, () => now);
    scheduler.start(50);
    const until = Date.now() + 3_000;
    while (runs.length === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
    expect(runs.map((r) => r.name)).toEqual(['ticking']);

    let stopped = false;
    const stopping = scheduler.stop().then(() => (stopped = true));
    await new Promise((r) => setTimeout(r, 100));
    const stoppedWhileRunning = stopped;
    release();
    await stopping;
    const count = runs.length;
    await new Promise((r) => setTimeout(r, 200));

    expect(stoppedWhileRunning).toBe(false);
    expect(runs.length).toBe(count);
  });
});
