import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Dispute screening rounds (每周一排查): one return per community and week
 * (or per day of a special period: 重大節假日、敏感時期), with the disputes
 * found or a nil return (零報告). A slot has at most one return, so a missing
 * one is simply a slot without a row.
 */
export class ScreeningRounds1764615000001 implements MigrationInterface {
  name = 'ScreeningRounds1764615000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE screening_special_period (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        area_id uuid NOT NULL REFERENCES area(id),
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        starts_on date NOT NULL,
        ends_on date NOT NULL CHECK (ends_on >= starts_on AND ends_on - starts_on < 92),
        declared_by_organization_id uuid NOT NULL REFERENCES organization(id),
        declared_by_user_id uuid REFERENCES app_user(id),
        created_at timestamptz(3) NOT NULL DEFAULT now()
      );
      CREATE INDEX screening_special_period_dates_idx ON screening_special_period (starts_on, ends_on);

      CREATE TABLE screening_round (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        area_id uuid NOT NULL REFERENCES area(id),
        frequency text NOT NULL CHECK (frequency IN ('WEEKLY','DAILY')),
        period_starts_on date NOT NULL,
        period_ends_on date NOT NULL CHECK (period_ends_on >= period_starts_on),
        screened_on date NOT NULL,
        screened_by_organization_id uuid NOT NULL REFERENCES organization(id),
        screened_by_user_id uuid REFERENCES app_user(id),
        screeners text CHECK (screeners IS NULL OR length(screeners) <= 500),
        nil_return boolean NOT NULL,
        note text CHECK (note IS NULL OR length(note) <= 4000),
        recorded_at timestamptz(3) NOT NULL DEFAULT now(),
        UNIQUE (area_id, frequency, period_starts_on)
      );
      CREATE INDEX screening_round_period_idx ON screening_round (period_starts_on);

      CREATE TABLE screening_round_case (
        round_id uuid NOT NULL REFERENCES screening_round(id),
        case_id uuid NOT NULL REFERENCES case_record(id),
        PRIMARY KEY (round_id, case_id)
      );
      CREATE INDEX screening_round_case_case_idx ON screening_round_case (case_id);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE screening_round_case; DROP TABLE screening_round; DROP TABLE screening_special_period;`);
  }
}
