import { Pool } from 'pg';
import { Logger as WorkerLogger, run, type Runner, type TaskList } from 'graphile-worker';
import type { Config } from '../../shared/config';
import type { Logger } from '../../shared/logger';
import { clock } from '../../shared/clock';
import { ADD_DELIVER_JOBS, DELIVER_TASK, FANOUT_TASK, REDELIVER_TASK, deliver, endpointQueue, fanout, redeliver, type DeliveryDeps } from './webhook.delivery';
import { OutboundGuard } from './webhook.outbound';

const FANOUT_KEY = 'webhook-fanout';
/** How often a process re-checks whether any endpoint is enabled (it wakes the fan-out only then). */
const IN_USE_REFRESH_MS = 5000;
/** Connections for the workers' queries, however many workers (plus three for the fan-out and wake-ups). */
const POOL_MAX_FOR_WORKERS = 16;
/**
 * A fan-out starts at most this often: it wakes each endpoint with new events
 * once, so under a stream of commits an endpoint's job finds a few events
 * instead of one (fewer jobs per delivery), for at most this much latency.
 */
const FANOUT_MIN_INTERVAL_MS = 100;

/**
 * The webhook queue of one process: a graphile-worker runner on a pool of
 * its own (deliveries never take connections from API requests).
 *
 * Why graphile-worker: it is PostgreSQL-native (jobs live next to the data,
 * no other service to run), wakes workers with LISTEN/NOTIFY instead of
 * polling, dedupes jobs by key (N wake-ups of one endpoint make one job),
 * runs the jobs of one named queue one at a time across all processes (one
 * queue per endpoint keeps cursor order), and schedules retries with
 * `run_at`. Order, backoff, dead letters and auto-disable are ours
 * (webhook.delivery.ts), because graphile-worker's own retry would let a
 * later job of the queue overtake a failed one.
 */
export class WebhookWorker {
  private runners: Runner[] = [];
  private readonly pool: Pool;
  readonly guard: OutboundGuard;
  private inUse = false;
  private inUseCheckedAt = 0;
  private waking: Promise<void> | null = null;
  private wakeAgain = false;
  private stopped = false;
  private lastFanoutAt = 0;

  constructor(
    databaseUrl: string,
    private readonly config: Config,
    private readonly log: Logger,
  ) {
    this.pool = new Pool({
      connectionString: databaseUrl,
      // Deliveries spend their time waiting for receivers, not for the database: many workers share few connections.
      max: Math.min(config.webhooks.concurrency, POOL_MAX_FOR_WORKERS) + 3,
      application_name: 'gongzhi-webhooks',
      // The queue's commits (job taken, job done, cursor moved with its delivery records) need not wait for the WAL
      // flush: a crash can lose only the last few hundred milliseconds of them, and losing one rolls back a cursor
      // with its records, so those events are sent again with the same webhook-id (at-least-once holds). Events
      // are committed durably: by the API's own pool, and the worker's one event (an endpoint disabled) turns
      // synchronous commit back on for its transaction (see emit).
      options: '-c synchronous_commit=off',
    });
    this.pool.on('error', (err) => log.warn({ err }, 'webhook pool client error'));
    this.guard = new OutboundGuard(config.webhooks);
  }

  private get deps(): DeliveryDeps {
    return { pool: this.pool, guard: this.guard, config: this.config.webhooks, log: this.log, now: () => clock.now() };
  }

  async start(): Promise<void> {
    const deps = this.deps;
    const log = this.log;
    const logger = new WorkerLogger((scope) => (level, message, meta) => {
      if (level === 'error') log.error({ scope, meta }, message);
      else if (level === 'warning') log.warn({ scope }, message);
      else log.debug({ scope }, message);
    });
    const options = {
      pgPool: this.pool,
      noHandleSignals: true,
      // LISTEN/NOTIFY wakes workers for new jobs; polling only finds retries that fell due.
      pollInterval: 1000,
      logger,
    };
    const deliveries: TaskList = {
      [DELIVER_TASK]: async (payload) => deliver(deps, (payload as { endpointId: string }).endpointId),
      [REDELIVER_TASK]: async (payload) => redeliver(deps, (payload as { deliveryId: string }).deliveryId),
    };
    // The fan-out has a runner of its own: behind busy delivery workers it would wait, and hand over events in
    // bursts of thousands late, instead of a few at a time as they are committed.
    const fanouts: TaskList = {
      [FANOUT_TASK]: async (_payload, helpers) => {
        const wait = this.lastFanoutAt + FANOUT_MIN_INTERVAL_MS - Date.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        this.lastFanoutAt = Date.now();
        if (await fanout(deps)) await helpers.addJob(FANOUT_TASK, {}, { jobKey: FANOUT_KEY, queueName: FANOUT_KEY });
      },
    };
    this.runners = [
      await run({ ...options, concurrency: this.config.webhooks.concurrency, taskList: deliveries }),
      await run({ ...options, concurrency: 1, taskList: fanouts }),
    ];
    // Anything that arrived while no process ran.
    await this.refreshInUse(true);
    if (this.inUse) this.wake();
  }

  /** After events were dispatched in this process: have the fan-out look at them (one job however many wake-ups). */
  wake(): void {
    if (this.stopped) return;
    if (this.waking) {
      this.wakeAgain = true;
      return;
    }
    this.waking = (async () => {
      await this.refreshInUse(false);
      if (!this.inUse) return;
      await this.pool.query(`SELECT graphile_worker.add_job($1, '{}'::json, queue_name := $2, job_key := $2)`, [FANOUT_TASK, FANOUT_KEY]);
    })()
      .catch((err) => this.log.warn({ err }, 'webhook fan-out wake-up failed'))
      .finally(() => {
        this.waking = null;
        if (this.wakeAgain) {
          this.wakeAgain = false;
          this.wake();
        }
      });
  }

  private async refreshInUse(force: boolean): Promise<void> {
    if (!force && Date.now() - this.inUseCheckedAt < IN_USE_REFRESH_MS) return;
    const { rows } = await this.pool.query(`SELECT EXISTS (SELECT 1 FROM webhook_endpoint WHERE status = 'ENABLED') AS any`);
    this.inUse = rows[0].any;
    this.inUseCheckedAt = Date.now();
  }

  /** An endpoint was enabled or replayed, or a retry asked for: run its queue now. */
  async runEndpointNow(endpointId: string): Promise<void> {
    this.inUse = true;
    await this.pool.query(ADD_DELIVER_JOBS, [[endpointId], DELIVER_TASK, null, 'replace']);
  }

  async redeliver(endpointId: string, deliveryId: string): Promise<void> {
    await this.pool.query(`SELECT graphile_worker.add_job($1, json_build_object('deliveryId', $2::text), queue_name := $3)`, [REDELIVER_TASK, deliveryId, endpointQueue(endpointId)]);
  }

  /** Lets running deliveries finish (their results are written), then releases the pool. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.waking;
    await Promise.all(this.runners.map((runner) => runner.stop()));
    this.runners = [];
    this.guard.close();
    await this.pool.end();
  }
}
