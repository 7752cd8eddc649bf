import type { MigrationInterface, QueryRunner } from 'typeorm';

/** A reference of patrol_event: its column, the table it points into and the name its foreign key had. */
const REFERENCES = [
  { column: 'patrol_id', table: 'patrol', constraint: 'patrol_event_patrol_id_fkey' },
  { column: 'team_id', table: 'patrol_team', constraint: 'patrol_event_team_id_fkey' },
  { column: 'recorded_by_user_id', table: 'app_user', constraint: 'patrol_event_recorded_by_user_id_fkey' },
  { column: 'checkpoint_id', table: 'checkpoint', constraint: 'patrol_event_checkpoint_id_fkey' },
] as const;

/** The check of one reference for a statement's rows: `ids` are the distinct values the statement wrote. */
function checkOne(ids: string, table: string, column: string, constraint: string): string {
  return `
    IF ${ids} IS NOT NULL THEN
      SELECT count(*) INTO located FROM (SELECT 1 FROM ${table} WHERE id = ANY (${ids}) FOR KEY SHARE) referenced;
      IF located < cardinality(${ids}) THEN
        SELECT x INTO missing FROM unnest(${ids}) x WHERE NOT EXISTS (SELECT 1 FROM ${table} WHERE id = x) LIMIT 1;
        RAISE EXCEPTION 'insert or update on table "patrol_event" violates foreign key constraint "${constraint}"'
          USING ERRCODE = 'foreign_key_violation', CONSTRAINT = '${constraint}', TABLE = 'patrol_event', COLUMN = '${column}',
                DETAIL = format('Key (${column})=(%s) is not present in table "${table}".', missing);
      END IF;
    END IF;`;
}

/**
 * patrol_event's four references checked once per statement instead of once per row.
 *
 * A check-in batch inserts 50 rows, and each row's foreign keys ran their own lookup and took their own lock:
 * 155 of them per batch (50 each on patrol, patrol_team and app_user, one per checkpoint row), the largest single
 * cost of the batch inside PostgreSQL. On one quiet connection the four keys cost 0.8-1.0 ms of a 50-row insert's
 * 1.5-1.7 ms of CPU; and under load the 200 phones of one team all locked the same team and user rows 50 times
 * a batch.
 *
 * The rule is the same, only set-based:
 * - on insert, after each statement, the distinct rows its rows point to are locked as a foreign key's check locks
 *   them (FOR KEY SHARE: nobody can delete them or change their id until this transaction ends), and every value
 *   must have found its row, or the statement fails with the foreign key's error, code and name;
 * - a pointed-to row cannot be deleted, nor its id changed, while a check-in points to it: the guard locks the row
 *   first (a BEFORE row trigger runs on the locked row, so it waits for any inserting transaction that holds the
 *   share lock) and then looks for check-ins, as the foreign key's own trigger did.
 * Check-ins are never updated but for their case link (patrol_event_append_only), so inserts are all there is to
 * check. TRUNCATE of the four tables stays impossible: other foreign keys point to each of them.
 *
 * The checks keep their generic plans (each looks its rows up by key): left to choose, PostgreSQL planned two of
 * them anew for every batch, 0.35 ms of planning against 0.26 ms of execution.
 */
export class PatrolEventReferencesPerStatement1764806000000 implements MigrationInterface {
  name = 'PatrolEventReferencesPerStatement1764806000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE patrol_event ${REFERENCES.map((r) => `DROP CONSTRAINT ${r.constraint}`).join(', ')}`);
    await q.query(`
      CREATE FUNCTION patrol_event_check_references() RETURNS trigger LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan AS $fn$
      DECLARE
        patrols uuid[]; teams uuid[]; users uuid[]; checkpoints uuid[];
        located bigint; missing uuid;
      BEGIN
        SELECT array_agg(DISTINCT patrol_id), array_agg(DISTINCT team_id),
               array_agg(DISTINCT recorded_by_user_id) FILTER (WHERE recorded_by_user_id IS NOT NULL),
               array_agg(DISTINCT checkpoint_id) FILTER (WHERE checkpoint_id IS NOT NULL)
          INTO patrols, teams, users, checkpoints
          FROM added;
        ${checkOne('patrols', 'patrol', 'patrol_id', 'patrol_event_patrol_id_fkey')}
        ${checkOne('teams', 'patrol_team', 'team_id', 'patrol_event_team_id_fkey')}
        ${checkOne('users', 'app_user', 'recorded_by_user_id', 'patrol_event_recorded_by_user_id_fkey')}
        ${checkOne('checkpoints', 'checkpoint', 'checkpoint_id', 'patrol_event_checkpoint_id_fkey')}
        RETURN NULL;
      END
      $fn$`);
    await q.query(`
      CREATE TRIGGER patrol_event_check_references AFTER INSERT ON patrol_event
        REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION patrol_event_check_references()`);
    await q.query(`
      CREATE FUNCTION patrol_event_referenced_guard() RETURNS trigger LANGUAGE plpgsql AS $fn$
      DECLARE referenced boolean;
      BEGIN
        IF TG_OP = 'UPDATE' AND NEW.id = OLD.id THEN RETURN NEW; END IF;
        EXECUTE format('SELECT EXISTS (SELECT 1 FROM patrol_event WHERE %I = $1)', TG_ARGV[0]) INTO referenced USING OLD.id;
        IF referenced THEN
          RAISE EXCEPTION 'update or delete on table "%" violates foreign key constraint "%" on table "patrol_event"', TG_TABLE_NAME, TG_ARGV[1]
            USING ERRCODE = 'foreign_key_violation', CONSTRAINT = TG_ARGV[1], TABLE = TG_TABLE_NAME,
                  DETAIL = format('Key (id)=(%s) is still referenced from table "patrol_event".', OLD.id);
        END IF;
        RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
      END
      $fn$`);
    for (const r of REFERENCES) {
      await q.query(`
        CREATE TRIGGER patrol_event_referenced_guard BEFORE DELETE OR UPDATE OF id ON ${r.table}
          FOR EACH ROW EXECUTE FUNCTION patrol_event_referenced_guard('${r.column}', '${r.constraint}')`);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    for (const r of REFERENCES) await q.query(`DROP TRIGGER patrol_event_referenced_guard ON ${r.table}`);
    await q.query(`DROP FUNCTION patrol_event_referenced_guard()`);
    await q.query(`DROP TRIGGER patrol_event_check_references ON patrol_event`);
    await q.query(`DROP FUNCTION patrol_event_check_references()`);
    await q.query(`ALTER TABLE patrol_event ${REFERENCES.map((r) => `ADD CONSTRAINT ${r.constraint} FOREIGN KEY (${r.column}) REFERENCES ${r.table}(id)`).join(', ')}`);
  }
}
