import { createHmac } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import { Webhook } from 'standardwebhooks';
import { Viewer } from '../../shared/auth/viewer';
import { mayReceive } from '../../shared/events/event-stream';
import { EVENT_CHANNEL } from '../../shared/events/event-bus';
import { eventFromRow, type EventRecord, type EventRow } from '../../shared/events/event.entity';
import { EVENT_LOG_LOCK, eventLogJson } from '../../shared/transaction';
import type { WebhookConfig } from '../../shared/config';
import type { Logger } from '../../shared/logger';
import { toFeedEventJson } from '../event-feed/event-feed.present';
import { DISABLED_FAILING, type AttemptJson } from './webhook.entity';
import type { OutboundGuard } from './webhook.outbound';

/** Events handed to the queues per fan-out round, and read per endpoint per round. */
const FANOUT_BATCH = 5000;
const DELIVER_BATCH = 200;
/** One job delivers for about this long, then yields its worker slot to other endpoints. */
const DELIVER_SLICE_MS = 3000;
/** Attempts kept per delivery (the oldest are dropped). */
const ATTEMPTS_KEPT = 25;

export const FANOUT_TASK = 'webhook_fanout';
export const DELIVER_TASK = 'webhook_deliver';
export const REDELIVER_TASK = 'webhook_redeliver';

/** One queue per endpoint: graphile-worker runs the jobs of a queue one at a time, across every process. */
export const endpointQueue = (endpointId: string) => `webhook:${endpointId}`;

interface EndpointRow {
  id: string;
  organization_id: string;
  url: string;
  event_types: string[];
  secret: string;
  previous_secret: string | null;
  previous_secret_expires_at: Date | null;
  status: string;
  failing_since: Date | null;
  cursor: string;
}

/**
 * The organisation as it is now, asked by the one rule every transport uses
 * (`mayReceive`), at the moment of sending: an organisation that lost
 * access gets nothing more, one that gained it gets what it may now see.
 */
function visibleTo(endpoint: Pick<EndpointRow, 'organization_id'>, event: EventRecord): boolean {
  return mayReceive(Viewer.organization(endpoint.organization_id), event);
}

/** SQL adding (or moving forward) the delivery job of each endpoint in `$1`: keyed per endpoint, so N wake-ups make one job. */
export const ADD_DELIVER_JOBS = `
  SELECT graphile_worker.add_job($2, json_build_object('endpointId', e), queue_name := 'webhook:' || e, job_key := 'webhook:' || e,
                                 run_at := $3::timestamptz, job_key_mode := $4)
    FROM unnest($1::uuid[]) AS e`;

export interface DeliveryDeps {
  pool: Pool;
  guard: OutboundGuard;
  config: WebhookConfig;
  log: Logger;
  now: () => Date;
}

/** The fan-out's next page: its cursor on every row (a null event id when there is nothing new). */
const FANOUT_PAGE = `
  SELECT s.cursor::text AS cursor, e.id::text, e.topic, e.organization_ids, e.user_ids
    FROM webhook_fanout_state s LEFT JOIN LATERAL (SELECT * FROM event WHERE id > s.cursor ORDER BY id LIMIT $1) e ON true`;

/** Moves the fan-out cursor from $2 to $1 (compare-and-set) and, only when it moved, adds or moves forward the jobs of endpoints $3. */
const FANOUT_HAND_OVER = `
  WITH moved AS (UPDATE webhook_fanout_state SET cursor = $1 WHERE cursor = $2 RETURNING 1),
       added AS (
         SELECT graphile_worker.add_job($4, json_build_object('endpointId', e), queue_name := 'webhook:' || e, job_key := 'webhook:' || e,
                                        job_key_mode := 'preserve_run_at')
           FROM moved CROSS JOIN unnest($3::uuid[]) AS e)
  SELECT (SELECT count(*) FROM moved)::int AS moved, (SELECT count(*) FROM added)::int AS added`;

/**
 * Hands new events to the endpoints' queues: reads the log after the
 * fan-out cursor, then moves the cursor and adds the jobs in one statement,
 * only if the cursor is still where it was read (a fan-out of another process
 * that got there first wins, and this one reads again): an event is handed
 * over exactly once, whatever the number of processes. Two round trips and no
 * lock held in between, so a fan-out is quick even on a busy machine.
 * Returns whether to run again at once (a full page, or the cursor moved under it).
 */
export async function fanout(deps: DeliveryDeps): Promise<boolean> {
  const [page, endpoints] = await Promise.all([
    deps.pool.query<EventRow & { cursor: string }>(FANOUT_PAGE, [FANOUT_BATCH]),
    deps.pool.query<EndpointRow>(`SELECT id, organization_id, event_types FROM webhook_endpoint WHERE status = 'ENABLED'`),
  ]);
  const cursor = page.rows[0].cursor;
  const events = page.rows.filter((row) => row.id !== null);
  if (events.length === 0) return false;
  // Only events naming an organisation can be visible to its endpoints (see deliver), so each endpoint looks at those alone.
  const byOrganization = new Map<string, EventRow[]>();
  for (const event of events) {
    for (const organizationId of event.organization_ids) {
      const named = byOrganization.get(organizationId);
      if (named) named.push(event);
      else byOrganization.set(organizationId, [event]);
    }
  }
  const due = endpoints.rows
    .filter((endpoint) => byOrganization.get(endpoint.organization_id)?.some((event) => endpoint.event_types.includes(event.topic) && visibleTo(endpoint, eventFromRow(event))))
    .map((endpoint) => endpoint.id);
  const [{ moved }] = (await deps.pool.query(FANOUT_HAND_OVER, [events[events.length - 1].id, cursor, due, DELIVER_TASK])).rows;
  return moved === 0 || events.length === FANOUT_BATCH;
}

/** Secret keys as bytes, decoded once per secret (the `standardwebhooks` package decodes them: `whsec_` + base64). */
const signingKeys = new Map<string, Buffer>();

function signingKey(secret: string): Buffer {
  let key = signingKeys.get(secret);
  if (!key) {
    key = Buffer.from((new Webhook(secret) as unknown as { key: Uint8Array }).key);
    if (signingKeys.size >= 1024) signingKeys.delete(signingKeys.keys().next().value!);
    signingKeys.set(secret, key);
  }
  return key;
}

/**
 * The Standard Webhooks `v1` signature of `<id>.<timestamp seconds>.<body>`:
 * what `new Webhook(secret).sign(...)` returns, byte for byte (a unit test
 * holds the two equal), with node:crypto's native HMAC-SHA256 instead of the
 * package's pure-JavaScript one, which cost more than the HTTP request.
 */
export function signV1(secret: string, eventId: string, timestampSeconds: number, body: string): string {
  return `v1,${createHmac('sha256', signingKey(secret)).update(`${eventId}.${timestampSeconds}.${body}`).digest('base64')}`;
}

function signatureHeaders(endpoint: EndpointRow, eventId: string, body: string, now: Date): Record<string, string> {
  const timestamp = Math.floor(now.getTime() / 1000);
  const signatures = [signV1(endpoint.secret, eventId, timestamp, body)];
  // During a rotation the old secret signs too, so a receiver may switch secrets at its own pace.
  if (endpoint.previous_secret && endpoint.previous_secret_expires_at && endpoint.previous_secret_expires_at > now) {
    signatures.push(signV1(endpoint.previous_secret, eventId, timestamp, body));
  }
  return { 'webhook-id': eventId, 'webhook-timestamp': String(timestamp), 'webhook-signature': signatures.join(' ') };
}

/**
 * Bodies by event: what is POSTed does not depend on the endpoint (visibility
 * is yes or no), so an event going to N endpoints is serialised once.
 */
const bodies = new Map<string, string>();
const BODIES_KEPT = 4096;

function bodyOf(event: EventRecord): string {
  let body = bodies.get(event.id);
  if (body === undefined) {
    const json = toFeedEventJson(event);
    body = JSON.stringify({ ...json, topic: json.topic.toUpperCase() });
    if (bodies.size >= BODIES_KEPT) bodies.delete(bodies.keys().next().value!);
    bodies.set(event.id, body);
  }
  return body;
}

export async function send(deps: DeliveryDeps, endpoint: EndpointRow, event: EventRecord): Promise<AttemptJson & { ok: boolean }> {
  const body = bodyOf(event);
  return deps.guard.post(endpoint.url, signatureHeaders(endpoint, event.id, body, deps.now()), body);
}

/** Exponential backoff with jitter: base × 2^(n-1), capped, then a random point in its upper half. */
export function retryDelayMs(config: WebhookConfig, attemptCount: number): number {
  const ceiling = Math.min(config.retryMaxMs, config.retryBaseMs * 2 ** Math.min(attemptCount - 1, 30));
  return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
}

async function loadEndpoint(client: PoolClient | Pool, id: string): Promise<EndpointRow | null> {
  const { rows } = await client.query('SELECT *, cursor::text AS cursor FROM webhook_endpoint WHERE id = $1', [id]);
  return rows[0] ?? null;
}

const RECORD_FAILURE = `
  INSERT INTO webhook_delivery (endpoint_id, event_id, status, attempt_count, attempts, next_attempt_at, created_at, updated_at)
  VALUES ($1, $2, $3, 1, jsonb_build_array($4::jsonb), $5, now(), now())
  ON CONFLICT (endpoint_id, event_id) DO UPDATE SET status = excluded.status, attempt_count = webhook_delivery.attempt_count + 1,
    attempts = (webhook_delivery.attempts || excluded.attempts), next_attempt_at = excluded.next_attempt_at, updated_at = now()
  RETURNING attempt_count`;

/** Writes an event to the log from outside a request (the worker), as inTransaction does. */
async function emit(client: PoolClient, event: { topic: string; type: string; subjectId: string; organizationIds: string[]; payload: Record<string, unknown> }): Promise<void> {
  // The worker pool commits without waiting for the WAL flush; an event must not be seen (and its cursor handed out)
  // before it is durable, so this transaction waits, as the API's do.
  await client.query('SET LOCAL synchronous_commit = on');
  // Through the one writer of the log (append_events): its lock before the id is drawn, the wake-up on commit.
  await client.query('SELECT append_events($1::jsonb, $2, $3)', [eventLogJson([event]), EVENT_LOG_LOCK, EVENT_CHANNEL]);
}

/**
 * The endpoint and the next page of its log in one round trip: the endpoint's
 * columns ride on every row (a page with no event still has one row, with a
 * null event id). Only events naming the organisation can pass visibleTo (an
 * organisation viewer is no platform admin and no person), so the log is
 * narrowed in SQL; visibleTo still decides. `head` is the log's end when read:
 * a short page means the log was read up to it, and the cursor moves there, so
 * events the organisation may not see are not read again.
 */
const ENDPOINT_AND_PAGE = `
  SELECT w.id AS ep_id, w.organization_id AS ep_organization_id, w.url AS ep_url, w.event_types AS ep_event_types, w.secret AS ep_secret,
         w.previous_secret AS ep_previous_secret, w.previous_secret_expires_at AS ep_previous_secret_expires_at, w.status AS ep_status,
         w.failing_since AS ep_failing_since, w.cursor::text AS ep_cursor, head.id::text AS head,
         e.id::text, e.topic, e.type, e.subject_id, e.area_path, e.organization_ids, e.user_ids, e.payload, e.created_at
    FROM webhook_endpoint w
   CROSS JOIN (SELECT coalesce(max(id), 0) AS id FROM event) head
    LEFT JOIN LATERAL (
      SELECT * FROM event WHERE id > w.cursor AND id <= head.id AND topic = ANY(w.event_types) AND w.organization_id = ANY(organization_ids) ORDER BY id LIMIT $2
    ) e ON true
   WHERE w.id = $1`;

type PageRow = EventRow & { head: string } & { [K in keyof EndpointRow as `ep_${K}`]: EndpointRow[K] };

function endpointOf(row: PageRow): EndpointRow {
  return {
    id: row.ep_id,
    organization_id: row.ep_organization_id,
    url: row.ep_url,
    event_types: row.ep_event_types,
    secret: row.ep_secret,
    previous_secret: row.ep_previous_secret,
    previous_secret_expires_at: row.ep_previous_secret_expires_at,
    status: row.ep_status,
    failing_since: row.ep_failing_since,
    cursor: row.ep_cursor,
  };
}

/**
 * After a page with no failure: moves the cursor (compare-and-set: a replay or
 * an update that moved it meanwhile wins, and its own job takes over) and
 * records the successes, in one statement, so one round trip and one commit.
 * The records hang on the moved row: none is written when the cursor was not moved.
 */
const ADVANCE = `
  WITH moved AS (
    UPDATE webhook_endpoint SET cursor = $2, failing_since = CASE WHEN $4::boolean THEN NULL ELSE failing_since END
     WHERE id = $1 AND cursor = $3 AND status = 'ENABLED' RETURNING id
  ), recorded AS (
    INSERT INTO webhook_delivery (endpoint_id, event_id, status, attempt_count, attempts, created_at, updated_at)
    SELECT moved.id, x.event_id, 'SUCCEEDED', 1, jsonb_build_array(x.attempt), now(), now()
      FROM moved CROSS JOIN jsonb_to_recordset($5::jsonb) AS x(event_id bigint, attempt jsonb)
    ON CONFLICT (endpoint_id, event_id) DO UPDATE SET status = 'SUCCEEDED', attempt_count = webhook_delivery.attempt_count + 1,
      attempts = webhook_delivery.attempts || excluded.attempts, next_attempt_at = NULL, updated_at = now()
    RETURNING 1
  )
  SELECT count(*)::int AS moved FROM moved`;

/**
 * Delivers an endpoint's events in cursor order, one at a time, from its
 * cursor on. A success moves the cursor; a failure stops the endpoint until
 * its retry (later events wait behind it, so order holds), unless the event
 * is past the maximum age: then it is dead-lettered and the endpoint moves
 * on. An endpoint with no success for `disableAfterMs` is disabled and its
 * organisation gets a `webhookEndpoint.disabled` event. Results are written
 * after each batch; a crash in between sends those events again with the
 * same `webhook-id` (at-least-once).
 *
 * The job ends once the log was read to its end: an event committed later is
 * handed over by a later fan-out, which adds a new job for this endpoint
 * (graphile-worker adds a fresh one when the keyed job is running).
 */
export async function deliver(deps: DeliveryDeps, endpointId: string): Promise<void> {
  const sliceEnd = Date.now() + DELIVER_SLICE_MS;
  for (;;) {
    const { rows } = await deps.pool.query<PageRow>(ENDPOINT_AND_PAGE, [endpointId, DELIVER_BATCH]);
    if (rows.length === 0) return;
    const endpoint = endpointOf(rows[0]);
    if (endpoint.status !== 'ENABLED') return;
    const head: string = rows[0].head;
    const page = rows.filter((row) => row.id !== null);
    if (page.length === 0 && BigInt(head) <= BigInt(endpoint.cursor)) return;
    const succeeded: { event_id: string; attempt: AttemptJson }[] = [];
    let position = endpoint.cursor;
    let failed: { event: EventRecord; attempt: AttemptJson } | null = null;
    for (const row of page) {
      const event = eventFromRow(row);
      if (!visibleTo(endpoint, event)) {
        position = event.id;
        continue;
      }
      const { ok, ...attempt } = await send(deps, endpoint, event);
      if (!ok) {
        failed = { event, attempt };
        break;
      }
      succeeded.push({ event_id: event.id, attempt });
      position = event.id;
      if (Date.now() > sliceEnd) break;
    }
    const readToHead = !failed && page.length < DELIVER_BATCH && (page.length === 0 || position === page[page.length - 1].id);
    if (readToHead) position = head;

    if (!failed) {
      const [{ moved }] = (await deps.pool.query(ADVANCE, [endpoint.id, position, endpoint.cursor, succeeded.length > 0, JSON.stringify(succeeded)])).rows;
      if (moved === 0 || readToHead) return;
    } else if (await recordPageWithFailure(deps, endpoint, position, succeeded, failed)) return;
    if (Date.now() > sliceEnd) {
      // Yield the worker slot; the queue keeps this endpoint's order.
      await deps.pool.query(ADD_DELIVER_JOBS, [[endpoint.id], DELIVER_TASK, null, 'replace']);
      return;
    }
  }
}

/** A page that ended in a failure: successes, cursor and failure in one transaction. Returns whether the endpoint stops here. */
async function recordPageWithFailure(
  deps: DeliveryDeps,
  endpoint: EndpointRow,
  position: string,
  succeeded: { event_id: string; attempt: AttemptJson }[],
  failed: { event: EventRecord; attempt: AttemptJson },
): Promise<boolean> {
  const client = await deps.pool.connect();
  try {
    await client.query('BEGIN');
    const [{ moved }] = (await client.query(ADVANCE, [endpoint.id, position, endpoint.cursor, succeeded.length > 0, JSON.stringify(succeeded)])).rows;
    if (moved === 0) {
      await client.query('ROLLBACK');
      return true;
    }
    const stop = await recordFailure(deps, client, endpoint, failed.event, failed.attempt, position, succeeded.length > 0);
    await client.query('COMMIT');
    return stop;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

/** Returns whether the endpoint stops here (waits for a retry or was disabled); false when the event was dead-lettered and delivery goes on. */
async function recordFailure(deps: DeliveryDeps, client: PoolClient, endpoint: EndpointRow, event: EventRecord, attempt: AttemptJson, position: string, anySuccess: boolean): Promise<boolean> {
  const now = deps.now();
  const tooOld = now.getTime() - new Date(event.createdAt).getTime() > deps.config.maxAgeMs;
  if (tooOld) {
    await client.query(RECORD_FAILURE, [endpoint.id, event.id, 'DEAD', attempt, null]);
    await client.query(`UPDATE webhook_endpoint SET cursor = $2, failing_since = coalesce(failing_since, $3) WHERE id = $1 AND cursor = $4`, [endpoint.id, event.id, now, position]);
    await trimAttempts(client, endpoint.id, event.id);
    return disableIfFailingTooLong(deps, client, endpoint, now, anySuccess);
  }
  const { rows } = await client.query(`SELECT attempt_count FROM webhook_delivery WHERE endpoint_id = $1 AND event_id = $2`, [endpoint.id, event.id]);
  const next = new Date(now.getTime() + retryDelayMs(deps.config, (rows[0]?.attempt_count ?? 0) + 1));
  await client.query(RECORD_FAILURE, [endpoint.id, event.id, 'FAILED', attempt, next]);
  await client.query(`UPDATE webhook_endpoint SET failing_since = coalesce(failing_since, $2) WHERE id = $1`, [endpoint.id, now]);
  await trimAttempts(client, endpoint.id, event.id);
  if (await disableIfFailingTooLong(deps, client, endpoint, now, anySuccess)) return true;
  await client.query(ADD_DELIVER_JOBS, [[endpoint.id], DELIVER_TASK, next, 'replace']);
  return true;
}

async function trimAttempts(client: PoolClient, endpointId: string, eventId: string): Promise<void> {
  await client.query(
    `UPDATE webhook_delivery SET attempts = (SELECT coalesce(jsonb_agg(a ORDER BY n), '[]') FROM jsonb_array_elements(attempts) WITH ORDINALITY AS t(a, n) WHERE n > jsonb_array_length(attempts) - $3)
      WHERE endpoint_id = $1 AND event_id = $2 AND jsonb_array_length(attempts) > $3`,
    [endpointId, eventId, ATTEMPTS_KEPT],
  );
}

async function disableIfFailingTooLong(deps: DeliveryDeps, client: PoolClient, endpoint: EndpointRow, now: Date, anySuccess: boolean): Promise<boolean> {
  const since = anySuccess ? null : endpoint.failing_since;
  if (!since || now.getTime() - new Date(since).getTime() < deps.config.disableAfterMs) return false;
  await client.query(`UPDATE webhook_endpoint SET status = 'DISABLED', disabled_reason = $2, updated_at = now() WHERE id = $1`, [endpoint.id, DISABLED_FAILING]);
  await emit(client, {
    topic: 'network',
    type: 'webhookEndpoint.disabled',
    subjectId: endpoint.organization_id,
    organizationIds: [endpoint.organization_id],
    payload: { webhookEndpointId: endpoint.id, reason: DISABLED_FAILING, failingSince: new Date(since).toISOString(), url: endpoint.url },
  });
  deps.log.warn({ endpointId: endpoint.id, failingSince: since }, 'webhook endpoint disabled after failing too long');
  return true;
}

/** A manual retry of one delivery (e.g. a dead letter): sent once more, out of cursor order because someone asked for it. */
export async function redeliver(deps: DeliveryDeps, deliveryId: string): Promise<void> {
  const { rows } = await deps.pool.query(
    `SELECT d.endpoint_id, d.status, e.id::text, e.topic, e.type, e.subject_id, e.area_path, e.organization_ids, e.user_ids, e.payload, e.created_at
       FROM webhook_delivery d JOIN event e ON e.id = d.event_id WHERE d.id = $1`,
    [deliveryId],
  );
  if (!rows[0]) return;
  const endpoint = await loadEndpoint(deps.pool, rows[0].endpoint_id);
  if (!endpoint || endpoint.status !== 'ENABLED') return;
  const event = eventFromRow(rows[0]);
  if (!visibleTo(endpoint, event)) return;
  const { ok, ...attempt } = await send(deps, endpoint, event);
  await deps.pool.query(
    `UPDATE webhook_delivery SET status = CASE WHEN $2 THEN 'SUCCEEDED' ELSE status END, attempt_count = attempt_count + 1,
            attempts = attempts || jsonb_build_array($3::jsonb), updated_at = now() WHERE id = $1`,
    [deliveryId, ok, attempt],
  );
}
