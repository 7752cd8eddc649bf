import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Cases (reports of residents, partner systems, inspectors and patrols), their append-only timeline, SLA defaults, reference numbers and the illegal-construction ledger. */
export class Cases1764130400000 implements MigrationInterface {
  name = 'Cases1764130400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE case_record (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        reference text NOT NULL UNIQUE,
        category text NOT NULL CHECK (category IN ('PUBLIC_SECURITY','DISPUTE','ILLEGAL_CONSTRUCTION','ENVIRONMENT','LEGAL_AID','SOCIAL_ASSISTANCE','OTHER')),
        channel text NOT NULL CHECK (channel IN ('HOTLINE','MAILBOX','MOBILE_APP','WECHAT','WALK_IN','PATROL','GRID_INSPECTION','DRONE','URBAN_PLATFORM')),
        severity text NOT NULL CHECK (severity IN ('LOW','MEDIUM','HIGH','CRITICAL')),
        status text NOT NULL CHECK (status IN ('REPORTED','TRIAGED','ASSIGNED','IN_PROGRESS','RESOLVED','CLOSED','REOPENED')),
        title text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
        description text NOT NULL CHECK (length(description) BETWEEN 1 AND 10000),
        area_id uuid NOT NULL REFERENCES area(id),
        latitude double precision CHECK (latitude BETWEEN -90 AND 90),
        longitude double precision CHECK (longitude BETWEEN -180 AND 180),
        address text,
        reporter_user_id uuid REFERENCES app_user(id),
        reporter_organization_id uuid REFERENCES organization(id),
        reporter_contact text,
        recorded_by_user_id uuid REFERENCES app_user(id),
        recorded_by_client_id uuid REFERENCES api_client(id),
        external_source text,
        external_id text,
        patrol_id uuid,
        responsible_organization_id uuid REFERENCES organization(id),
        leader_user_id uuid REFERENCES app_user(id),
        handler_user_id uuid REFERENCES app_user(id),
        supervising_organization_id uuid REFERENCES organization(id),
        supervised_at timestamptz(3),
        due_at timestamptz(3) NOT NULL,
        escalated_at timestamptz(3),
        reported_at timestamptz(3) NOT NULL,
        triaged_at timestamptz(3),
        assigned_at timestamptz(3),
        started_at timestamptz(3),
        resolved_at timestamptz(3),
        closed_at timestamptz(3),
        resolution text,
        satisfaction int CHECK (satisfaction BETWEEN 1 AND 5),
        merged_into_id uuid REFERENCES case_record(id),
        attachments jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(attachments) = 'array'),
        version int NOT NULL DEFAULT 1,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now(),
        CHECK ((external_source IS NULL) = (external_id IS NULL)),
        CHECK (merged_into_id IS NULL OR merged_into_id <> id),
        CHECK (merged_into_id IS NULL OR status = 'CLOSED'),
        CHECK (status NOT IN ('ASSIGNED','IN_PROGRESS') OR (responsible_organization_id IS NOT NULL AND leader_user_id IS NOT NULL AND handler_user_id IS NOT NULL)),
        CHECK ((supervising_organization_id IS NULL) = (supervised_at IS NULL)),
        UNIQUE (external_source, external_id)
      );
      CREATE INDEX case_record_area_idx ON case_record (area_id);
      CREATE INDEX case_record_reported_idx ON case_record (reported_at DESC, id DESC);
      CREATE INDEX case_record_status_idx ON case_record (status, due_at);
      CREATE INDEX case_record_responsible_idx ON case_record (responsible_organization_id, resolved_at);
      CREATE INDEX case_record_supervising_idx ON case_record (supervising_organization_id) WHERE supervising_organization_id IS NOT NULL;
      CREATE INDEX case_record_reporter_idx ON case_record (reporter_user_id) WHERE reporter_user_id IS NOT NULL;
      CREATE INDEX case_record_handler_idx ON case_record (handler_user_id) WHERE handler_user_id IS NOT NULL;
      CREATE INDEX case_record_overdue_idx ON case_record (due_at) WHERE status NOT IN ('RESOLVED','CLOSED') AND escalated_at IS NULL;

      -- Reporters of duplicates merged into a case follow it (see its public part).
      CREATE TABLE case_follower (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        case_id uuid NOT NULL REFERENCES case_record(id),
        user_id uuid REFERENCES app_user(id),
        organization_id uuid REFERENCES organization(id),
        from_case_id uuid NOT NULL REFERENCES case_record(id),
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        CHECK (user_id IS NOT NULL OR organization_id IS NOT NULL)
      );
      CREATE INDEX case_follower_case_idx ON case_follower (case_id);
      CREATE INDEX case_follower_user_idx ON case_follower (user_id) WHERE user_id IS NOT NULL;
      CREATE INDEX case_follower_org_idx ON case_follower (organization_id) WHERE organization_id IS NOT NULL;

      CREATE TABLE case_event (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        case_id uuid NOT NULL REFERENCES case_record(id),
        type text NOT NULL CHECK (type IN ('REPORTED','TRIAGED','ASSIGNED','REASSIGNED','STARTED','COMMENTED','RESOLVED','CLOSED','REOPENED','MERGED','DUPLICATE_MERGED','SUPERVISED','ESCALATED','LEDGER_RECORDED','PLAN_SET','PHASE_COMPLETED')),
        visibility text NOT NULL CHECK (visibility IN ('PUBLIC','INTERNAL')),
        actor_user_id uuid,
        actor_client_id uuid,
        body text,
        data jsonb NOT NULL DEFAULT '{}',
        status_after text NOT NULL,
        occurred_at timestamptz(3) NOT NULL
      );
      CREATE INDEX case_event_case_idx ON case_event (case_id, id);
      CREATE INDEX case_event_public_idx ON case_event (case_id, id) WHERE visibility = 'PUBLIC';
      CREATE FUNCTION case_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          RAISE EXCEPTION 'case_event is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
        END
      $$;
      CREATE TRIGGER case_event_no_update BEFORE UPDATE OR DELETE ON case_event FOR EACH ROW EXECUTE FUNCTION case_event_append_only();
      CREATE TRIGGER case_event_no_truncate BEFORE TRUNCATE ON case_event FOR EACH STATEMENT EXECUTE FUNCTION case_event_append_only();

      -- Per prefix and year, the last reference number handed out.
      CREATE TABLE case_sequence (
        prefix text NOT NULL CHECK (prefix ~ '^[A-Z0-9]{1,20}$'),
        year int NOT NULL CHECK (year BETWEEN 2000 AND 2999),
        last_value int NOT NULL CHECK (last_value >= 0),
        PRIMARY KEY (prefix, year)
      );

      -- A configured reference prefix for an area and everything below it (the nearest one wins); otherwise the district's code.
      CREATE TABLE case_reference_prefix (
        area_id uuid PRIMARY KEY REFERENCES area(id),
        prefix text NOT NULL CHECK (prefix ~ '^[A-Z0-9]{1,20}$')
      );

      -- Default time to resolve per category and severity (hours from the report).
      CREATE TABLE case_sla_default (
        category text NOT NULL CHECK (category IN ('PUBLIC_SECURITY','DISPUTE','ILLEGAL_CONSTRUCTION','ENVIRONMENT','LEGAL_AID','SOCIAL_ASSISTANCE','OTHER')),
        severity text NOT NULL CHECK (severity IN ('LOW','MEDIUM','HIGH','CRITICAL')),
        hours int NOT NULL CHECK (hours BETWEEN 1 AND 8760),
        PRIMARY KEY (category, severity)
      );
      INSERT INTO case_sla_default (category, severity, hours)
      SELECT c.category, s.severity, (c.base * s.factor)::int
        FROM (VALUES ('PUBLIC_SECURITY', 72), ('DISPUTE', 168), ('ILLEGAL_CONSTRUCTION', 720), ('ENVIRONMENT', 168),
                     ('LEGAL_AID', 240), ('SOCIAL_ASSISTANCE', 240), ('OTHER', 240)) AS c(category, base)
       CROSS JOIN (VALUES ('LOW', 2.0), ('MEDIUM', 1.0), ('HIGH', 0.5), ('CRITICAL', 0.25)) AS s(severity, factor);

      CREATE TABLE illegal_construction_ledger (
        case_id uuid PRIMARY KEY REFERENCES case_record(id),
        structure_type text NOT NULL CHECK (length(structure_type) BETWEEN 1 AND 200),
        floor_area_m2 numeric(10,2) NOT NULL CHECK (floor_area_m2 > 0),
        discovered_by text NOT NULL CHECK (length(discovered_by) BETWEEN 1 AND 200),
        found_how text NOT NULL CHECK (found_how IN ('GRID_INSPECTION','DRONE','URBAN_PLATFORM','RESIDENT_REPORT','PATROL','OTHER')),
        classification text NOT NULL CHECK (classification IN ('NEW','EXISTING','HISTORICAL')),
        safety_hazard boolean NOT NULL,
        version int NOT NULL DEFAULT 1,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now()
      );

      CREATE TABLE disposal_plan_phase (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        case_id uuid NOT NULL REFERENCES illegal_construction_ledger(case_id),
        ordinal int NOT NULL CHECK (ordinal BETWEEN 1 AND 50),
        title text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
        due_on date NOT NULL,
        completed_on date,
        note text,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        UNIQUE (case_id, ordinal)
      );
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE disposal_plan_phase; DROP TABLE illegal_construction_ledger;
      DROP TABLE case_sla_default; DROP TABLE case_reference_prefix; DROP TABLE case_sequence;
      DROP TABLE case_event; DROP FUNCTION case_event_append_only();
      DROP TABLE case_follower; DROP TABLE case_record;
    `);
  }
}
