import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Figures that need the first time something happened (issue 15): time to
 * first dispatch (unit performance) and report-to-start response time
 * (contract compliance). `assigned_at` and `started_at` hold the latest
 * assignment and start, which a reassignment or a reopened case moves; a
 * trigger keeps the first ones, whoever writes the row. Also the reporter's
 * own verdict on a resolution.
 */
export class CaseFigures1764515000001 implements MigrationInterface {
  name = 'CaseFigures1764515000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE case_record
        ADD COLUMN first_assigned_at timestamptz(3),
        ADD COLUMN first_started_at timestamptz(3),
        ADD COLUMN reporter_verdict text CHECK (reporter_verdict IN ('CONFIRMED','DISPUTED')),
        ADD COLUMN reporter_feedback_at timestamptz(3),
        ADD COLUMN reporter_comment text CHECK (reporter_comment IS NULL OR length(reporter_comment) <= 2000);

      UPDATE case_record c SET
        first_assigned_at = least(c.assigned_at, (SELECT min(e.occurred_at) FROM case_event e WHERE e.case_id = c.id AND e.type = 'ASSIGNED')),
        first_started_at = least(c.started_at, (SELECT min(e.occurred_at) FROM case_event e WHERE e.case_id = c.id AND e.type = 'STARTED'));

      CREATE FUNCTION case_record_firsts() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF TG_OP = 'UPDATE' THEN
            NEW.first_assigned_at := coalesce(OLD.first_assigned_at, NEW.first_assigned_at, NEW.assigned_at);
            NEW.first_started_at := coalesce(OLD.first_started_at, NEW.first_started_at, NEW.started_at);
          ELSE
            NEW.first_assigned_at := coalesce(NEW.first_assigned_at, NEW.assigned_at);
            NEW.first_started_at := coalesce(NEW.first_started_at, NEW.started_at);
          END IF;
          RETURN NEW;
        END
      $$;
      CREATE TRIGGER case_record_firsts BEFORE INSERT OR UPDATE ON case_record FOR EACH ROW EXECUTE FUNCTION case_record_firsts();
      ALTER TABLE case_event DROP CONSTRAINT case_event_type_check;
      ALTER TABLE case_event ADD CONSTRAINT case_event_type_check CHECK (type IN ('REPORTED','TRIAGED','ASSIGNED','REASSIGNED','STARTED','COMMENTED','RESOLVED','CLOSED','REOPENED','MERGED','DUPLICATE_MERGED','SUPERVISED','ESCALATED','LEDGER_RECORDED','PLAN_SET','PHASE_COMPLETED','FEEDBACK'));

      CREATE INDEX case_record_first_assigned_idx ON case_record (first_assigned_at) WHERE first_assigned_at IS NOT NULL;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE case_event DROP CONSTRAINT case_event_type_check;
      ALTER TABLE case_event ADD CONSTRAINT case_event_type_check CHECK (type IN ('REPORTED','TRIAGED','ASSIGNED','REASSIGNED','STARTED','COMMENTED','RESOLVED','CLOSED','REOPENED','MERGED','DUPLICATE_MERGED','SUPERVISED','ESCALATED','LEDGER_RECORDED','PLAN_SET','PHASE_COMPLETED')) NOT VALID;
      DROP TRIGGER case_record_firsts ON case_record; DROP FUNCTION case_record_firsts();
      ALTER TABLE case_record DROP COLUMN first_assigned_at, DROP COLUMN first_started_at,
        DROP COLUMN reporter_verdict, DROP COLUMN reporter_feedback_at, DROP COLUMN reporter_comment;
    `);
  }
}
