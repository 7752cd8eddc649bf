import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { createTestDatabase, type TestDatabase } from '../support/server';

/**
 * A check-in's references (patrol, team, recording user, checkpoint) are checked once per statement
 * (migration PatrolEventReferencesPerStatement) and must hold exactly as foreign keys held them: no check-in
 * points at a row that does not exist, no pointed-to row can be deleted or re-keyed, and neither can slip in
 * between a concurrent insert and delete.
 */

let database: TestDatabase;
let db: Client;
let other: Client;

interface Parents {
  patrol: string;
  team: string;
  user: string;
  checkpoint: string;
}
let parents: Parents;

async function one(sql: string, values: unknown[] = []): Promise<string> {
  return (await db.query(sql, values)).rows[0].id;
}

/**
 * A user, team, checkpoint and patrol nothing points at yet. The patrol has a team of its own, so that the team
 * check-ins name is held by them alone (a patrol's own foreign key would hold its team as well).
 */
async function freshParents(): Promise<Parents> {
  const tag = randomUUID().slice(0, 8);
  const area = await one(`INSERT INTO area (name, kind, path, depth) VALUES ($1, 'CITY', $1, 0) RETURNING id`, [`refs-${tag}`]);
  const organization = await one(`INSERT INTO organization (name, kind, home_area_id) VALUES ($1, 'VOLUNTEER_PATROL', $2) RETURNING id`, [`巡邏隊 ${tag}`, area]);
  const user = await one(`INSERT INTO app_user (email, display_name, password_hash) VALUES ($1, '隊員', 'x') RETURNING id`, [`refs-${tag}@gongzhi.test`]);
  const team = await one(`INSERT INTO patrol_team (name, kind, organization_id, area_id) VALUES ($1, 'VOLUNTEER', $2, $3) RETURNING id`, [`team-${tag}`, organization, area]);
  const checkpoint = await one(
    `INSERT INTO checkpoint (organization_id, area_id, name, kind, latitude, longitude) VALUES ($1, $2, $3, 'OTHER', 30.31, 112.25) RETURNING id`,
    [organization, area, `cp-${tag}`],
  );
  const patrolTeam = await one(`INSERT INTO patrol_team (name, kind, organization_id, area_id) VALUES ($1, 'VOLUNTEER', $2, $3) RETURNING id`, [`patrol-team-${tag}`, organization, area]);
  const patrol = await one(
    `INSERT INTO patrol (team_id, area_id, planned_start, planned_end) VALUES ($1, $2, now() - interval '1 hour', now() + interval '1 hour') RETURNING id`,
    [patrolTeam, area],
  );
  return { patrol, team, user, checkpoint };
}

/** One statement inserting a position and a checkpoint check-in with these references. */
function insertCheckIns(on: Client, refs: Parents): Promise<unknown> {
  const tag = randomUUID();
  return on.query(
    `INSERT INTO patrol_event (patrol_id, team_id, recorded_by_user_id, device_id, client_event_id, kind, device_time, received_at, checkpoint_id, latitude, longitude)
     VALUES ($1, $2, $3, 'phone', $5, 'POSITION', now(), now(), NULL, 30.31, 112.25),
            ($1, $2, $3, 'phone', $6, 'CHECKPOINT', now(), now(), $4, NULL, NULL)`,
    [refs.patrol, refs.team, refs.user, refs.checkpoint, `p-${tag}`, `c-${tag}`],
  );
}

const countCheckIns = async (patrol: string) => Number((await db.query(`SELECT count(*) AS n FROM patrol_event WHERE patrol_id = $1`, [patrol])).rows[0].n);

beforeAll(async () => {
  database = await createTestDatabase();
  db = new Client({ connectionString: database.url });
  other = new Client({ connectionString: database.url });
  await Promise.all([db.connect(), other.connect()]);
  parents = await freshParents();
  await insertCheckIns(db, parents);
});

afterAll(async () => {
  await Promise.all([db.end(), other.end()]);
  await database.drop();
});

describe('check-in references, checked once per statement', () => {
  test('given existing references, when a statement inserts check-ins, then every row is stored', async () => {
    const refs = await freshParents();
    await insertCheckIns(db, refs);
    expect(await countCheckIns(refs.patrol)).toBe(2);
  });

  test.each([
    ['patrol', 'patrol_id', 'patrol'],
    ['team', 'team_id', 'patrol_team'],
    ['user', 'recorded_by_user_id', 'app_user'],
    ['checkpoint', 'checkpoint_id', 'checkpoint'],
  ] as const)('given a statement whose rows name an unknown %s, when it inserts, then it fails as the foreign key did and stores nothing', async (reference, column, table) => {
    const refs = await freshParents();
    const unknown = randomUUID();
    const error = await insertCheckIns(db, { ...refs, [reference]: unknown }).then(
      () => null,
      (e: { code?: string; constraint?: string; detail?: string }) => e,
    );
    expect(error).toMatchObject({ code: '23503', constraint: `patrol_event_${column}_fkey`, detail: `Key (${column})=(${unknown}) is not present in table "${table}".` });
    expect(await countCheckIns(refs.patrol)).toBe(0);
  });

  test('given the batch statement\'s shape (an insert inside WITH), when one row names an unknown checkpoint, then the whole statement fails', async () => {
    const refs = await freshParents();
    const statement = db.query(
      `WITH ins AS (
         INSERT INTO patrol_event (patrol_id, team_id, device_id, client_event_id, kind, device_time, received_at, checkpoint_id)
         SELECT $1, $2, 'phone', 'e-' || n, 'CHECKPOINT', now(), now(), CASE WHEN n = 3 THEN $4::uuid ELSE $3::uuid END FROM generate_series(1, 5) n
         RETURNING id)
       SELECT count(*) FROM ins`,
      [refs.patrol, refs.team, refs.checkpoint, randomUUID()],
    );
    await expect(statement).rejects.toMatchObject({ code: '23503', constraint: 'patrol_event_checkpoint_id_fkey' });
    expect(await countCheckIns(refs.patrol)).toBe(0);
  });

  test.each([
    ['patrol', 'patrol'],
    ['team', 'patrol_team'],
    ['user', 'app_user'],
    ['checkpoint', 'checkpoint'],
  ] as const)('given a %s a check-in points at, when it is deleted or its id changed, then both fail; another change of it and deleting one nothing points at succeed', async (reference, table) => {
    const id = parents[reference];
    await expect(db.query(`DELETE FROM ${table} WHERE id = $1`, [id])).rejects.toMatchObject({ code: '23503', detail: `Key (id)=(${id}) is still referenced from table "patrol_event".` });
    await expect(db.query(`UPDATE ${table} SET id = $2 WHERE id = $1`, [id, randomUUID()])).rejects.toMatchObject({ code: '23503' });
    await expect(db.query(`UPDATE ${table} SET id = id WHERE id = $1`, [id])).resolves.toMatchObject({ rowCount: 1 });
    const unreferenced = await freshParents();
    await expect(db.query(`DELETE FROM ${table} WHERE id = $1`, [unreferenced[reference]])).resolves.toMatchObject({ rowCount: 1 });
  });

  test('given a check-in inserted and not yet committed, when another transaction deletes its checkpoint, then the delete waits for the commit and then fails', async () => {
    const refs = await freshParents();
    await db.query('BEGIN');
    await insertCheckIns(db, refs);
    let settled = false;
    const deletion = other.query(`DELETE FROM checkpoint WHERE id = $1`, [refs.checkpoint]).finally(() => (settled = true));
    deletion.catch(() => {});
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(settled).toBe(false);
    await db.query('COMMIT');
    await expect(deletion).rejects.toMatchObject({ code: '23503' });
    expect(await countCheckIns(refs.patrol)).toBe(2);
  });

  test('given a checkpoint deleted and not yet committed, when check-ins naming it are inserted, then the insert waits for the commit and then fails', async () => {
    const refs = await freshParents();
    await other.query('BEGIN');
    await other.query(`DELETE FROM checkpoint WHERE id = $1`, [refs.checkpoint]);
    let settled = false;
    const insert = insertCheckIns(db, refs).finally(() => (settled = true));
    insert.catch(() => {});
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(settled).toBe(false);
    await other.query('COMMIT');
    await expect(insert).rejects.toMatchObject({ code: '23503', constraint: 'patrol_event_checkpoint_id_fkey' });
    expect(await countCheckIns(refs.patrol)).toBe(0);
  });
});
