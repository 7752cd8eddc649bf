import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Patrol teams, checkpoints, routes, patrols (shifts) and their append-only
 * check-in events. `contract_id` has no foreign key on purpose: contracts live
 * in another module and migration.
 */
export class Patrols1764130300000 implements MigrationInterface {
  name = 'Patrols1764130300000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE patrol_team (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        kind text NOT NULL CHECK (kind IN ('VOLUNTEER','COMMUNITY_PAID','CONTRACTED')),
        organization_id uuid NOT NULL REFERENCES organization(id),
        area_id uuid NOT NULL REFERENCES area(id),
        contract_id uuid,
        version int NOT NULL DEFAULT 1,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now(),
        CHECK (kind = 'CONTRACTED' OR contract_id IS NULL)
      );
      CREATE INDEX patrol_team_organization_idx ON patrol_team (organization_id, name, id);
      CREATE INDEX patrol_team_area_idx ON patrol_team (area_id);
      CREATE INDEX patrol_team_contract_idx ON patrol_team (contract_id) WHERE contract_id IS NOT NULL;

      CREATE TABLE patrol_team_member (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        team_id uuid NOT NULL REFERENCES patrol_team(id),
        user_id uuid NOT NULL REFERENCES app_user(id),
        role text NOT NULL CHECK (role IN ('LEADER','MEMBER')),
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        UNIQUE (team_id, user_id)
      );
      CREATE INDEX patrol_team_member_user_idx ON patrol_team_member (user_id);

      CREATE TABLE checkpoint (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        organization_id uuid NOT NULL REFERENCES organization(id),
        area_id uuid NOT NULL REFERENCES area(id),
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        kind text NOT NULL CHECK (kind IN ('DOOR','SHOP','GATE','HOTSPOT','OTHER')),
        latitude double precision NOT NULL CHECK (latitude BETWEEN -90 AND 90),
        longitude double precision NOT NULL CHECK (longitude BETWEEN -180 AND 180),
        retired_at timestamptz(3),
        version int NOT NULL DEFAULT 1,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now()
      );
      CREATE INDEX checkpoint_organization_idx ON checkpoint (organization_id, name, id);
      CREATE INDEX checkpoint_area_idx ON checkpoint (area_id);

      CREATE TABLE route (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        organization_id uuid NOT NULL REFERENCES organization(id),
        area_id uuid NOT NULL REFERENCES area(id),
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        retired_at timestamptz(3),
        version int NOT NULL DEFAULT 1,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now()
      );
      CREATE INDEX route_organization_idx ON route (organization_id, name, id);
      CREATE INDEX route_area_idx ON route (area_id);

      CREATE TABLE route_checkpoint (
        route_id uuid NOT NULL REFERENCES route(id) ON DELETE CASCADE,
        position int NOT NULL CHECK (position >= 0),
        checkpoint_id uuid NOT NULL REFERENCES checkpoint(id),
        PRIMARY KEY (route_id, position),
        UNIQUE (route_id, checkpoint_id)
      );
      CREATE INDEX route_checkpoint_checkpoint_idx ON route_checkpoint (checkpoint_id);

      CREATE TABLE patrol (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        team_id uuid NOT NULL REFERENCES patrol_team(id),
        area_id uuid NOT NULL REFERENCES area(id),
        route_id uuid REFERENCES route(id),
        leader_user_id uuid REFERENCES app_user(id),
        series_id uuid,
        planned_start timestamptz(3) NOT NULL,
        planned_end timestamptz(3) NOT NULL,
        status text NOT NULL DEFAULT 'PLANNED' CHECK (status IN ('PLANNED','ACTIVE','COMPLETED','MISSED','CANCELLED')),
        started_at timestamptz(3),
        ended_at timestamptz(3),
        cancel_reason text CHECK (cancel_reason IS NULL OR length(cancel_reason) <= 1000),
        version int NOT NULL DEFAULT 1,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now(),
        CHECK (planned_end > planned_start),
        CHECK (status NOT IN ('ACTIVE','COMPLETED') OR started_at IS NOT NULL),
        CHECK (status <> 'COMPLETED' OR ended_at IS NOT NULL)
      );
      CREATE INDEX patrol_team_idx ON patrol (team_id, planned_start, id);
      CREATE INDEX patrol_area_idx ON patrol (area_id, planned_start);
      CREATE INDEX patrol_start_idx ON patrol (planned_start, id);
      CREATE INDEX patrol_series_idx ON patrol (series_id, planned_start) WHERE series_id IS NOT NULL;
      CREATE INDEX patrol_due_idx ON patrol (planned_end) WHERE status = 'PLANNED';
      CREATE INDEX patrol_active_idx ON patrol (area_id) WHERE status = 'ACTIVE';

      -- The route's checkpoints as they were when the patrol was planned: later route edits do not rewrite history.
      CREATE TABLE patrol_planned_checkpoint (
        patrol_id uuid NOT NULL REFERENCES patrol(id),
        position int NOT NULL CHECK (position >= 0),
        checkpoint_id uuid NOT NULL REFERENCES checkpoint(id),
        PRIMARY KEY (patrol_id, position),
        UNIQUE (patrol_id, checkpoint_id)
      );

      CREATE TABLE patrol_event (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        patrol_id uuid NOT NULL REFERENCES patrol(id),
        team_id uuid NOT NULL REFERENCES patrol_team(id),
        device_id text NOT NULL CHECK (length(device_id) BETWEEN 1 AND 100),
        client_event_id text NOT NULL CHECK (length(client_event_id) BETWEEN 1 AND 100),
        kind text NOT NULL CHECK (kind IN ('STARTED','POSITION','CHECKPOINT','OBSERVATION','INCIDENT','ENDED')),
        device_time timestamptz(3) NOT NULL,
        received_at timestamptz(3) NOT NULL,
        recorded_by_user_id uuid REFERENCES app_user(id),
        recorded_by_client_id uuid,
        checkpoint_id uuid REFERENCES checkpoint(id),
        latitude double precision CHECK (latitude BETWEEN -90 AND 90),
        longitude double precision CHECK (longitude BETWEEN -180 AND 180),
        accuracy_meters double precision CHECK (accuracy_meters >= 0),
        distance_meters double precision CHECK (distance_meters >= 0),
        flagged boolean NOT NULL DEFAULT false,
        flag_reason text,
        text text CHECK (text IS NULL OR length(text) <= 4000),
        severity text CHECK (severity IN ('LOW','MEDIUM','HIGH','CRITICAL')),
        case_id uuid,
        CONSTRAINT patrol_event_client_id_key UNIQUE (team_id, device_id, client_event_id),
        CHECK ((kind = 'CHECKPOINT') = (checkpoint_id IS NOT NULL)),
        CHECK ((latitude IS NULL) = (longitude IS NULL)),
        CHECK (kind <> 'POSITION' OR latitude IS NOT NULL),
        CHECK (kind NOT IN ('OBSERVATION','INCIDENT') OR text IS NOT NULL),
        CHECK ((kind = 'INCIDENT') = (severity IS NOT NULL)),
        CHECK (flagged = (flag_reason IS NOT NULL))
      );
      CREATE INDEX patrol_event_patrol_idx ON patrol_event (patrol_id, device_time, id);
      CREATE INDEX patrol_event_checkpoint_idx ON patrol_event (patrol_id, checkpoint_id, device_time) WHERE kind = 'CHECKPOINT';
      -- Append-only, except that the case opened for an INCIDENT may be linked once, in the recording transaction.
      CREATE FUNCTION patrol_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF TG_OP = 'UPDATE' AND OLD.case_id IS NULL AND NEW.case_id IS NOT NULL
             AND (to_jsonb(NEW) - 'case_id') = (to_jsonb(OLD) - 'case_id') THEN
            RETURN NEW;
          END IF;
          RAISE EXCEPTION 'patrol_event is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
        END
      $$;
      CREATE TRIGGER patrol_event_no_update BEFORE UPDATE OR DELETE ON patrol_event FOR EACH ROW EXECUTE FUNCTION patrol_event_append_only();
      CREATE TRIGGER patrol_event_no_truncate BEFORE TRUNCATE ON patrol_event FOR EACH STATEMENT EXECUTE FUNCTION patrol_event_append_only();

      -- Who may see patrol records of an organisation in an area (DESIGN.md, Visibility): the organisation,
      -- organisations whose jurisdiction covers the area, and, for contracted work, organisations contracting
      -- with it (an active CONTRACTS_WITH relation, either direction) whose home area or jurisdiction covers the area.
      CREATE FUNCTION patrol_audience(owner uuid, contracted boolean, area_path text, on_day date) RETURNS uuid[]
      LANGUAGE sql STABLE AS $$
        SELECT array_agg(DISTINCT s.id) FROM (
          SELECT owner AS id
          UNION ALL
          SELECT j.organization_id FROM organization_jurisdiction j
           WHERE j.area_id = ANY (string_to_array(trim(both '/' from area_path), '/')::uuid[])
          UNION ALL
          SELECT c.id FROM relationship r
            JOIN organization c ON c.id = CASE WHEN r.from_organization_id = owner THEN r.to_organization_id ELSE r.from_organization_id END
           WHERE contracted AND r.type = 'CONTRACTS_WITH'
             AND (r.from_organization_id = owner OR r.to_organization_id = owner)
             AND r.starts_on <= on_day AND (r.ends_on IS NULL OR r.ends_on >= on_day)
             AND (area_path LIKE '%/' || c.home_area_id || '/%'
                  OR EXISTS (SELECT 1 FROM organization_jurisdiction cj
                              WHERE cj.organization_id = c.id AND area_path LIKE '%/' || cj.area_id || '/%'))
        ) s
      $$;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP FUNCTION patrol_audience(uuid, boolean, text, date);
      DROP TABLE patrol_event; DROP FUNCTION patrol_event_append_only();
      DROP TABLE patrol_planned_checkpoint; DROP TABLE patrol;
      DROP TABLE route_checkpoint; DROP TABLE route; DROP TABLE checkpoint;
      DROP TABLE patrol_team_member; DROP TABLE patrol_team;
    `);
  }
}
