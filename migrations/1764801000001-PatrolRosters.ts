import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Rosters of the people who patrol (324支1614人; 260支安防隊520人; 下崗職工、
 * 低保人員、退休人員、治安積極分子): most have no account, so a roster entry
 * holds a name, a protected phone and categories; patrols record who took
 * part (hours per person follow from them); recognition (points and
 * commendations) per person. A guard-pay fund entry may name its payee.
 */
export class PatrolRosters1764801000001 implements MigrationInterface {
  name = 'PatrolRosters1764801000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE roster_entry (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        team_id uuid NOT NULL REFERENCES patrol_team(id),
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
        phone text CHECK (phone IS NULL OR phone ~ '^\\+?[0-9 -]{5,20}$'),
        categories text[] NOT NULL CHECK (cardinality(categories) >= 1
          AND categories <@ ARRAY['VOLUNTEER','PAID_GUARD','LAID_OFF_WORKER','LOW_INCOME','RETIRED','SECURITY_ACTIVIST','OTHER']::text[]),
        joined_on date NOT NULL,
        left_on date,
        user_id uuid REFERENCES app_user(id),
        hourly_rate_minor bigint CHECK (hourly_rate_minor IS NULL OR hourly_rate_minor > 0),
        version int NOT NULL DEFAULT 1,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now(),
        CHECK (left_on IS NULL OR left_on >= joined_on)
      );
      CREATE INDEX roster_entry_team_idx ON roster_entry (team_id, name, id);
      CREATE UNIQUE INDEX roster_entry_user_idx ON roster_entry (team_id, user_id) WHERE user_id IS NOT NULL;

      CREATE TABLE patrol_participant (
        patrol_id uuid NOT NULL REFERENCES patrol(id),
        roster_entry_id uuid NOT NULL REFERENCES roster_entry(id),
        PRIMARY KEY (patrol_id, roster_entry_id)
      );
      CREATE INDEX patrol_participant_roster_idx ON patrol_participant (roster_entry_id, patrol_id);

      CREATE TABLE roster_recognition (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        roster_entry_id uuid NOT NULL REFERENCES roster_entry(id),
        kind text NOT NULL CHECK (kind IN ('POINTS','COMMENDATION')),
        points int NOT NULL CHECK (points BETWEEN 0 AND 1000),
        reason text NOT NULL CHECK (length(reason) BETWEEN 1 AND 1000),
        awarded_on date NOT NULL,
        awarded_by_user_id uuid NOT NULL REFERENCES app_user(id),
        awarded_by_organization_id uuid NOT NULL REFERENCES organization(id),
        created_at timestamptz(3) NOT NULL DEFAULT now()
      );
      CREATE INDEX roster_recognition_entry_idx ON roster_recognition (roster_entry_id, awarded_on);

      ALTER TABLE fund_entry ADD CONSTRAINT fund_entry_roster_entry_fk FOREIGN KEY (roster_entry_id) REFERENCES roster_entry(id);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE fund_entry DROP CONSTRAINT fund_entry_roster_entry_fk;
      DROP TABLE roster_recognition;
      DROP TABLE patrol_participant;
      DROP TABLE roster_entry;
    `);
  }
}
