/**
 * `npm run bench`: seeds a city-sized data set in a fresh database, starts the
 * built server as its own process and prints figures. Loopback only; every
 * loop is bounded in count and time.
 *
 * BENCH_DURATION (s, default 10)   how long autocannon loads each read path (section query: project and floor, c=1 and c=10)
 * BENCH_ROUNDS (default 5)         interleaved slices the read paths' DURATION is cut into (project, floor, variants in turn)
 * BENCH_CONNECTIONS (default 10)   concurrent HTTP connections
 * BENCH_SUBSCRIBERS (default 10000) WebSocket subscribers for the fan-out (up to 10000); 1000 by default where a
 *                                  process may not open 10,000 sockets and some (`ulimit -n` below 10,500)
 * BENCH_FANOUT_WARMUPS (default 2)  changes delivered to every subscriber before the measured one (project and floor)
 * BENCH_DEVICES (default 200)      phones sending check-in batches in the patrol ingestion run
 * BENCH_BATCHES (default 5)        batches each phone sends
 * BENCH_BATCH_SIZE (default 50)    check-ins per batch; the targets are stated at 50 (other sizes show what a batch
 *                                  costs apart from its check-ins, and their target rows read "not measured as stated")
 * BENCH_PATROL_SUBSCRIBERS (50,500) live patrolUpdates subscribers on the area during ingestion: a comma list, one
 *                                  whole ingestion section (project and floor) per count
 * BENCH_PATROL_PACE (0.5)          the paced ingestion run sends at this share of the rate the unpaced run delivered (to every subscriber)
 * BENCH_PATROL_RATE                the paced ingestion run sends at this many events/s instead (to compare two builds at one load)
 * BENCH_PATROL_WARMUP (s, 10)      unmeasured load before the first ingestion run on each server (project, floor)
 *                                  (both runs are repeated against the ingestion floor, bench/ingest-floor.ts, at the same pace)
 * BENCH_ONLY                       comma list of query,fanout,frames,patrol,start,webhook,scale (default all)
 * BENCH_FRAME_SOCKETS (2000)       sockets of the frames section (bench/ws-frames.ts: CPU per delivery, no database)
 * BENCH_STARTS (default 3)         timed `npm start` runs on the built checkout (section start)
 * BENCH_WEBHOOK_EVENTS, _ENDPOINTS, _RATE, _CONCURRENCY  see bench/webhooks.ts (10,000 events to 100 endpoints)
 * BENCH_SCALE_STEPS, BENCH_SCALE_RUNS  see bench/scale.ts (the scale section grows its own database to 1M cases: minutes)
 * BENCH_SCALE_DATABASE             with DATABASE_URL: grow the scale city in this database and keep it; a later run
 *                                  migrates it and reuses what it holds (steps it already passed are skipped)
 * BENCH_PG_FLAGS, BENCH_PG_LOG     flags for the embedded PostgreSQL (e.g. '-c log_min_duration_statement=0') and a file for its log
 * BENCH_SERVER_ROOT                run this checkout's build as the server (e.g. the code before a change), same bench client
 * BENCH_NODE_FLAGS                 node flags of the server (default '--max-semi-space-size=64', as npm start runs it)
 * DATABASE_URL                     use this server (a fresh database is created on it) instead of an embedded one
 */
import 'reflect-metadata';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { createDataSource, migrate } from '../src/shared/database/data-source';
import { startEmbeddedPostgres } from '../src/shared/database/embedded';
import { createLogger } from '../src/shared/logger';
import { toGlobalId } from '../src/shared/relay/global-id';
import { TokenService } from '../src/shared/auth/jwt';
import { BENCH_ADMIN, seedCity } from './seed';
import { BENCH_JWT_SECRET, startBenchServer, type BenchServer } from './server';
import { benchFanout } from './fanout';
import { startFanoutFloor } from './fanout-floor';
import { INGEST_FLOOR_APPLICATION, startIngestFloor } from './ingest-floor';
import { benchPatrolIngest } from './patrol-ingest';
import { benchScale } from './scale';
import { benchStart } from './start';
import { benchWsFrames } from './ws-frames';
import { benchWebhooks } from './webhooks';
import { startFloorServer, type FloorName, type FloorServer } from './floor';
import { seedReadPaths } from './read-seed';
import { backendCpuDelta, backendCpuMs, processCpuMs } from './cpu';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const autocannon = require('autocannon') as (
  opts: Record<string, unknown>,
  done: (error: Error | null, result: AutocannonResult) => void,
) => { on(event: 'tick', listener: (tick: { counter: number }) => void): void };

interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number; average: number };
  errors: number;
  non2xx: number;
}

/** A progress line, with the time since the benchmark started. */
const benchStarted = Date.now();
function progress(line: string): void {
  console.log(`[${((Date.now() - benchStarted) / 1000).toFixed(0).padStart(4)} s] ${line}`);
}

/** autocannon with a progress line every 5 s: requests done so far and the current rate. */
function load(opts: Record<string, unknown>): Promise<AutocannonResult> {
  return new Promise((resolve, reject) => {
    let seconds = 0;
    let total = 0;
    const instance = autocannon(opts, (error, result) => (error ? reject(error) : resolve(result)));
    instance.on('tick', ({ counter }) => {
      seconds += 1;
      total += counter;
      if (seconds % 5 === 0) progress(`  ${seconds}/${opts.duration} s: ${total} requests, ${counter} in the last second`);
    });
  });
}

const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
/**
 * The soft limit on this process's open files (Linux; null elsewhere). The server and the bench client each hold one
 * socket per fan-out subscriber, and the server inherits this limit.
 */
function openFileLimit(): number | null {
  try {
    const line = fs.readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files'));
    const soft = line?.split(/\s{2,}/)[1];
    return soft === 'unlimited' ? Infinity : Number(soft) || null;
  } catch {
    return null;
  }
}
/** The fan-out target is set at 10,000 subscribers: measured there unless this machine's descriptor limit forbids it. */
const FANOUT_TARGET_SUBSCRIBERS = 10_000;
const FANOUT_DEFAULT = (openFileLimit() ?? 0) >= FANOUT_TARGET_SUBSCRIBERS + 500 ? FANOUT_TARGET_SUBSCRIBERS : 1000;
const SUBSCRIBERS = Math.min(Number(process.env.BENCH_SUBSCRIBERS ?? FANOUT_DEFAULT), FANOUT_TARGET_SUBSCRIBERS);
const FANOUT_WARMUPS = Number(process.env.BENCH_FANOUT_WARMUPS ?? 2);
const DEVICES = Number(process.env.BENCH_DEVICES ?? 200);
const BATCHES = Number(process.env.BENCH_BATCHES ?? 5);
const BATCH_SIZE = Number(process.env.BENCH_BATCH_SIZE ?? 50);
/** The ingestion targets are set at 50 subscribers (rate) and at 500 (delay): a whole run measures both. */
const PATROL_SUBSCRIBER_COUNTS = (process.env.BENCH_PATROL_SUBSCRIBERS ?? '50,500').split(',').map(Number).filter((n) => Number.isInteger(n) && n >= 0);
const PATROL_PACE = Number(process.env.BENCH_PATROL_PACE ?? 0.5);
const PATROL_RATE = process.env.BENCH_PATROL_RATE ? Number(process.env.BENCH_PATROL_RATE) : null;
const PATROL_WARMUP_S = Number(process.env.BENCH_PATROL_WARMUP ?? 10);
const STARTS = Number(process.env.BENCH_STARTS ?? 3);
const ONLY = new Set((process.env.BENCH_ONLY ?? 'query,fanout,frames,patrol,start,webhook,scale').split(','));

export const NESTED_QUERY = `{
  organizations(first: 50) {
    nodes { name homeArea { name parent { name } } members(first: 10) { nodes { role user { displayName } } } }
  }
}`;

async function post(server: BenchServer, query: string, variables: Record<string, unknown>, token?: string) {
  const response = await fetch(server.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return { body: (await response.json()) as any, sql: Number(response.headers.get('x-sql-statements')) };
}

async function freshDatabase(): Promise<{ url: string; cleanup: () => Promise<void> }> {
  if (process.env.DATABASE_URL) {
    const name = `gongzhi_bench_${Date.now()}`;
    const admin = new Client({ connectionString: process.env.DATABASE_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const url = new URL(process.env.DATABASE_URL);
    url.pathname = `/${name}`;
    return {
      url: url.toString(),
      cleanup: async () => {
        const c = new Client({ connectionString: process.env.DATABASE_URL });
        await c.connect();
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await c.end();
      },
    };
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gongzhi-bench-'));
  fs.chmodSync(dir, 0o755);
  // BENCH_PG_FLAGS (e.g. '-c log_min_duration_statement=0') and BENCH_PG_LOG=<file>: to look at the embedded server's statements.
  const pgLog = process.env.BENCH_PG_LOG ? fs.createWriteStream(process.env.BENCH_PG_LOG, { flags: 'a' }) : null;
  const embedded = await startEmbeddedPostgres(path.join(dir, 'data'), {
    persistent: false,
    postgresFlags: (process.env.BENCH_PG_FLAGS ?? '').split(' ').filter(Boolean),
    onLog: pgLog ? (message) => pgLog.write(`${message}\n`) : undefined,
  });
  return {
    url: embedded.url,
    cleanup: async () => {
      await embedded.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

type Figures = [name: string, value: string][];

/**
 * One of the issue's targets as this run measured it, with the floor's figure from the same run where there is one.
 * `met` is null when this run could not measure it as the target states it (fewer subscribers, a section left out).
 */
interface TargetFigure {
  target: string;
  figure: string;
  /** Absent where the target has no floor (memory, start). */
  floor?: string;
  met: boolean | null;
}

interface BenchContext {
  db: DataSource;
  server: BenchServer;
  /** Token of the seeded platform administrator. */
  token: string;
  /** Signs tokens for any seeded user, as the server would. */
  tokens: TokenService;
  figures: Figures;
  targets: TargetFigure[];
}

interface LoadFigures {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  /** CPU ms per request: the server process, and the PostgreSQL backends of its pool. */
  nodeCpuMs: number;
  pgCpuMs: number;
}

/** One autocannon slice: raw counts, so slices of the same target add up. */
interface LoadSlice {
  requests: number;
  seconds: number;
  p50: number;
  p99: number;
  errors: number;
  nodeCpuMs: number;
  pgCpuMs: number;
}

/** One autocannon run of `body` against a server, with the CPU both sides spent on it. */
async function measureSlice(db: DataSource, target: { url: string; pid: number; app: string }, body: string, token: string, connections: number, seconds: number): Promise<LoadSlice> {
  const nodeBefore = processCpuMs(target.pid);
  const pgBefore = await backendCpuMs(db, target.app);
  const result = await load({
    url: target.url,
    method: 'POST',
    connections,
    duration: seconds,
    // Not counted (the probe before counted them): production counts no statements, and counting costs every promise an async hook.
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'x-sql-count': 'off' },
    body,
  });
  const pgAfter = await backendCpuMs(db, target.app);
  return {
    requests: result.requests.total,
    seconds,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.non2xx,
    nodeCpuMs: processCpuMs(target.pid) - nodeBefore,
    pgCpuMs: backendCpuDelta(pgBefore, pgAfter),
  };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/**
 * Every target loaded for DURATION seconds in all, in ROUNDS interleaved slices (A B C, B C A, C A B ...):
 * on a shared machine the load moves within seconds, and interleaving gives every target the same
 * share of good and bad moments, so ratios measured in one run compare like with like.
 */
async function measureInterleaved(db: DataSource, targets: { name: string; target: { url: string; pid: number; app: string }; body: string }[], token: string, connections: number, label: string): Promise<Record<string, LoadFigures>> {
  const rounds = Math.max(1, Math.min(ROUNDS, DURATION));
  const seconds = Math.max(1, Math.round(DURATION / rounds));
  const slices: Record<string, LoadSlice[]> = {};
  for (let round = 1; round <= rounds; round++) {
    progress(`${label}: ${connections} connection(s), round ${round}/${rounds}, ${seconds} s each ...`);
    // Each round starts one target further on: a slice runs differently depending on which one came before it
    // (with fixed order the same build measured 0.29 of the floor first in a round and 0.61 fourth in the same run).
    const order = targets.map((_, i) => targets[(i + round - 1) % targets.length]);
    for (const { name, target, body } of order) (slices[name] ??= []).push(await measureSlice(db, target, body, token, connections, seconds));
  }
  const figures: Record<string, LoadFigures> = {};
  for (const [name, list] of Object.entries(slices)) {
    const requests = Math.max(1, list.reduce((sum, s) => sum + s.requests, 0));
    figures[name] = {
      rps: list.reduce((sum, s) => sum + s.requests, 0) / list.reduce((sum, s) => sum + s.seconds, 0),
      p50: median(list.map((s) => s.p50)),
      p99: median(list.map((s) => s.p99)),
      errors: list.reduce((sum, s) => sum + s.errors, 0),
      nodeCpuMs: list.reduce((sum, s) => sum + s.nodeCpuMs, 0) / requests,
      pgCpuMs: list.reduce((sum, s) => sum + s.pgCpuMs, 0) / requests,
    };
  }
  return figures;
}

const ms = (n: number) => n.toFixed(n < 10 ? 2 : 1);

/** A hot read path: the document the project answers, and the floor (bench/floor.ts) that builds the same JSON in one SQL. */
interface ReadPath {
  floor: FloorName;
  label: string;
  document: string;
  variables?: Record<string, unknown>;
  /** The floor SQL's parameters. */
  params?: unknown[];
  /** Also measure the project with planned reads off (READ_PLAN=false), for a before/after in one run. */
  unplanned?: boolean;
}

export const CASES_QUERY = `{
  cases(first: 20) {
    nodes { reference title status severity area { name } leader { displayName } handler { displayName } responsibleOrganization { name } }
  }
}`;

export const MEETING_QUERY = `query ($id: ID!) {
  meeting(id: $id) {
    title status area { name } convener { name }
    agendaItems(first: 20) { nodes { position title plannedMinutes status presenter { name } } }
    participants(first: 50) { nodes { isConvener rsvp organization { name } } }
  }
}`;

export const PATROLS_ON_DUTY_QUERY = `query ($area: ID!) {
  patrolsOnDuty(areaId: $area, first: 20) {
    nodes { status area { name } team { name kind organization { name } } route { name checkpoints { name kind } } }
  }
}`;

export const DASHBOARD_QUERY = `query ($area: ID!) {
  jurisdictionDashboard(areaId: $area) {
    area { name }
    cases { open overdue supervisedOpen openedLast7Days openedLast30Days openByCategoryAndStatus { category status count } }
    patrols { onDuty plannedToday }
  }
}`;

/** The same build with one design choice switched, measured beside the project for a before/after in one run. */
interface Variant {
  /** Key in the figures and in runs. */
  name: string;
  /** What is switched, as printed. */
  label: string;
  server: BenchServer;
  /** Its PostgreSQL backends' application_name, so their CPU is counted apart. */
  app: string;
  /** Which read paths it is measured on. */
  applies: (path: ReadPath) => boolean;
}

/**
 * The hot read paths, each the project beside its floor on the same database,
 * at c=1 and c=CONNECTIONS, as the platform admin (who sees everything, so the
 * floors need no visibility rule). Load average is printed beside: the machine is shared.
 */
async function benchReadPaths(ctx: BenchContext, databaseUrl: string): Promise<void> {
  progress('seeding cases, a meeting and patrols for the read paths ...');
  const { meetingId, patrolAreaId } = await seedReadPaths(ctx.db);
  const paths: ReadPath[] = [
    { floor: 'organizations', label: 'nested query', document: NESTED_QUERY, unplanned: true },
    { floor: 'cases', label: 'cases', document: CASES_QUERY, unplanned: true },
    { floor: 'meeting', label: 'meeting', document: MEETING_QUERY, variables: { id: toGlobalId('Meeting', meetingId) }, params: [meetingId], unplanned: true },
    { floor: 'patrolsOnDuty', label: 'patrolsOnDuty', document: PATROLS_ON_DUTY_QUERY, variables: { area: toGlobalId('Area', patrolAreaId) }, params: [patrolAreaId], unplanned: true },
    { floor: 'jurisdictionDashboard', label: 'jurisdictionDashboard', document: DASHBOARD_QUERY, variables: { area: toGlobalId('Area', patrolAreaId) }, params: [patrolAreaId] },
  ];
  const floor = await startFloorServer(databaseUrl);
  // A connection-string application_name overrides the pool's, which keeps each variant's backends' CPU apart.
  const variantServer = (app: string, env: Record<string, string>) => {
    const url = new URL(databaseUrl);
    url.searchParams.set('application_name', app);
    return startBenchServer(url.toString(), env);
  };
  const variants: Variant[] = [
    // The resolver-by-resolver path, the design before read plans.
    { name: 'unplanned', label: 'planning off (READ_PLAN=false)', server: await variantServer('gongzhi-unplanned', { READ_PLAN: 'false' }), app: 'gongzhi-unplanned', applies: (path) => Boolean(path.unplanned) },
    // graphql-js's interpreter instead of graphql-jit (the default since 2026-12-02), on every path.
    { name: 'interpreted', label: 'graphql-js execution (COMPILED_EXECUTION=false)', server: await variantServer('gongzhi-interpreted', { COMPILED_EXECUTION: 'false' }), app: 'gongzhi-interpreted', applies: () => true },
  ];
  try {
    for (const path of paths) await benchReadPath(ctx, path, floor, variants.filter((v) => v.applies(path)));
  } finally {
    await floor.stop();
    for (const variant of variants) await variant.server.stop();
  }
}

async function benchReadPath({ db, server, token, figures, targets }: BenchContext, path: ReadPath, floor: FloorServer, variants: Variant[]): Promise<void> {
  const { label, document, variables = {} } = path;
  const body = JSON.stringify({ query: document, variables });
  const floorBody = JSON.stringify(path.params ?? []);
  const probe = await post(server, document, variables, token);
  if (probe.body.errors) throw new Error(JSON.stringify(probe.body.errors));
  const floorProbe = await (await fetch(floor.urlOf(path.floor), { method: 'POST', body: floorBody })).json();
  const same = JSON.stringify(floorProbe) === JSON.stringify(probe.body);
  const variantProbes = await Promise.all(variants.map((v) => post(v.server, document, variables, token)));
  const servers = [
    { name: 'project', target: { url: server.url, pid: server.pid, app: 'gongzhi' }, body },
    { name: 'floor', target: { url: floor.urlOf(path.floor), pid: floor.pid, app: 'floor' }, body: floorBody },
    ...variants.map((v) => ({ name: v.name, target: { url: v.server.url, pid: v.server.pid, app: v.app }, body })),
  ];
  const runs: Record<string, LoadFigures> = {};
  for (const c of [1, CONNECTIONS]) {
    for (const [name, figures] of Object.entries(await measureInterleaved(db, servers, token, c, label))) runs[`${name}${c}`] = figures;
  }
  const [p1, f1, pc, fc] = [runs.project1, runs.floor1, runs[`project${CONNECTIONS}`], runs[`floor${CONNECTIONS}`]];
  const load = os.loadavg().map((l) => l.toFixed(1)).join(' ');
  const ratio = pc.rps / fc.rps;
  const multiple = p1.p50 / Math.max(f1.p50, 0.01);
  figures.push([`${label}: answers equal the floor's (answer bytes)`, `${same ? 'yes' : 'NO'} (${JSON.stringify(probe.body).length})`]);
  figures.push([`${label}: SQL statements per request (target <= 3)`, `${probe.sql} (floor 1)`]);
  figures.push([`${label}: requests/s c=${CONNECTIONS}, project / floor`, `${pc.rps.toFixed(1)} / ${fc.rps.toFixed(1)}`]);
  figures.push([`${label}: ratio to floor c=${CONNECTIONS} (target >= 0.5)`, ratio.toFixed(2)]);
  figures.push([`${label}: p50 / p99 ms c=1, project | floor`, `${p1.p50} / ${p1.p99} | ${f1.p50} / ${f1.p99}`]);
  figures.push([`${label}: c=1 p50 as multiple of floor (target <= 2)`, multiple.toFixed(2)]);
  figures.push([`${label}: p50 / p99 ms c=${CONNECTIONS}, project | floor`, `${pc.p50} / ${pc.p99} | ${fc.p50} / ${fc.p99}`]);
  figures.push([`${label}: CPU ms/request c=${CONNECTIONS} Node + PG, project | floor`, `${ms(pc.nodeCpuMs)} + ${ms(pc.pgCpuMs)} | ${ms(fc.nodeCpuMs)} + ${ms(fc.pgCpuMs)}`]);
  figures.push([`${label}: errors / non-2xx (project | floor, all runs)`, `${p1.errors + pc.errors} | ${f1.errors + fc.errors}`]);
  targets.push(
    { target: `${label}: requests/s c=10 >= 0.5 of the floor's`, figure: `${ratio.toFixed(2)} (${pc.rps.toFixed(0)}/s)`, floor: `${fc.rps.toFixed(0)}/s`, met: CONNECTIONS === 10 ? ratio >= 0.5 : null },
    { target: `${label}: c=1 p50 <= 2x the floor's`, figure: `${multiple.toFixed(2)}x (${p1.p50} ms)`, floor: `${f1.p50} ms`, met: multiple <= 2 },
    { target: `${label}: <= 3 SQL statements, the floor's answer`, figure: `${probe.sql}${same ? '' : ', answer differs'}`, floor: '1', met: probe.sql <= 3 && same },
  );
  variants.forEach((variant, i) => {
    const [v1, vc] = [runs[`${variant.name}1`], runs[`${variant.name}${CONNECTIONS}`]];
    figures.push([`${label}, ${variant.label}: same answer`, JSON.stringify(variantProbes[i].body) === JSON.stringify(probe.body) ? 'yes' : 'NO']);
    figures.push([`${label}, ${variant.label}: SQL statements per request`, String(variantProbes[i].sql)]);
    figures.push([`${label}, ${variant.label}: requests/s c=${CONNECTIONS}, ratio to floor`, `${vc.rps.toFixed(1)}, ${(vc.rps / fc.rps).toFixed(2)}`]);
    figures.push([`${label}, ${variant.label}: p50 / p99 ms c=1 | c=${CONNECTIONS}`, `${v1.p50} / ${v1.p99} | ${vc.p50} / ${vc.p99}`]);
    figures.push([`${label}, ${variant.label}: CPU ms/request c=${CONNECTIONS} Node + PG`, `${ms(vc.nodeCpuMs)} + ${ms(vc.pgCpuMs)}`]);
  });
  figures.push([`${label}: load average (1/5/15 min) after the runs`, load]);
}

/** One agenda change to N subscribers of a meeting: members of the participating organisations, each with their own token. */
async function benchMeetingFanout({ db, server, token, tokens, figures, targets }: BenchContext): Promise<void> {
  progress(`fan-out of one agenda change to ${SUBSCRIBERS} subscribers of one meeting ...`);
  const orgs: { id: string }[] = await db.query(`SELECT id FROM organization ORDER BY name LIMIT 51`);
  const members: { user_id: string }[] = await db.query(`SELECT user_id FROM membership WHERE organization_id = ANY($1) ORDER BY user_id`, [orgs.map((o) => o.id)]);
  const memberTokens = members.map((m) => tokens.issue(`user:${m.user_id}`).token);
  const [area] = await db.query(`SELECT id FROM area WHERE kind = 'STREET' ORDER BY name LIMIT 1`);
  const startsAt = new Date(Date.now() + 7 * 86_400_000);
  const scheduled = await post(
    server,
    `mutation ($input: MeetingScheduleInput!) { meetingSchedule(input: $input) { meeting { id } userErrors { message } } }`,
    {
      input: {
        convenerOrganizationId: toGlobalId('Organization', orgs[0].id),
        title: '治安聯席會議（基準測試）',
        areaId: toGlobalId('Area', area.id),
        startsAt: startsAt.toISOString(),
        endsAt: new Date(startsAt.getTime() + 7_200_000).toISOString(),
        participantOrganizationIds: orgs.slice(1).map((o) => toGlobalId('Organization', o.id)),
      },
    },
    token,
  );
  const meetingId: string = scheduled.body.data.meetingSchedule.meeting.id;
  const added = await post(
    server,
    `mutation ($input: AgendaItemAddInput!) { agendaItemAdd(input: $input) { agendaItem { id version } userErrors { message } } }`,
    { input: { meetingId, title: '夜間巡邏覆蓋', plannedMinutes: 15 } },
    token,
  );
  const item = added.body.data.agendaItemAdd.agendaItem;
  const fanout = await benchFanout(server, {
    subscribers: SUBSCRIBERS,
    progress: (line) => progress(`  ${line}`),
    tokenFor: (i) => memberTokens[i % memberTokens.length],
    subscription: `subscription ($id: ID!) { meetingAgenda(meetingId: $id) { cursor type agendaItem { title status version } } }`,
    variables: { id: meetingId },
    warmups: FANOUT_WARMUPS,
    // Each change bumps the item's version; the measured one carries the title the floor's message has.
    trigger: async (round) => {
      const updated = await post(
        server,
        `mutation ($input: AgendaItemUpdateInput!) { agendaItemUpdate(input: $input) { userErrors { code } } }`,
        { input: { id: item.id, expectedVersion: item.version + round, title: round === FANOUT_WARMUPS ? '夜間巡邏覆蓋（修訂）' : `夜間巡邏覆蓋（草稿 ${round + 1}）` } },
        token,
      );
      if (updated.body.data?.agendaItemUpdate?.userErrors?.length || updated.body.errors) throw new Error(JSON.stringify(updated.body));
    },
  });
  figures.push([`fan-out: delivered (subscriptions ended with an error)`, `${fanout.delivered}/${fanout.subscribers} (${fanout.failed})`]);
  figures.push([`fan-out: time to deliver p50 / p99 / last (ms; target p99 <= 250 at 10,000), after ${FANOUT_WARMUPS} warm-up changes`, `${fanout.p50Ms.toFixed(1)} / ${fanout.p99Ms.toFixed(1)} / ${fanout.lastMs.toFixed(1)}`]);
  if (FANOUT_WARMUPS > 0) figures.push(['fan-out: the first change (delivery code not yet optimised) p50 / p99 (ms)', `${fanout.coldP50Ms.toFixed(1)} / ${fanout.coldP99Ms.toFixed(1)}`]);
  figures.push(['fan-out: server memory held per idle subscribed connection, heap + buffers after a full GC (KiB; target <= 25 KB)', (fanout.bytesPerIdleConnection / 1024).toFixed(1)]);
  figures.push(['fan-out: server resident memory growth per idle subscribed connection (KiB; slack and garbage included)', (fanout.rssPerIdleConnection / 1024).toFixed(1)]);
  figures.push(['fan-out: CPU ms from the change to the last delivery, server / bench client', `${fanout.serverCpuMs.toFixed(0)} / ${fanout.clientCpuMs.toFixed(0)}`]);

  // The same subscribers and message from a bare WebSocket server: what delivery alone costs on this machine.
  progress(`fan-out floor: the same message to ${SUBSCRIBERS} subscribers from a bare WebSocket server ...`);
  const floor = await startFanoutFloor();
  try {
    const bare = await benchFanout(floor, {
      subscribers: SUBSCRIBERS,
      progress: (line) => progress(`  ${line}`),
      tokenFor: () => 'floor',
      subscription: `subscription ($id: ID!) { meetingAgenda(meetingId: $id) { cursor type agendaItem { title status version } } }`,
      variables: { id: meetingId },
      warmups: FANOUT_WARMUPS,
      trigger: (round) => floor.trigger(round),
    });
    figures.push(['fan-out floor (bare WebSocket server, no policy, log or database): delivered', `${bare.delivered}/${bare.subscribers}`]);
    figures.push(['fan-out floor: time to deliver p50 / p99 / last (ms); its first change p99', `${bare.p50Ms.toFixed(1)} / ${bare.p99Ms.toFixed(1)} / ${bare.lastMs.toFixed(1)}; ${FANOUT_WARMUPS > 0 ? bare.coldP99Ms.toFixed(1) : '-'}`]);
    figures.push(['fan-out floor: CPU ms from the trigger to the last delivery, server / bench client', `${bare.serverCpuMs.toFixed(0)} / ${bare.clientCpuMs.toFixed(0)}`]);
    figures.push(['fan-out: p99 as a multiple of the floor\'s', (fanout.p99Ms / Math.max(bare.p99Ms, 0.01)).toFixed(2)]);
    targets.push({
      target: `fan-out: one change to ${FANOUT_TARGET_SUBSCRIBERS.toLocaleString('en')} subscribers, all delivered, p99 <= 250 ms`,
      figure: `${fanout.p99Ms.toFixed(0)} ms at ${SUBSCRIBERS} (${fanout.delivered}/${fanout.subscribers})`,
      floor: `${bare.p99Ms.toFixed(0)} ms`,
      met: SUBSCRIBERS === FANOUT_TARGET_SUBSCRIBERS ? fanout.delivered === fanout.subscribers && fanout.p99Ms <= 250 : null,
    });
    targets.push({ target: 'fan-out: <= 25 KB server memory per idle subscribed connection', figure: `${(fanout.bytesPerIdleConnection / 1024).toFixed(1)} KiB`, met: fanout.bytesPerIdleConnection <= 25_000 });
  } finally {
    await floor.stop();
  }
}

/**
 * Sustained check-in batches from many phones while the team organisation's members watch the area: first as fast
 * as the server answers (its capacity; every phone always has a batch in flight, so receipt-to-delivery there is
 * mostly the time a batch waits behind the 199 others), then paced at a share of the rate its batches reached every
 * subscriber (BENCH_PATROL_PACE, default half), which shows the delay a batch sees when the server keeps up.
 */
async function benchPatrols(ctx: BenchContext, databaseUrl: string): Promise<void> {
  for (const subscribers of PATROL_SUBSCRIBER_COUNTS) {
    const first = ctx.figures.length;
    await benchPatrolsWith(ctx, databaseUrl, subscribers);
    // Each count's figures are named by it, so the two sets can be told apart.
    for (const figure of ctx.figures.slice(first)) figure[0] = `[${subscribers} subscribers] ${figure[0]}`;
  }
}

async function benchPatrolsWith({ db, server, tokens, figures, targets }: BenchContext, databaseUrl: string, subscriberCount: number): Promise<void> {
  const [coordinator] = await db.query(
    `SELECT m.user_id FROM membership m JOIN organization o ON o.id = m.organization_id
      WHERE o.kind = 'VOLUNTEER_PATROL' AND m.role = 'ADMIN' ORDER BY o.name LIMIT 1`,
  );
  const colleagues: { user_id: string }[] = await db.query(
    `SELECT user_id FROM membership WHERE organization_id = (SELECT organization_id FROM membership WHERE user_id = $1 LIMIT 1)`,
    [coordinator.user_id],
  );
  /** The phones and subscribers of one run go to the project's server, or to the floor (set up through the project). */
  const project = { ingestUrl: server.url, pid: server.pid, application: 'gongzhi' };
  const run = async (label: string, eventsPerSecond?: number, target = project, warmupMs = 0) => {
    progress(`patrol check-in ingestion${label}: ${DEVICES} devices x ${BATCHES} batches of ${BATCH_SIZE}, ${subscriberCount} live subscribers on the area ...`);
    let nodeBefore = 0;
    let pgBefore = new Map<number, number>();
    let pgLatest = new Map<number, number>();
    let sampler: NodeJS.Timeout | undefined;
    // A reading of 0 is a backend gone between the query and /proc: keep what it had.
    const keep = (now: Map<number, number>) => now.forEach((ms, pid) => pgLatest.set(pid, Math.max(ms, pgLatest.get(pid) ?? 0)));
    let nodeMs = 0;
    let pgMs = 0;
    const ingest = await benchPatrolIngest({
      url: server.url,
      ingestUrl: target.ingestUrl,
      token: tokens.issue(`user:${coordinator.user_id}`).token,
      subscriberTokens: colleagues.map((c) => tokens.issue(`user:${c.user_id}`).token),
      devices: DEVICES,
      subscribers: subscriberCount,
      batchSize: BATCH_SIZE,
      batchesPerDevice: BATCHES,
      eventsPerSecond,
      warmupMs,
      log: (line) => progress(`  ${line}`),
      measured: {
        start: async () => {
          pgBefore = await backendCpuMs(db, target.application);
          pgLatest = new Map(pgBefore);
          nodeBefore = processCpuMs(target.pid);
          // Backends the pool closes as idle before the last delivery (a long tail of deliveries) take their CPU
          // with them: each backend's figure is read every second and its last reading kept.
          sampler = setInterval(() => void backendCpuMs(db, target.application).then(keep), 1000);
        },
        end: async () => {
          clearInterval(sampler);
          nodeMs = processCpuMs(target.pid) - nodeBefore;
          keep(await backendCpuMs(db, target.application));
          pgMs = backendCpuDelta(pgBefore, pgLatest);
        },
      },
    });
    return { ingest, nodeMs, pgMs };
  };
  const cpuLine = ({ ingest, nodeMs, pgMs }: Awaited<ReturnType<typeof run>>) => {
    const perEvent = (total: number) => (total / Math.max(1, ingest.eventsAccepted)) * 1000;
    return `${perEvent(nodeMs).toFixed(0)} / ${perEvent(pgMs).toFixed(0)} / ${perEvent(ingest.benchCpuMs).toFixed(0)} (over ${ingest.measuredSeconds} s)`;
  };

  // Each server's first run follows a warm-up under the same load: a throughput is a running server's, not one
  // whose code V8 is still compiling (the floor's few functions are optimised within a second; the project's are not).
  const warmupMs = PATROL_WARMUP_S * 1000;
  const flat = await run('', undefined, project, warmupMs);
  const { ingest } = flat;
  figures.push([`patrol ingestion: events/s accepted during the warm-up (${PATROL_WARMUP_S} s, not measured)`, String(ingest.warmupEventsPerSecond ?? '-')]);
  figures.push(['patrol ingestion: events accepted / sent', `${ingest.eventsAccepted}/${ingest.eventsSent}`]);
  figures.push([`patrol ingestion: events/s accepted, phones sending as fast as answered, after the warm-up (target >= 10,000 with 50 subscribers; here ${subscriberCount})`, String(ingest.eventsPerSecond)]);
  figures.push(['patrol ingestion: deliveries received / expected; received twice; subscribers cut off as slow and resumed from their cursor', `${ingest.deliveriesReceived}/${ingest.deliveriesExpected}; ${ingest.duplicateDeliveries}; ${ingest.slowConsumerResumes}`]);
  figures.push(['patrol ingestion: receipt to delivery p50 / p99 (ms; every phone has a batch queued)', `${ingest.p50DeliveryMs} / ${ingest.p99DeliveryMs}`]);
  figures.push([`patrol ingestion: SQL statements per batch of ${BATCH_SIZE} (median of the first ten phones' second batches)`, String(ingest.sqlPerBatch)]);
  figures.push(['patrol ingestion: distinct subscriber accounts', String(colleagues.length)]);
  figures.push(['patrol ingestion: CPU per event accepted, first batch to last delivery (µs): server / PostgreSQL / bench client', cpuLine(flat)]);

  // The rate at which batches reached every subscriber, first batch to last delivery. At 500 subscribers the phones'
  // answers ran seconds ahead of the deliveries (11,707 accepted/s, 4,448 delivered/s), and a pace taken from the
  // answers loaded the server beyond what it delivers: its latency then measured a queue growing for the whole run.
  const deliveredPerSecond = Math.round(ingest.eventsAccepted / ingest.measuredSeconds);
  figures.push(['patrol ingestion: events/s delivered to every subscriber, first batch to last delivery', String(deliveredPerSecond)]);
  // A share of this build's own delivered rate by default; a fixed rate (BENCH_PATROL_RATE) puts two builds under the same load.
  const pace = PATROL_RATE ?? Math.max(50, Math.round(Math.min(ingest.eventsPerSecond, deliveredPerSecond) * PATROL_PACE));
  const paced = await run(` paced at ${pace} events/s`, pace);
  const share = PATROL_RATE ? 'BENCH_PATROL_RATE' : `${Math.round(PATROL_PACE * 100)}% of the delivered rate above`;
  figures.push([`patrol ingestion paced at ${pace} events/s (${share}): events/s accepted`, String(paced.ingest.eventsPerSecond)]);
  figures.push(['patrol ingestion paced: deliveries received / expected; received twice; resumed after a slow-consumer cut', `${paced.ingest.deliveriesReceived}/${paced.ingest.deliveriesExpected}; ${paced.ingest.duplicateDeliveries}; ${paced.ingest.slowConsumerResumes}`]);
  figures.push([`patrol ingestion paced: receipt to delivery p50 / p99 (ms; target p99 <= 1000 with 500 subscribers, every delivery made; here ${subscriberCount})`, `${paced.ingest.p50DeliveryMs} / ${paced.ingest.p99DeliveryMs}`]);
  figures.push(['patrol ingestion paced: CPU per event accepted (µs): server / PostgreSQL / bench client', cpuLine(paced)]);

  // The same phones and subscribers against a bare server that only stores and delivers (bench/ingest-floor.ts).
  const floor = await startIngestFloor(databaseUrl);
  try {
    const target = { ingestUrl: floor.url, pid: floor.pid, application: INGEST_FLOOR_APPLICATION };
    const bare = await run(' on the ingestion floor', undefined, target, warmupMs);
    const barePaced = await run(` on the ingestion floor paced at ${pace} events/s`, pace, target);
    figures.push(['ingestion floor (one INSERT per batch, one message per batch; no policy, status, audit or log): events/s accepted; during its warm-up', `${bare.ingest.eventsPerSecond}; ${bare.ingest.warmupEventsPerSecond ?? '-'}`]);
    figures.push(['ingestion floor: deliveries received / expected; receipt to delivery p50 / p99 (ms)', `${bare.ingest.deliveriesReceived}/${bare.ingest.deliveriesExpected}; ${bare.ingest.p50DeliveryMs} / ${bare.ingest.p99DeliveryMs}`]);
    figures.push(['ingestion floor: CPU per event accepted (µs): floor / PostgreSQL / bench client', cpuLine(bare)]);
    figures.push([`ingestion floor paced at ${pace} events/s: receipt to delivery p50 / p99 (ms); CPU per event (µs) floor / PostgreSQL / bench client`, `${barePaced.ingest.p50DeliveryMs} / ${barePaced.ingest.p99DeliveryMs}; ${cpuLine(barePaced)}`]);
    figures.push(['patrol ingestion: events/s as a ratio of the floor\'s; paced p99 as a multiple of the floor\'s', `${(ingest.eventsPerSecond / bare.ingest.eventsPerSecond).toFixed(2)}; ${(paced.ingest.p99DeliveryMs / Math.max(1, barePaced.ingest.p99DeliveryMs)).toFixed(2)}`]);
    const allDelivered = (i: typeof ingest) => i.deliveriesReceived === i.deliveriesExpected;
    // Larger batches spread a request's own cost over more check-ins: the targets hold for the batches of 50 they were set with.
    const asStated = ingest.batchSize === 50;
    const batches = asStated ? '' : `, batches of ${ingest.batchSize}`;
    if (subscriberCount === 50) {
      targets.push({
        target: 'ingestion, 50 subscribers: >= 10,000 events/s accepted, every delivery made',
        figure: `${ingest.eventsPerSecond}/s (${ingest.deliveriesReceived}/${ingest.deliveriesExpected}${batches})`,
        floor: `${bare.ingest.eventsPerSecond}/s`,
        met: asStated ? ingest.eventsPerSecond >= 10_000 && allDelivered(ingest) : null,
      });
    }
    if (subscriberCount === 500) {
      targets.push({
        target: 'ingestion, 500 subscribers: every delivery made, receipt to delivery p99 <= 1 s',
        figure: `${paced.ingest.p99DeliveryMs} ms at ${pace}/s (${ingest.deliveriesReceived + paced.ingest.deliveriesReceived}/${ingest.deliveriesExpected + paced.ingest.deliveriesExpected}${batches})`,
        floor: `${barePaced.ingest.p99DeliveryMs} ms`,
        met: asStated ? paced.ingest.p99DeliveryMs <= 1000 && allDelivered(ingest) && allDelivered(paced.ingest) : null,
      });
    }
  } finally {
    await floor.stop();
  }
  figures.push(['patrol ingestion: load average (1 min) at the end', os.loadavg()[0].toFixed(2)]);
}

/** `npm start` on the built checkout against the bench database, until it answers /readyz. */
async function benchStartup({ figures, targets }: BenchContext, databaseUrl: string): Promise<void> {
  progress(`npm start on the built checkout, ${STARTS} times ...`);
  const { readyMs } = await benchStart(databaseUrl, STARTS);
  const sorted = [...readyMs].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)];
  figures.push(['start: npm start to /readyz, median (ms; target <= 5000)', `${median} (runs: ${readyMs.join(', ')})`]);
  targets.push({ target: 'start: npm start on a built checkout ready in <= 5 s (median)', figure: `${median} ms`, met: median <= 5000 });
}

/** Run order matters: the fan-out's memory figure wants a server that has not just been under load. */
const SECTIONS: [name: string, run: (ctx: BenchContext, databaseUrl: string) => Promise<void>][] = [
  ['fanout', benchMeetingFanout],
  ['query', benchReadPaths],
  ['patrol', benchPatrols],
  ['start', benchStartup],
];

/** The webhook section on its own fresh database and server (the receiver's address must be allowed). */
async function runWebhooks(): Promise<Figures> {
  const database = await freshDatabase();
  try {
    const db = createDataSource(database.url, createLogger('warn'), 4);
    await db.initialize();
    await migrate(db);
    await seedCity(db, { organizations: 10, users: 10, relationships: 0 });
    const figures = await benchWebhooks(db, database.url, progress);
    await db.destroy();
    return figures;
  } finally {
    await database.cleanup();
  }
}

/**
 * The database BENCH_SCALE_DATABASE names, created if missing and never dropped, so a grown city
 * survives for the next run (a name of its own: tests on the `test` database are unaffected).
 */
async function keptDatabase(name: string): Promise<{ url: string; cleanup: () => Promise<void> }> {
  if (!process.env.DATABASE_URL) throw new Error('BENCH_SCALE_DATABASE needs DATABASE_URL');
  if (!/^[a-z_][a-z0-9_]*$/.test(name) || name === new URL(process.env.DATABASE_URL).pathname.slice(1)) {
    throw new Error(`BENCH_SCALE_DATABASE must be a plain lower-case name other than DATABASE_URL's own database: ${name}`);
  }
  const admin = new Client({ connectionString: process.env.DATABASE_URL });
  await admin.connect();
  const [exists] = (await admin.query(`SELECT 1 FROM pg_database WHERE datname = $1`, [name])).rows;
  if (!exists) await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(process.env.DATABASE_URL);
  url.pathname = `/${name}`;
  return { url: url.toString(), cleanup: async () => {} };
}

/** The scale section on its own fresh (or kept) database: a city grown with SQL to a million cases. */
async function runScale(): Promise<string[]> {
  const kept = process.env.BENCH_SCALE_DATABASE;
  const database = kept ? await keptDatabase(kept) : await freshDatabase();
  try {
    // 'error': growing the city is made of statements the slow-SQL warning would report one by one.
    const db = createDataSource(database.url, createLogger('error'), 4);
    await db.initialize();
    await migrate(db);
    const tokens = new TokenService({ secret: BENCH_JWT_SECRET, issuer: 'gongzhi', audience: 'gongzhi-api', ttlSeconds: 3600 });
    const lines = await benchScale(db, () => startBenchServer(database.url), tokens, (line) => console.log(line));
    await db.destroy();
    return lines;
  } finally {
    await database.cleanup();
  }
}

async function main(): Promise<void> {
  const figures: Figures = [];
  const targets: TargetFigure[] = [];
  if (ONLY.has('frames')) figures.push(...(await benchWsFrames(progress)));
  if (ONLY.has('webhook')) figures.push(...(await runWebhooks()));
  if (!['query', 'fanout', 'patrol', 'start'].some((name) => ONLY.has(name))) {
    if (figures.length) {
      console.log('\nGongzhi benchmark');
      for (const [name, value] of figures) console.log(`  ${name.padEnd(62)} ${value}`);
    }
    const lines = ONLY.has('scale') ? await runScale() : [];
    if (lines.length) console.log('\nGongzhi benchmark: scale (p50 ms of sequential HTTP requests; the machine may be shared)');
    for (const line of lines) console.log(`  ${line}`);
    return;
  }
  progress(process.env.DATABASE_URL ? 'creating the benchmark database ...' : 'starting an embedded PostgreSQL for the benchmark ...');
  const database = await freshDatabase();
  let server: BenchServer | null = null;
  try {
    const db = createDataSource(database.url, createLogger('warn'), 4);
    await db.initialize();
    progress('migrating ...');
    await migrate(db);
    const size = { organizations: 2000, users: 20000, relationships: 10000 };
    const seeding = Date.now();
    await seedCity(db, size, (line) => progress(`  ${line}`));
    progress(`seeded ${size.organizations} organisations, ${size.users} users, ${size.relationships} relationships in ${Date.now() - seeding} ms`);

    progress('starting the server ...');
    server = await startBenchServer(database.url);
    const login = await post(server, `mutation ($input: AuthLoginInput!) { authLogin(input: $input) { accessToken { token } } }`, { input: BENCH_ADMIN });
    const token: string = login.body.data.authLogin.accessToken.token;
    const tokens = new TokenService({ secret: BENCH_JWT_SECRET, issuer: 'gongzhi', audience: 'gongzhi-api', ttlSeconds: 3600 });
    for (const [name, run] of SECTIONS) {
      if (ONLY.has(name)) await run({ db, server, token, tokens, figures, targets }, database.url);
    }
    await db.destroy();
  } finally {
    await server?.stop();
    await database.cleanup();
  }
  const scale = ONLY.has('scale') ? await runScale() : [];
  console.log('\nGongzhi benchmark');
  for (const [name, value] of figures) console.log(`  ${name.padEnd(62)} ${value}`);
  if (scale.length) {
    console.log('\nscale (p50 ms of sequential HTTP requests; the machine may be shared)');
    for (const line of scale) console.log(`  ${line}`);
  }
  printTargets(targets);
}

/** The issue's targets side by side, each with this run's figure and the floor's from the same run. */
function printTargets(targets: TargetFigure[]): void {
  if (targets.length === 0) return;
  const verdict = (met: boolean | null) => (met === null ? 'not measured as stated' : met ? 'met' : 'MISSED');
  const width = Math.max(...targets.map((t) => t.target.length));
  const figureWidth = Math.max(...targets.map((t) => t.figure.length));
  const floorWidth = Math.max(5, ...targets.map((t) => t.floor?.length ?? 0));
  console.log('\ntargets (this run; the floor measured in the same run)');
  console.log(`  ${'target'.padEnd(width)}  ${'figure'.padEnd(figureWidth)}  ${'floor'.padEnd(floorWidth)}`);
  for (const t of targets) console.log(`  ${t.target.padEnd(width)}  ${t.figure.padEnd(figureWidth)}  ${(t.floor ?? '-').padEnd(floorWidth)}  ${verdict(t.met)}`);
  const count = (met: boolean) => targets.filter((t) => t.met === met).length;
  console.log(`  ${count(true)} met, ${count(false)} missed of ${targets.length}`);
}

main().catch((err) => {
  console.error('benchmark failed:', err);
  process.exit(1);
});
