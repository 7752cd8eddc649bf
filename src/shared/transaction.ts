import type { EntityManager, EntityTarget, ObjectLiteral, QueryRunner } from 'typeorm';
import type { NewAuditEntry } from './audit/audit.entity';
import type { NewEvent } from './events/event.entity';
import type { AppContext } from './context';
import { UserError, UserErrorsException, userError, UserErrorCode } from './errors';
import { EVENT_CHANNEL } from './events/event-bus';
import { sqlStringLiteral } from './database/sql-literal';

/** Any constant works; it only has to be the same for every writer of the event log. */
export const EVENT_LOG_LOCK = 727_001;

export interface Tx {
  em: EntityManager;
  ctx: AppContext;
  audit(entry: NewAuditEntry): void;
  emit(event: NewEvent): void;
}

/** New events as append_events takes them: one shape for every writer of the log. */
export function eventLogJson(events: NewEvent[]): string {
  return JSON.stringify(
    events.map((e) => ({
      topic: e.topic,
      type: e.type,
      subject_id: e.subjectId ?? null,
      area_path: e.areaPath ?? null,
      organization_ids: [...new Set(e.organizationIds)],
      user_ids: [...new Set(e.userIds ?? [])],
      payload: e.payload,
    })),
  );
}

/**
 * The event log's insert (function append_events, migration LogAppendFunctions), as a simple-protocol statement with
 * the rows inlined as a literal so that COMMIT can follow it in the same message. The function takes the log's lock
 * (held until commit, so ids become visible in the order they were taken) before it draws any id, and sends the
 * wake-up, which PostgreSQL delivers only if the transaction commits.
 */
function eventInsertSql(events: NewEvent[]): string {
  return `SELECT append_events(${sqlStringLiteral(eventLogJson(events))}::jsonb, ${EVENT_LOG_LOCK}, ${sqlStringLiteral(EVENT_CHANNEL)})`;
}

/**
 * The audit rows' insert (function append_audit_entries), inlined like the events' so that it travels in the same
 * message as COMMIT: a change costs one round trip less. Rows keep the order they were recorded in; `at` is the
 * transaction's start, as before.
 */
function auditInsertSql(entries: NewAuditEntry[], ctx: AppContext): string {
  const rows = JSON.stringify(
    entries.map((a) => ({
      action: a.action,
      record_type: a.recordType,
      record_id: a.recordId,
      details: a.details ?? {},
      actor_user_id: ctx.viewer.userId ?? null,
      actor_client_id: ctx.viewer.clientId ?? null,
      request_id: ctx.requestId ?? null,
    })),
  );
  return `SELECT append_audit_entries(${sqlStringLiteral(rows)}::jsonb)`;
}

/** TypeORM's own bookkeeping of a runner whose transaction was committed by a statement of ours. */
function markCommitted(runner: QueryRunner): void {
  const state = runner as unknown as { isTransactionActive: boolean; transactionDepth: number };
  state.isTransactionActive = false;
  state.transactionDepth = 0;
}

/**
 * Runs a change with its audit rows and events in one transaction: a rolled
 * back change leaves neither, a committed one always has both. Subscribers
 * are woken after commit; they read the log, never this process's memory.
 *
 * Every writer of the event log queues on one lock from its event insert to
 * the end of its commit. The insert and COMMIT therefore go to PostgreSQL in
 * one message: the lock is held for the insert and the commit alone, never
 * while the server waits for this process to read the insert's answer and
 * send COMMIT (on a busy event loop that wait was most of the time the lock
 * was held, and every other writer waited behind it). The audit rows go
 * ahead of them in the same message, before the lock is taken. Each still
 * counts as a statement.
 */
export async function inTransaction<T>(ctx: AppContext, work: (tx: Tx) => Promise<T>): Promise<T> {
  const audits: NewAuditEntry[] = [];
  const events: NewEvent[] = [];
  const runner = ctx.app.db.createQueryRunner();
  let result: T;
  try {
    await runner.startTransaction();
    const em = runner.manager;
    const tx: Tx = { em, ctx, audit: (e) => audits.push(e), emit: (e) => events.push(e) };
    result = await work(tx);
    const writes: string[] = [];
    if (audits.length > 0) writes.push(auditInsertSql(audits, ctx));
    if (events.length > 0) writes.push(eventInsertSql(events));
    if (writes.length > 0) {
      // One message, still counted statement by statement: runner.query logs the message (with the last write) as one.
      for (const statement of [...writes.slice(0, -1), 'COMMIT']) ctx.app.db.logger.logQuery(statement, undefined, runner);
      await runner.query(`${writes.join(';\n')};\nCOMMIT`);
      markCommitted(runner);
    } else {
      await runner.commitTransaction();
    }
  } catch (error) {
    // A failed COMMIT has ended the transaction already; ROLLBACK then only draws a warning.
    if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => {});
    throw error;
  } finally {
    await runner.release();
  }
  if (events.length > 0) {
    // This process drops changed identities at once (a socket's next operation must not use the old one);
    // other processes do when the event reaches them.
    const subjects = events.flatMap((e) => (Array.isArray(e.payload?.invalidatesViewers) ? (e.payload.invalidatesViewers as string[]) : []));
    if (subjects.length > 0) ctx.app.viewers?.invalidate(subjects);
    ctx.app.events.committed();
  }
  return result;
}

export interface Payload {
  userErrors: UserError[];
}

/**
 * Runs a mutation's service call and turns business-rule failures into the
 * payload's `userErrors`; anything else stays a (sanitised) top-level error.
 */
export async function withUserErrors<P extends Payload>(build: () => Promise<Omit<P, 'userErrors'>>): Promise<P> {
  try {
    const value = await build();
    return { ...value, userErrors: [] } as unknown as P;
  } catch (error) {
    if (error instanceof UserErrorsException) return { userErrors: error.userErrors } as P;
    if (isUniqueViolation(error)) {
      return { userErrors: [userError([], UserErrorCode.DUPLICATE, 'This record already exists.')] } as P;
    }
    throw error;
  }
}

function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: string; driverError?: { code?: string } };
  return e?.code === '23505' || e?.driverError?.code === '23505';
}

export function fail(field: string[] | string, code: UserErrorCode, message: string): never {
  throw new UserErrorsException([userError(field, code, message)]);
}

export function failIfAny(errors: UserError[]): void {
  if (errors.length > 0) throw new UserErrorsException(errors);
}

/**
 * Conditional update for optimistic concurrency: applies `changes` and bumps
 * `version` only if the row still has `expectedVersion` (any version when it
 * is null). Of two writers holding the same version exactly one wins; the
 * other gets CONFLICT and, the transaction being rolled back, nothing changes.
 * Values may be SQL expressions given as functions, e.g. `() => 'now()'`.
 */
export async function updateVersioned<T extends ObjectLiteral & { version: number }>(
  tx: Pick<Tx, 'em'>,
  entity: EntityTarget<T>,
  id: string,
  expectedVersion: number | null | undefined,
  changes: Record<string, unknown>,
  what: string,
): Promise<void> {
  const result = await tx.em
    .createQueryBuilder()
    .update(entity)
    .set({ ...changes, version: () => 'version + 1' } as never)
    .where('id = :id', { id })
    .andWhere(expectedVersion != null ? 'version = :expected' : 'TRUE', { expected: expectedVersion })
    .execute();
  if (result.affected === 0) fail('expectedVersion', UserErrorCode.CONFLICT, `The ${what} changed since you read it; reload and retry.`);
}
