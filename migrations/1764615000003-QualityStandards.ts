import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Quality standards of the supervising police station (政府必須牢牢掌控治安
 *服務的質量標準和監督權): a template of monthly service levels that the
 * security contracts of its jurisdiction adopt, and the monthly evaluations
 * of each adopting contract's provider, kept so that a breach (consecutive
 * months below target) is judged from recorded evaluations.
 */
export class QualityStandards1764615000003 implements MigrationInterface {
  name = 'QualityStandards1764615000003';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE quality_standard (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        organization_id uuid NOT NULL REFERENCES organization(id),
        area_id uuid NOT NULL REFERENCES area(id),
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        service_levels jsonb NOT NULL CHECK (jsonb_typeof(service_levels) = 'array'),
        minimum_resident_rating numeric CHECK (minimum_resident_rating IS NULL OR minimum_resident_rating BETWEEN 1 AND 5),
        breach_months int NOT NULL CHECK (breach_months BETWEEN 1 AND 12),
        created_by_user_id uuid REFERENCES app_user(id),
        created_at timestamptz(3) NOT NULL DEFAULT now()
      );
      ALTER TABLE contract
        ADD COLUMN quality_standard_id uuid REFERENCES quality_standard(id),
        ADD COLUMN suspend_on_quality_breach boolean NOT NULL DEFAULT false;
      CREATE TABLE quality_evaluation (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        standard_id uuid NOT NULL REFERENCES quality_standard(id),
        contract_id uuid NOT NULL REFERENCES contract(id),
        provider_organization_id uuid NOT NULL REFERENCES organization(id),
        month date NOT NULL CHECK (extract(day FROM month) = 1),
        below_target boolean NOT NULL,
        consecutive_months_below int NOT NULL,
        figures jsonb NOT NULL,
        breach boolean NOT NULL,
        evaluated_at timestamptz(3) NOT NULL DEFAULT now(),
        UNIQUE (standard_id, contract_id, month)
      );
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE quality_evaluation; ALTER TABLE contract DROP COLUMN quality_standard_id, DROP COLUMN suspend_on_quality_breach; DROP TABLE quality_standard;`);
  }
}
