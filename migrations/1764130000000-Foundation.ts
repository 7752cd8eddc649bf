import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Areas, organisations, accounts, the organisation network, API clients, and the audit and event logs. */
export class Foundation1764130000000 implements MigrationInterface {
  name = 'Foundation1764130000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE area (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        kind text NOT NULL CHECK (kind IN ('CITY','DISTRICT','COUNTY','STREET','TOWN','COMMUNITY','VILLAGE','GRID')),
        code text,
        parent_id uuid REFERENCES area(id),
        path text NOT NULL,
        depth int NOT NULL,
        created_at timestamptz(3) NOT NULL DEFAULT now()
      );
      CREATE UNIQUE INDEX area_path_idx ON area (path text_pattern_ops);
      CREATE INDEX area_parent_idx ON area (parent_id, name, id);
      CREATE INDEX area_name_idx ON area (name, id);

      CREATE TABLE organization (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        kind text NOT NULL CHECK (kind IN ('GOVERNMENT_BODY','POLICE_STATION','STREET_OFFICE','RESIDENT_COMMITTEE','VILLAGE_COMMITTEE','NGO','SECURITY_COMPANY','VOLUNTEER_PATROL','PROPERTY_MANAGER','LEGAL_SERVICE')),
        description text,
        home_area_id uuid NOT NULL REFERENCES area(id),
        parent_id uuid REFERENCES organization(id),
        version int NOT NULL DEFAULT 1,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now()
      );
      CREATE INDEX organization_name_idx ON organization (name, id);
      CREATE INDEX organization_kind_idx ON organization (kind);
      CREATE INDEX organization_home_area_idx ON organization (home_area_id);
      CREATE INDEX organization_parent_idx ON organization (parent_id);

      CREATE TABLE organization_jurisdiction (
        organization_id uuid NOT NULL REFERENCES organization(id) ON DELETE CASCADE,
        area_id uuid NOT NULL REFERENCES area(id),
        PRIMARY KEY (organization_id, area_id)
      );
      CREATE INDEX organization_jurisdiction_area_idx ON organization_jurisdiction (area_id);

      CREATE TABLE app_user (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        email text NOT NULL CHECK (email = lower(email)),
        display_name text NOT NULL,
        password_hash text NOT NULL,
        is_platform_admin boolean NOT NULL DEFAULT false,
        disabled_at timestamptz(3),
        created_at timestamptz(3) NOT NULL DEFAULT now()
      );
      CREATE UNIQUE INDEX app_user_email_idx ON app_user (email);

      CREATE TABLE membership (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES app_user(id),
        organization_id uuid NOT NULL REFERENCES organization(id),
        role text NOT NULL CHECK (role IN ('ADMIN','COORDINATOR','LIAISON_OFFICER','MEMBER','OBSERVER')),
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        UNIQUE (user_id, organization_id)
      );
      CREATE INDEX membership_organization_idx ON membership (organization_id, created_at, id);

      CREATE TABLE relationship (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        from_organization_id uuid NOT NULL REFERENCES organization(id),
        to_organization_id uuid NOT NULL REFERENCES organization(id),
        type text NOT NULL CHECK (type IN ('GUIDES','SUPERVISES','FUNDS','CONTRACTS_WITH','PARTNERS_WITH')),
        starts_on date NOT NULL,
        ends_on date,
        note text,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        CHECK (from_organization_id <> to_organization_id),
        CHECK (ends_on IS NULL OR ends_on >= starts_on)
      );
      CREATE INDEX relationship_from_idx ON relationship (from_organization_id);
      CREATE INDEX relationship_to_idx ON relationship (to_organization_id);

      CREATE TABLE api_client (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        organization_id uuid NOT NULL REFERENCES organization(id),
        name text NOT NULL,
        client_key text NOT NULL UNIQUE,
        secret_hash text NOT NULL,
        scope text NOT NULL CHECK (scope IN ('READ','READ_WRITE')),
        created_by_user_id uuid REFERENCES app_user(id),
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        revoked_at timestamptz(3)
      );
      CREATE INDEX api_client_organization_idx ON api_client (organization_id, created_at, id);

      CREATE TABLE audit_entry (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        at timestamptz(3) NOT NULL DEFAULT now(),
        actor_user_id uuid,
        actor_client_id uuid,
        action text NOT NULL,
        record_type text NOT NULL,
        record_id text NOT NULL,
        details jsonb NOT NULL DEFAULT '{}',
        request_id text
      );
      CREATE INDEX audit_entry_record_idx ON audit_entry (record_type, record_id);
      CREATE FUNCTION audit_entry_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          RAISE EXCEPTION 'audit_entry is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
        END
      $$;
      CREATE TRIGGER audit_entry_no_update BEFORE UPDATE OR DELETE ON audit_entry FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only();
      CREATE TRIGGER audit_entry_no_truncate BEFORE TRUNCATE ON audit_entry FOR EACH STATEMENT EXECUTE FUNCTION audit_entry_append_only();

      CREATE TABLE event (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        topic text NOT NULL,
        type text NOT NULL,
        subject_id uuid,
        area_path text,
        organization_ids uuid[] NOT NULL DEFAULT '{}',
        user_ids uuid[] NOT NULL DEFAULT '{}',
        payload jsonb NOT NULL,
        created_at timestamptz(3) NOT NULL DEFAULT now()
      );
      CREATE INDEX event_topic_idx ON event (topic, id);
      CREATE INDEX event_subject_idx ON event (subject_id, id) WHERE subject_id IS NOT NULL;
      CREATE INDEX event_created_idx ON event (created_at);

      CREATE TABLE event_log_state (
        singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
        pruned_through bigint NOT NULL DEFAULT 0
      );
      INSERT INTO event_log_state DEFAULT VALUES;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE event_log_state; DROP TABLE event;
      DROP TABLE audit_entry; DROP FUNCTION audit_entry_append_only();
      DROP TABLE api_client; DROP TABLE relationship; DROP TABLE membership; DROP TABLE app_user;
      DROP TABLE organization_jurisdiction; DROP TABLE organization; DROP TABLE area;
    `);
  }
}
