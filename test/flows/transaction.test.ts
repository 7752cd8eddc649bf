import { spawnSync } from 'node:child_process';
import { Client, escapeLiteral } from 'pg';
import { QueryFailedError, type DataSource } from 'typeorm';
import type { AppContext } from '../../src/shared/context';
import { EVENT_CHANNEL } from '../../src/shared/events/event-bus';
import { UserErrorCode, UserErrorsException, userError, type UserError } from '../../src/shared/errors';
import { EVENT_LOG_LOCK, fail, failIfAny, inTransaction, updateVersioned, withUserErrors } from '../../src/shared/transaction';
import { Organization } from '../../src/modules/organization/organization.entity';
import { openTestDataSource, type TestDatabase } from '../support/server';
import { sqlStringLiteral } from '../../src/shared/database/sql-literal';
import { onStatement } from '../support/statements';

/**
 * The write path's envelope on a real PostgreSQL, without the rest of the
 * server: a change commits with its audit rows and events or not at all;
 * event inserts wait for the event-log lock; subscribers are woken only after
 * commit; versions are compared exactly; business failures become userErrors.
 */

let database: TestDatabase;
let db: DataSource;
let closeDatabase: (() => Promise<void>) | undefined;
let side: Client;
let listener: Client;
const notifications: string[] = [];
let committedCalls = 0;
let invalidated: string[][] = [];
const USER = '11111111-1111-4111-8111-111111111111';
const CLIENT = '22222222-2222-4222-8222-222222222222';
const ORG_A = '33333333-3333-4333-8333-333333333333';
const ORG_B = '44444444-4444-4444-8444-444444444444';
let orgId: string;
/** A second organisation: an update of the first must leave it alone. */
let otherOrgId: string;

function context(): AppContext {
  return {
    app: {
      db,
      events: { committed: () => committedCalls++ },
      viewers: { invalidate: (subjects: string[]) => invalidated.push(subjects) },
    },
    viewer: { userId: USER, clientId: CLIENT },
    requestId: 'req-flows-1',
  } as unknown as AppContext;
}

const count = async (table: 'audit_entry' | 'event'): Promise<number> => Number((await side.query(`SELECT count(*) AS n FROM ${table}`)).rows[0].n);

beforeAll(async () => {
  ({ database, db, close: closeDatabase } = await openTestDataSource(4));
  side = new Client({ connectionString: database.url });
  await side.connect();
  listener = new Client({ connectionString: database.url });
  await listener.connect();
  listener.on('notification', (n) => notifications.push(n.channel));
  await listener.query(`LISTEN ${EVENT_CHANNEL}`);
  const area = await side.query(`INSERT INTO area (name, kind, path, depth) VALUES ('Flows', 'CITY', 'flows', 0) RETURNING id`);
  const org = await side.query(`INSERT INTO organization (name, kind, home_area_id) VALUES ('Flows office', 'NGO', $1) RETURNING id`, [area.rows[0].id]);
  orgId = org.rows[0].id;
  const other = await side.query(`INSERT INTO organization (name, kind, home_area_id) VALUES ('Other office', 'NGO', $1) RETURNING id`, [area.rows[0].id]);
  otherOrgId = other.rows[0].id;
}, 60_000);
afterAll(async () => {
  await listener?.end();
  await side?.end();
  await closeDatabase?.();
});
beforeEach(async () => {
  // A commit's NOTIFY reaches the listener asynchronously and may land after
  // the test that caused it has ended. PostgreSQL hands a listener its pending
  // notifications before answering its next query, so one round trip drains
  // whatever earlier tests left before this one starts counting.
  await listener.query('SELECT 1');
  notifications.length = 0;
  committedCalls = 0;
  invalidated = [];
});

const settle = () => new Promise((r) => setTimeout(r, 100));

describe('inTransaction', () => {
  test('given a change with an audit row and an event, when it commits, then both are stored with the actor, the request and a de-duplicated audience, and subscribers are woken once', async () => {
    const audits = await count('audit_entry');
    const result = await inTransaction(context(), async (tx) => {
      tx.audit({ action: 'flowsTest', recordType: 'Organization', recordId: orgId, details: { note: 'x' } });
      tx.emit({ topic: 'network', type: 'organization.updated', subjectId: orgId, areaPath: 'flows', organizationIds: [ORG_A, ORG_A, ORG_B], userIds: [USER, USER], payload: { organizationId: orgId } });
      return 'done';
    });
    await settle();

    expect(result).toBe('done');
    expect(await count('audit_entry')).toBe(audits + 1);
    const audit = (await side.query(`SELECT action, record_type, record_id, details, actor_user_id, actor_client_id, request_id FROM audit_entry ORDER BY id DESC LIMIT 1`)).rows[0];
    expect(audit).toEqual({ action: 'flowsTest', record_type: 'Organization', record_id: orgId, details: { note: 'x' }, actor_user_id: USER, actor_client_id: CLIENT, request_id: 'req-flows-1' });
    const event = (await side.query(`SELECT topic, type, subject_id, area_path, organization_ids, user_ids, payload FROM event ORDER BY id DESC LIMIT 1`)).rows[0];
    expect(event).toEqual({ topic: 'network', type: 'organization.updated', subject_id: orgId, area_path: 'flows', organization_ids: [ORG_A, ORG_B], user_ids: [USER], payload: { organizationId: orgId } });
    expect(notifications).toEqual([EVENT_CHANNEL]);
    expect(committedCalls).toBe(1);
  });

  test('given an event without subject, area or users, when it commits, then those are stored empty and the details default to {}', async () => {
    await inTransaction(context(), async (tx) => {
      tx.audit({ action: 'flowsBare', recordType: 'Organization', recordId: orgId });
      tx.emit({ topic: 'network', type: 'organization.updated', organizationIds: [ORG_A], payload: {} });
    });
    const event = (await side.query(`SELECT subject_id, area_path, user_ids FROM event ORDER BY id DESC LIMIT 1`)).rows[0];
    const audit = (await side.query(`SELECT details FROM audit_entry ORDER BY id DESC LIMIT 1`)).rows[0];
    expect(event).toEqual({ subject_id: null, area_path: null, user_ids: [] });
    expect(audit.details).toEqual({});
  });

  test('given details and a payload with quotes, backslashes, escapes and non-Latin text, when it commits, then PostgreSQL stores them exactly as given', async () => {
    // The rows travel inlined as one SQL literal (sqlStringLiteral); any slip in its quoting corrupts them or the statement.
    const awkward = { quote: "it's", doubled: "''", backslash: 'C:\\path\\', escapes: 'tab\tline\nend \\n \\u0041', json: '{"a":"b\\"c"}', e: "E'x'", chinese: '夜間巡邏' };
    await inTransaction(context(), async (tx) => {
      tx.audit({ action: 'flowsAwkward', recordType: 'Organization', recordId: orgId, details: awkward });
      tx.emit({ topic: 'network', type: 'organization.updated', organizationIds: [ORG_A], payload: { awkward, areaNote: "O'Brien \\ 張" } });
    });
    const audit = (await side.query(`SELECT details FROM audit_entry ORDER BY id DESC LIMIT 1`)).rows[0];
    const event = (await side.query(`SELECT payload FROM event ORDER BY id DESC LIMIT 1`)).rows[0];
    expect(audit.details).toEqual(awkward);
    expect(event.payload).toEqual({ awkward, areaNote: "O'Brien \\ 張" });
  });

  test('given any text, when it is made an SQL literal, then it is what pg escapeLiteral makes of it', () => {
    const alphabet = ["'", '\\', '"', 'a', ' ', '\n', '張', 'E', '\u00e9', '😀'];
    let seed = 7;
    const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    const samples = ['', "'", '\\', "\\'", ...Array.from({ length: 500 }, () => Array.from({ length: Math.floor(random() * 12) }, () => alphabet[Math.floor(random() * alphabet.length)]).join(''))];
    for (const text of samples) expect(sqlStringLiteral(text)).toBe(escapeLiteral(text));
  });

  test('given a change that fails after recording, when it rolls back, then neither audit rows nor events remain and nobody is woken', async () => {
    const [audits, events] = [await count('audit_entry'), await count('event')];
    await expect(
      inTransaction(context(), async (tx) => {
        tx.audit({ action: 'flowsFail', recordType: 'Organization', recordId: orgId });
        tx.emit({ topic: 'network', type: 'organization.updated', organizationIds: [ORG_A], payload: {} });
        await tx.em.query(`UPDATE organization SET description = 'half done' WHERE id = $1`, [orgId]);
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    await settle();

    expect([await count('audit_entry'), await count('event')]).toEqual([audits, events]);
    expect((await side.query(`SELECT description FROM organization WHERE id = $1`, [orgId])).rows[0].description).not.toBe('half done');
    expect(notifications).toEqual([]);
    expect(committedCalls).toBe(0);
  });

  test.each([
    ['neither audit rows nor events', false, false, 0],
    ['audit rows only', true, false, 3],
    ['events only', false, true, 3],
    ['audit rows and events', true, true, 4],
  ])('given a change with %s and nothing read, when it commits, then only the statements it needs are sent (none for nothing), each counted once', async (_, withAudit, withEvent, expected) => {
    const sent: string[] = [];
    const stopRecording = onStatement(db, (sql) => sent.push(sql));
    try {
      await inTransaction(context(), async (tx) => {
        if (withAudit) tx.audit({ action: 'flowsCounted', recordType: 'Organization', recordId: orgId });
        if (withEvent) tx.emit({ topic: 'network', type: 'organization.updated', organizationIds: [ORG_A], payload: {} });
      });
    } finally {
      stopRecording();
    }

    expect(sent).toHaveLength(expected);
    expect(sent.includes('START TRANSACTION') && sent.includes('COMMIT')).toBe(expected > 0);
    expect(sent.some((q) => q.includes('append_audit_entries('))).toBe(withAudit);
    expect(sent.some((q) => q.includes('append_events('))).toBe(withEvent);
  });

  test('given a transaction whose first statement is its firstRead, when it runs, then START TRANSACTION went with that statement in one message; after another statement, firstRead runs on its own', async () => {
    // PostgreSQL stamps a transaction with the time its first message arrived and a statement with its own message's.
    const sameMessage = 'SELECT transaction_timestamp() = statement_timestamp() AS same';
    const first = await inTransaction(context(), (tx) => tx.firstRead<{ same: boolean }>(sameMessage));
    const later = await inTransaction(context(), async (tx) => {
      await tx.em.query('SELECT 1');
      return tx.firstRead<{ same: boolean }>(sameMessage);
    });
    expect([first, later]).toEqual([[{ same: true }], [{ same: false }]]);
  });

  test('given a firstRead that fails, when the transaction ends, then the failure is a query failure and every pooled connection is fit for the next transaction', async () => {
    await expect(inTransaction(context(), (tx) => tx.firstRead('SELECT 1 / 0'))).rejects.toThrow(QueryFailedError);
    // The pool holds four connections: five transactions in a row use the failed one's connection again.
    const answers: unknown[] = [];
    for (let i = 0; i < 5; i++) answers.push(await inTransaction(context(), (tx) => tx.firstRead('SELECT count(*)::int AS n FROM organization WHERE id = ' + sqlStringLiteral(orgId))));
    expect(answers).toEqual(Array.from({ length: 5 }, () => [{ n: 1 }]));
  });

  test('given a change that fails before it reads or writes anything, when it ends, then nothing at all was sent', async () => {
    const sent: string[] = [];
    const stopRecording = onStatement(db, (sql) => sent.push(sql));
    try {
      await expect(inTransaction(context(), async () => Promise.reject(new Error('refused early')))).rejects.toThrow('refused early');
    } finally {
      stopRecording();
    }
    expect(sent).toEqual([]);
  });

  test('given a change with audit rows but no events, when it commits, then nobody is woken and the event-log lock is never taken', async () => {
    const events = await count('event');
    await side.query('BEGIN');
    await side.query('SELECT pg_advisory_xact_lock($1)', [EVENT_LOG_LOCK]);
    try {
      // Would wait for the side transaction if it took the lock.
      await inTransaction(context(), async (tx) => tx.audit({ action: 'flowsQuiet', recordType: 'Organization', recordId: orgId }));
    } finally {
      await side.query('COMMIT');
    }
    await settle();
    expect(await count('event')).toBe(events);
    expect(notifications).toEqual([]);
    expect(committedCalls).toBe(0);
  });

  test('given another transaction holding the event-log lock, when a change emits an event, then it commits only after that transaction ends', async () => {
    await side.query('BEGIN');
    await side.query('SELECT pg_advisory_xact_lock($1)', [EVENT_LOG_LOCK]);
    let committed = false;
    const writing = inTransaction(context(), async (tx) => tx.emit({ topic: 'network', type: 'organization.updated', organizationIds: [ORG_A], payload: {} })).then(() => (committed = true));
    await new Promise((r) => setTimeout(r, 300));
    const committedWhileLocked = committed;
    await side.query('COMMIT');
    await writing;
    expect(committedWhileLocked).toBe(false);
    expect(committed).toBe(true);
  });

  test('given a change with an event, when its event insert has been sent and this process then answers nothing, then PostgreSQL commits and frees the event-log lock by itself', async () => {
    // Every writer of the log queues on this lock. Here this process's event loop is blocked from the moment the
    // statement that takes the lock is sent, and another process asks whether the lock comes free meanwhile: it
    // does only if COMMIT went with the insert instead of waiting for this process to read the answer and send it.
    const freedWhileBlocked: boolean[] = [];
    const probe = `const { Client } = require('pg');
      (async () => {
        const c = new Client({ connectionString: process.env.PROBE_URL });
        await c.connect();
        let free = false;
        for (let i = 0; i < 40 && !free; i++) {
          free = (await c.query('SELECT pg_try_advisory_lock($1) AS free', [${EVENT_LOG_LOCK}])).rows[0].free;
          if (free) await c.query('SELECT pg_advisory_unlock($1)', [${EVENT_LOG_LOCK}]);
          else await new Promise((r) => setTimeout(r, 50));
        }
        await c.end();
        process.stdout.write(String(free));
      })();`;
    const stopWatching = onStatement(db, (sql) => {
      // The statement whose function takes the lock (append_events).
      if (!sql.includes('append_events(')) return;
      setImmediate(() => {
        const answer = spawnSync(process.execPath, ['-e', probe], { env: { ...process.env, PROBE_URL: database.url }, encoding: 'utf8', timeout: 20_000 });
        freedWhileBlocked.push(answer.stdout === 'true');
      });
    });
    try {
      await inTransaction(context(), async (tx) => tx.emit({ topic: 'network', type: 'organization.updated', organizationIds: [ORG_A], payload: {} }));
    } finally {
      stopWatching();
    }
    expect(freedWhileBlocked).toEqual([true]);
  }, 30_000);

  test('given an event that changes viewers, when it commits, then this process forgets their identities at once', async () => {
    await inTransaction(context(), async (tx) => {
      tx.emit({ topic: 'network', type: 'membership.removed', organizationIds: [ORG_A], payload: { invalidatesViewers: [`user:${USER}`] } });
      tx.emit({ topic: 'network', type: 'organization.updated', organizationIds: [ORG_A], payload: { invalidatesViewers: 'not a list' } });
    });
    expect(invalidated).toEqual([[`user:${USER}`]]);
  });

  test('given events that change no viewer, when they commit, then no identity is dropped', async () => {
    await inTransaction(context(), async (tx) => tx.emit({ topic: 'network', type: 'organization.updated', organizationIds: [ORG_A], payload: {} }));
    expect(invalidated).toEqual([]);
    expect(committedCalls).toBe(1);
  });
});

describe('updateVersioned', () => {
  const version = async (): Promise<number> => (await side.query(`SELECT version FROM organization WHERE id = $1`, [orgId])).rows[0].version;
  const describeAs = (text: string, expected: number | null) =>
    withUserErrors<{ userErrors: UserError[] }>(async () => {
      await inTransaction(context(), (tx) => updateVersioned(tx, Organization, orgId, expected, { description: text }, 'organisation'));
      return {};
    });

  test('given the current version, when updated, then the change applies and the version goes up by one', async () => {
    const before = await version();
    const result = await describeAs('current', before);
    expect(result.userErrors).toEqual([]);
    expect(await version()).toBe(before + 1);
    expect((await side.query(`SELECT version, description FROM organization WHERE id = $1`, [otherOrgId])).rows[0]).toEqual({ version: 1, description: null });
  });

  test('given an older or a newer version, when updated, then CONFLICT on expectedVersion and nothing changes', async () => {
    const before = await version();
    for (const stale of [before - 1, before + 1]) {
      const result = await describeAs(`stale ${stale}`, stale);
      expect(result.userErrors).toEqual([expect.objectContaining({ code: UserErrorCode.CONFLICT, field: ['input', 'expectedVersion'] })]);
    }
    expect(await version()).toBe(before);
    expect((await side.query(`SELECT description FROM organization WHERE id = $1`, [orgId])).rows[0].description).not.toMatch(/^stale/);
  });

  test('given no expected version, when updated, then any version is accepted', async () => {
    const before = await version();
    expect((await describeAs('any', null)).userErrors).toEqual([]);
    expect(await version()).toBe(before + 1);
  });
});

describe('withUserErrors', () => {
  test('given a successful build, then its value comes back with no userErrors', async () => {
    expect(await withUserErrors(async () => ({ value: 7 }))).toEqual({ value: 7, userErrors: [] });
  });

  test('given a business failure, then only its userErrors come back', async () => {
    const errors = [userError('name', UserErrorCode.REQUIRED, 'name is required.')];
    expect(await withUserErrors(async () => { throw new UserErrorsException(errors); })).toEqual({ userErrors: errors });
    expect(await withUserErrors(async () => fail('id', UserErrorCode.NOT_FOUND, 'No such thing.'))).toEqual({ userErrors: [userError('id', UserErrorCode.NOT_FOUND, 'No such thing.')] });
  });

  test('given a unique violation from the driver, at either level, then DUPLICATE', async () => {
    for (const error of [Object.assign(new Error('dup'), { code: '23505' }), Object.assign(new Error('dup'), { driverError: { code: '23505' } })]) {
      const result = await withUserErrors(async () => { throw error; });
      expect(result).toEqual({ userErrors: [expect.objectContaining({ code: UserErrorCode.DUPLICATE, message: 'This record already exists.' })] });
    }
  });

  test('given any other failure (another SQL error, a null), then it is rethrown for the top level', async () => {
    const other = Object.assign(new Error('fk'), { code: '23503', driverError: { code: '23503' } });
    await expect(withUserErrors(async () => { throw other; })).rejects.toBe(other);
    await expect(withUserErrors(async () => { throw null; })).rejects.toBeNull();
    const plain = new Error('plain');
    await expect(withUserErrors(async () => { throw plain; })).rejects.toBe(plain);
  });
});

describe('failIfAny', () => {
  test('given no errors, then nothing is thrown; given some, then all of them are', () => {
    expect(() => failIfAny([])).not.toThrow();
    const errors = [userError('a', UserErrorCode.REQUIRED, 'a'), userError('b', UserErrorCode.REQUIRED, 'b')];
    try {
      failIfAny(errors);
      throw new Error('not thrown');
    } catch (error) {
      expect(error).toBeInstanceOf(UserErrorsException);
      expect((error as UserErrorsException).userErrors).toEqual(errors);
    }
  });
});
