/**
 * Webhook section of `npm run bench` (BENCH_ONLY=webhook): BENCH_WEBHOOK_EVENTS
 * (10,000) events committed at BENCH_WEBHOOK_RATE (2,500/s) to the log, each
 * visible to one of BENCH_WEBHOOK_ENDPOINTS (100) organisations with one
 * endpoint each, delivered by the built server (its graphile-worker queue) to a
 * receiver in this process on 127.0.0.1 (allowed by WEBHOOK_ALLOWED_NETWORKS).
 * Prints deliveries/s, commit-to-delivery p50/p99 and what the queue cost the
 * database (transactions and rows written by graphile-worker and the webhook
 * tables, from pg_stat_*), with the targets beside them.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import { randomBytes, randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { startBenchServer } from './server';

const EVENTS = Number(process.env.BENCH_WEBHOOK_EVENTS ?? 10_000);
const ENDPOINTS = Number(process.env.BENCH_WEBHOOK_ENDPOINTS ?? 100);
const RATE = Number(process.env.BENCH_WEBHOOK_RATE ?? 2500);
const BATCH = 50;

interface TableStats {
  xacts: number;
  /** Rows inserted + updated + deleted in graphile_worker.* and webhook_* tables. */
  queueRowsWritten: number;
}

async function stats(client: Client): Promise<TableStats> {
  const [{ xact_commit }] = (await client.query(`SELECT xact_commit::bigint::text FROM pg_stat_database WHERE datname = current_database()`)).rows;
  const [{ written }] = (
    await client.query(
      `SELECT coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0)::bigint::text AS written FROM pg_stat_user_tables
        WHERE schemaname = 'graphile_worker' OR relname LIKE 'webhook_%'`,
    )
  ).rows;
  return { xacts: Number(xact_commit), queueRowsWritten: Number(written) };
}

/** CPU seconds (user + system) a process has used so far, from /proc (Linux); null where unreadable (gone, elsewhere). */
function cpuSeconds(pid: number): number | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

/**
 * CPU used so far by the PostgreSQL backends of this database (when the server
 * runs on this machine): the queue's cost on the database in CPU, beside the
 * transactions and rows below. Backends that ended meanwhile are not counted.
 */
async function backendCpu(client: Client): Promise<Map<number, number>> {
  const { rows } = await client.query(`SELECT pid FROM pg_stat_activity WHERE datname = current_database()`);
  const cpu = new Map<number, number>();
  for (const { pid } of rows) {
    const seconds = cpuSeconds(pid);
    if (seconds !== null) cpu.set(pid, seconds);
  }
  return cpu;
}

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

export async function benchWebhooks(db: DataSource, databaseUrl: string, progress: (line: string) => void): Promise<[string, string][]> {
  // The receiver: answers 200 at once and notes when each event arrived (first arrival counts).
  const arrivals = new Map<string, number>();
  let requests = 0;
  let allArrived: () => void = () => {};
  const done = new Promise<void>((resolve) => (allArrived = resolve));
  const receiver = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      requests += 1;
      const id = String(req.headers['webhook-id']);
      if (!arrivals.has(id)) arrivals.set(id, performance.now());
      res.writeHead(200).end('ok');
      if (arrivals.size >= EVENTS) allArrived();
    });
  });
  receiver.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;

  progress(`webhooks: ${ENDPOINTS} organisations with one endpoint each ...`);
  const [area] = await db.query(`SELECT id FROM area ORDER BY depth LIMIT 1`);
  const orgIds: string[] = [];
  for (let i = 0; i < ENDPOINTS; i += 1) orgIds.push(randomUUID());
  await db.query(`INSERT INTO organization (id, name, kind, home_area_id) SELECT id, 'webhook bench ' || n, 'NGO', $2 FROM unnest($1::uuid[]) WITH ORDINALITY AS t(id, n)`, [orgIds, area.id]);
  await db.query(
    `INSERT INTO webhook_endpoint (organization_id, url, event_types, secret, cursor) SELECT id, $2, '{case}', 'whsec_' || $3, (SELECT coalesce(max(id), 0) FROM event) FROM unnest($1::uuid[]) AS id`,
    [orgIds, url, randomBytes(32).toString('base64')],
  );

  const server = await startBenchServer(databaseUrl, { WEBHOOK_ALLOWED_NETWORKS: '127.0.0.1/32', WEBHOOK_CONCURRENCY: process.env.BENCH_WEBHOOK_CONCURRENCY ?? '32', LOG_LEVEL: 'warn' });
  const client = new Client({ connectionString: databaseUrl });
  try {
    // Inside the try: when the database refuses (too many clients on a shared machine), the server is still stopped.
    await client.connect();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const before = await stats(client);
    const loadBefore = os.loadavg()[0];
    const cpuBefore = { server: cpuSeconds(server.pid), bench: process.cpuUsage(), db: await backendCpu(client) };
    progress(`webhooks: committing ${EVENTS} events at ${RATE}/s in batches of ${BATCH} ...`);
    const committedAt = new Map<string, number>();
    const started = performance.now();
    const interval = (BATCH / RATE) * 1000;
    for (let sent = 0, batch = 0; sent < EVENTS; sent += BATCH, batch += 1) {
      const due = started + batch * interval;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      const n = Math.min(BATCH, EVENTS - sent);
      const audiences = Array.from({ length: n }, (_, i) => orgIds[(sent + i) % ENDPOINTS]);
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock(727001)');
      const { rows } = await client.query(
        `INSERT INTO event (topic, type, organization_ids, payload)
         SELECT 'case', 'case.commented', ARRAY[o], jsonb_build_object('caseId', gen_random_uuid(), 'body', 'webhook bench ' || n)
           FROM unnest($1::uuid[]) WITH ORDINALITY AS t(o, n) RETURNING id::text`,
        [audiences],
      );
      await client.query(`SELECT pg_notify('gongzhi_events', '')`);
      await client.query('COMMIT');
      const at = performance.now();
      for (const row of rows) committedAt.set(row.id, at);
    }
    const commitSeconds = (performance.now() - started) / 1000;
    progress(`webhooks: committed in ${commitSeconds.toFixed(1)} s; waiting for deliveries ...`);
    const timeout = new Promise<void>((resolve) => setTimeout(resolve, 180_000).unref());
    const ticker = setInterval(() => progress(`  ${arrivals.size}/${EVENTS} delivered`), 5000);
    await Promise.race([done, timeout]);
    clearInterval(ticker);
    const finished = Math.max(...arrivals.values());
    const loadAfter = os.loadavg()[0];
    const serverCpu = (cpuSeconds(server.pid) ?? NaN) - (cpuBefore.server ?? NaN);
    const benchCpuUsage = process.cpuUsage(cpuBefore.bench);
    const dbCpuAfter = await backendCpu(client);
    let dbCpu = 0;
    for (const [pid, seconds] of dbCpuAfter) dbCpu += seconds - (cpuBefore.db.get(pid) ?? 0);
    // pg_stat counters reach the view when backends flush them (at most ~1 s later when idle).
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const after = await stats(client);
    const latencies = [...arrivals].map(([id, at]) => at - (committedAt.get(id) ?? at)).sort((a, b) => a - b);
    const seconds = (finished - started) / 1000;
    const delivered = arrivals.size;
    const ownXacts = Math.ceil(EVENTS / BATCH);
    return [
      ['webhooks: events / endpoints / commit rate', `${EVENTS} / ${ENDPOINTS} / ${RATE} per s (committed in ${commitSeconds.toFixed(1)} s)`],
      ['webhooks: delivered / requests (duplicates = requests - delivered)', `${delivered}/${EVENTS} / ${requests}`],
      ['webhooks: deliveries/s, first commit to last delivery (target >= 2000)', (delivered / seconds).toFixed(0)],
      ['webhooks: commit to delivery p50 / p99 ms (target p99 < 2000)', `${percentile(latencies, 50).toFixed(0)} / ${percentile(latencies, 99).toFixed(0)}`],
      ['webhooks: queue DB load: transactions per delivery', ((after.xacts - before.xacts - ownXacts) / Math.max(1, delivered)).toFixed(3)],
      ['webhooks: queue DB load: rows written per delivery (graphile_worker.*, webhook_*)', ((after.queueRowsWritten - before.queueRowsWritten) / Math.max(1, delivered)).toFixed(3)],
      [
        'webhooks: CPU ms per delivery: server / PostgreSQL (this database) / bench (committer + receiver)',
        [serverCpu, dbCpuAfter.size ? dbCpu : NaN, (benchCpuUsage.user + benchCpuUsage.system) / 1e6].map((seconds) => ((seconds * 1000) / Math.max(1, delivered)).toFixed(3)).join(' / '),
      ],
      ['webhooks: load average (1 min) at start / at last delivery; 2 cores shared, compare runs alike', `${loadBefore.toFixed(1)} / ${loadAfter.toFixed(1)}`],
    ];
  } finally {
    await client.end().catch(() => {});
    await server.stop();
    await new Promise((resolve) => receiver.close(resolve));
  }
}
