import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A CUSTOM service level is checked by people, not computed: the client
 * records, period by period, whether it was met. Entries are append-only (a
 * correction is a newer entry for the same period; the latest counts), so
 * nobody can quietly rewrite a past verdict. `service_level_id` names the
 * service level of the terms in force when the entry was made; an amendment
 * that rewrites the service levels leaves older entries behind on purpose.
 */
export class ComplianceAssessments1764615000000 implements MigrationInterface {
  name = 'ComplianceAssessments1764615000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE service_level_assessment (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        contract_id uuid NOT NULL REFERENCES contract(id),
        service_level_id uuid NOT NULL,
        starts_on date NOT NULL,
        ends_on date NOT NULL CHECK (ends_on >= starts_on),
        met boolean NOT NULL,
        achieved numeric,
        note text CHECK (note IS NULL OR length(note) <= 2000),
        assessed_by_organization_id uuid NOT NULL REFERENCES organization(id),
        assessed_by_user_id uuid REFERENCES app_user(id),
        assessed_at timestamptz(3) NOT NULL DEFAULT now()
      );
      CREATE INDEX service_level_assessment_level_idx ON service_level_assessment (contract_id, service_level_id, starts_on, assessed_at);
      CREATE FUNCTION service_level_assessment_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'service_level_assessment is append-only'; END
      $$;
      CREATE TRIGGER service_level_assessment_no_update BEFORE UPDATE OR DELETE ON service_level_assessment
        FOR EACH ROW EXECUTE FUNCTION service_level_assessment_append_only();
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE service_level_assessment; DROP FUNCTION service_level_assessment_append_only();`);
  }
}
