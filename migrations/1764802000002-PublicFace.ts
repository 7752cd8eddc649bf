import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The public face for residents (選擇部分典型案件公開掛牌督辦; 村務公開):
 * what someone with the right role published (a supervised case, an
 * upcoming legal-education activity, a contract's service-level results),
 * with withdrawal kept rather than deleted; the public operations' rate
 * counters; and residents' positions in consultations a community opens
 * to them.
 */
export class PublicFace1764802000002 implements MigrationInterface {
  name = 'PublicFace1764802000002';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE publication (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        record_type text NOT NULL CHECK (record_type IN ('CASE','LEGAL_EDUCATION_ACTIVITY','CONTRACT')),
        record_id uuid NOT NULL,
        area_id uuid NOT NULL REFERENCES area(id),
        summary text CHECK (summary IS NULL OR length(summary) <= 500),
        published_by_organization_id uuid NOT NULL REFERENCES organization(id),
        published_by_user_id uuid REFERENCES app_user(id),
        published_at timestamptz(3) NOT NULL DEFAULT now(),
        withdrawn_at timestamptz(3),
        withdrawn_by_user_id uuid REFERENCES app_user(id),
        withdrawn_reason text
      );
      CREATE UNIQUE INDEX publication_live ON publication (record_type, record_id) WHERE withdrawn_at IS NULL;
      CREATE INDEX publication_area ON publication (area_id, record_type) WHERE withdrawn_at IS NULL;
      CREATE TABLE public_rate_limit (key varchar(255) PRIMARY KEY, points integer NOT NULL DEFAULT 0, expire bigint);
      CREATE INDEX public_rate_limit_expire_idx ON public_rate_limit (expire);
      ALTER TABLE consultation ADD COLUMN resident_area_id uuid REFERENCES area(id);
      CREATE TABLE consultation_resident_position (
        consultation_id uuid NOT NULL REFERENCES consultation(id),
        user_id uuid NOT NULL REFERENCES app_user(id),
        stance text NOT NULL CHECK (stance IN ('SUPPORT','OPPOSE','AMEND','ABSTAIN')),
        comment text CHECK (comment IS NULL OR length(comment) <= 1000),
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now(),
        PRIMARY KEY (consultation_id, user_id)
      );
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE consultation_resident_position; ALTER TABLE consultation DROP COLUMN resident_area_id; DROP TABLE public_rate_limit; DROP TABLE publication;`);
  }
}
