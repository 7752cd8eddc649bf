import { QueryFailedError, type EntityManager, type EntityTarget, type ObjectLiteral, type QueryRunner } from 'typeorm';
import type { PoolClient } from 'pg';
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
  /**
   * Runs the transaction's first statement in one message with its START TRANSACTION: a round trip less, which
   * on this machine is about a sixteenth of a check-in batch's CPU (bench, two extra round trips per batch: 12%
   * fewer events/s). The statement goes by the simple protocol, so its values must be inlined as literals (see
   * sqlStringLiteral). After any other statement of the transaction it simply runs.
   */
  firstRead<T = Record<string, unknown>>(statement: string): Promise<T[]>;
  /**
   * The same transaction acting for another request: its audit rows name that request's viewer and request id.
   * Check-in batches of several phones share one transaction (patrol.ingest-group.ts), each audited as its own.
   */
  actingFor(ctx: AppContext): Tx;
}

/** An audit row with the request it is recorded for: its actor and request id. */
interface PendingAudit {
  entry: NewAuditEntry;
  ctx: AppContext;
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
function auditInsertSql(entries: PendingAudit[]): string {
  const rows = JSON.stringify(
    entries.map(({ entry: a, ctx }) => ({
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

/** TypeORM's own bookkeeping of a runner whose transaction was committed (or never begun) by statements of ours. */
function markCommitted(runner: QueryRunner): void {
  const state = runner as unknown as { isTransactionActive: boolean; transactionDepth: number };
  state.isTransactionActive = false;
  state.transactionDepth = 0;
}

const BEGIN = 'START TRANSACTION';

/**
 * Opens the runner's transaction lazily: TypeORM is told it is open (so it wraps nothing in a transaction of its
 * own and rolls back on error), while START TRANSACTION waits for the first statement. Whatever reaches the
 * connection first (a query through TypeORM, a prepared statement, firstRead) sends it; a transaction that never
 * reaches the database sends nothing at all. Every path to the connection goes through `connect`, so that is
 * where the transaction is begun.
 */
function openLazily(runner: QueryRunner): { begun(): boolean; beginWith<T>(statement: string): Promise<T[]>; markBegun(): void } {
  const state = runner as unknown as { isTransactionActive: boolean; transactionDepth: number; connect(): Promise<PoolClient> };
  state.isTransactionActive = true;
  state.transactionDepth = 1;
  let begun = false;
  const connect = state.connect.bind(runner);
  state.connect = async () => {
    const client = await connect();
    if (!begun) {
      begun = true;
      runner.connection.logger.logQuery(BEGIN, undefined, runner);
      await client.query(BEGIN);
    }
    return client;
  };
  return {
    begun: () => begun,
    markBegun: () => (begun = true),
    async beginWith<T>(statement: string): Promise<T[]> {
      if (begun) return runner.query(statement);
      const client = await connect();
      begun = true;
      runner.connection.logger.logQuery(BEGIN, undefined, runner);
      runner.connection.logger.logQuery(statement, undefined, runner);
      try {
        const results = (await client.query(`${BEGIN};\n${statement}`)) as unknown as { rows: T[] }[];
        return results[1].rows;
      } catch (error) {
        runner.connection.logger.logQueryError(error as Error, statement, undefined, runner);
        throw new QueryFailedError(statement, undefined, error as Error);
      }
    },
  };
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
  const audits: PendingAudit[] = [];
  const events: NewEvent[] = [];
  const runner = ctx.app.db.createQueryRunner();
  const transaction = openLazily(runner);
  let result: T;
  try {
    const em = runner.manager;
    const txFor = (actor: AppContext): Tx => ({
      em,
      ctx: actor,
      audit: (entry) => audits.push({ entry, ctx: actor }),
      emit: (e) => events.push(e),
      firstRead: (statement) => transaction.beginWith(statement),
      actingFor: txFor,
    });
    result = await work(txFor(ctx));
    const writes: string[] = [];
    // Writes with nothing read before them: their transaction begins in the same message.
    if (!transaction.begun() && (audits.length > 0 || events.length > 0)) writes.push(BEGIN);
    if (audits.length > 0) writes.push(auditInsertSql(audits));
    if (events.length > 0) writes.push(eventInsertSql(events));
    if (writes.length > 0) {
      // One message, still counted statement by statement: runner.query logs the message (with the last write) as one.
      for (const statement of [...writes.slice(0, -1), 'COMMIT']) ctx.app.db.logger.logQuery(statement, undefined, runner);
      transaction.markBegun();
      await runner.query(`${writes.join(';\n')};\nCOMMIT`);
      markCommitted(runner);
    } else if (transaction.begun()) {
      await runner.commitTransaction();
    } else {
      // Nothing reached the database: there is nothing to commit.
      markCommitted(runner);
    }
  } catch (error) {
    // A failed COMMIT has ended the transaction already; ROLLBACK then only draws a warning. A transaction that
    // never began has nothing to roll back.
    if (transaction.begun() && runner.isTransactionActive) await runner.rollbackTransaction().catch(() => {});
    else markCommitted(runner);
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
