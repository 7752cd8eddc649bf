import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Joint meetings (聯席會議): series, meetings, participants, agenda items with minutes and decisions, and action items. */
export class Meetings1764130100000 implements MigrationInterface {
  name = 'Meetings1764130100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE meeting_series (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        convener_organization_id uuid NOT NULL REFERENCES organization(id),
        title text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
        frequency text NOT NULL CHECK (frequency IN ('WEEKLY','MONTHLY')),
        created_at timestamptz(3) NOT NULL DEFAULT now()
      );
      CREATE INDEX meeting_series_convener_idx ON meeting_series (convener_organization_id);

      CREATE TABLE meeting (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        series_id uuid REFERENCES meeting_series(id),
        occurrence int CHECK (occurrence IS NULL OR occurrence >= 1),
        convener_organization_id uuid NOT NULL REFERENCES organization(id),
        area_id uuid NOT NULL REFERENCES area(id),
        title text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
        description text CHECK (description IS NULL OR length(description) <= 5000),
        location text CHECK (location IS NULL OR length(location) <= 500),
        starts_at timestamptz(3) NOT NULL,
        ends_at timestamptz(3) NOT NULL,
        status text NOT NULL DEFAULT 'SCHEDULED' CHECK (status IN ('SCHEDULED','IN_PROGRESS','CONCLUDED','CANCELLED')),
        cancel_reason text CHECK (cancel_reason IS NULL OR length(cancel_reason) <= 1000),
        started_at timestamptz(3),
        concluded_at timestamptz(3),
        cancelled_at timestamptz(3),
        created_by_user_id uuid REFERENCES app_user(id),
        version int NOT NULL DEFAULT 1,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now(),
        CHECK (ends_at > starts_at),
        CHECK ((status = 'CANCELLED') = (cancelled_at IS NOT NULL)),
        CHECK ((status = 'CONCLUDED') = (concluded_at IS NOT NULL)),
        CHECK ((series_id IS NULL) = (occurrence IS NULL))
      );
      CREATE INDEX meeting_starts_idx ON meeting (starts_at, id);
      CREATE INDEX meeting_convener_idx ON meeting (convener_organization_id, starts_at);
      CREATE INDEX meeting_area_idx ON meeting (area_id);
      CREATE INDEX meeting_status_idx ON meeting (status, starts_at);
      CREATE UNIQUE INDEX meeting_series_occurrence_idx ON meeting (series_id, occurrence) WHERE series_id IS NOT NULL;

      CREATE TABLE meeting_participant (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        meeting_id uuid NOT NULL REFERENCES meeting(id) ON DELETE CASCADE,
        organization_id uuid NOT NULL REFERENCES organization(id),
        is_convener boolean NOT NULL DEFAULT false,
        rsvp text CHECK (rsvp IN ('ATTENDING','DECLINED','TENTATIVE')),
        representative_user_id uuid REFERENCES app_user(id),
        rsvp_note text CHECK (rsvp_note IS NULL OR length(rsvp_note) <= 1000),
        responded_at timestamptz(3),
        attended boolean,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        UNIQUE (meeting_id, organization_id),
        CHECK ((rsvp IS NULL) = (responded_at IS NULL))
      );
      CREATE INDEX meeting_participant_organization_idx ON meeting_participant (organization_id, meeting_id);
      CREATE INDEX meeting_participant_meeting_idx ON meeting_participant (meeting_id, is_convener DESC, created_at, id);

      CREATE TABLE agenda_item (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        meeting_id uuid NOT NULL REFERENCES meeting(id),
        position int NOT NULL CHECK (position >= 1),
        title text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
        description text CHECK (description IS NULL OR length(description) <= 5000),
        proposed_by_organization_id uuid NOT NULL REFERENCES organization(id),
        proposed_by_user_id uuid REFERENCES app_user(id),
        presenter_organization_id uuid NOT NULL REFERENCES organization(id),
        planned_minutes int NOT NULL DEFAULT 10 CHECK (planned_minutes BETWEEN 1 AND 480),
        status text NOT NULL DEFAULT 'PROPOSED' CHECK (status IN ('PROPOSED','ACCEPTED','DISCUSSED','DEFERRED')),
        link_type text CHECK (link_type IN ('Case','Consultation','Contract')),
        link_id uuid,
        minutes text CHECK (minutes IS NULL OR length(minutes) <= 20000),
        decision text CHECK (decision IS NULL OR length(decision) <= 5000),
        carried_from_item_id uuid REFERENCES agenda_item(id),
        source_action_item_id uuid,
        version int NOT NULL DEFAULT 1,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now(),
        CHECK ((link_type IS NULL) = (link_id IS NULL)),
        CONSTRAINT agenda_item_position_key UNIQUE (meeting_id, position) DEFERRABLE INITIALLY DEFERRED
      );
      CREATE UNIQUE INDEX agenda_item_carried_from_idx ON agenda_item (carried_from_item_id) WHERE carried_from_item_id IS NOT NULL;
      CREATE UNIQUE INDEX agenda_item_source_action_idx ON agenda_item (meeting_id, source_action_item_id) WHERE source_action_item_id IS NOT NULL;
      CREATE INDEX agenda_item_link_idx ON agenda_item (link_type, link_id) WHERE link_id IS NOT NULL;
      CREATE INDEX agenda_item_status_idx ON agenda_item (status) WHERE status = 'DEFERRED';

      CREATE TABLE action_item (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        meeting_id uuid NOT NULL REFERENCES meeting(id),
        agenda_item_id uuid NOT NULL REFERENCES agenda_item(id),
        title text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
        description text CHECK (description IS NULL OR length(description) <= 5000),
        responsible_organization_id uuid NOT NULL REFERENCES organization(id),
        leader_user_id uuid NOT NULL REFERENCES app_user(id),
        handler_user_id uuid NOT NULL REFERENCES app_user(id),
        due_on date NOT NULL,
        status text NOT NULL DEFAULT 'OPEN' CHECK (status IN ('OPEN','IN_PROGRESS','DONE','CANCELLED')),
        completed_at timestamptz(3),
        completion_note text CHECK (completion_note IS NULL OR length(completion_note) <= 5000),
        created_by_user_id uuid REFERENCES app_user(id),
        version int NOT NULL DEFAULT 1,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now(),
        CHECK ((status = 'DONE') = (completed_at IS NOT NULL))
      );
      CREATE INDEX action_item_responsible_idx ON action_item (responsible_organization_id, status, due_on);
      CREATE INDEX action_item_meeting_idx ON action_item (meeting_id, due_on, id);
      CREATE INDEX action_item_agenda_item_idx ON action_item (agenda_item_id, due_on, id);
      CREATE INDEX action_item_open_due_idx ON action_item (due_on, id) WHERE status IN ('OPEN','IN_PROGRESS');

      ALTER TABLE agenda_item ADD CONSTRAINT agenda_item_source_action_fk FOREIGN KEY (source_action_item_id) REFERENCES action_item(id);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE agenda_item DROP CONSTRAINT agenda_item_source_action_fk;
      DROP TABLE action_item; DROP TABLE agenda_item; DROP TABLE meeting_participant;
      DROP TABLE meeting; DROP TABLE meeting_series;
    `);
  }
}
