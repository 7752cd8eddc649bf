import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Reach is granted, never claimed (DESIGN.md, Visibility).
 * - Jurisdiction rows record who granted them and when: a platform admin
 *   (granted_by_organization_id NULL) or an organisation delegating a part
 *   of its own jurisdiction to a child organisation.
 * - A relation is PROPOSED until its other end accepts; only ACCEPTED
 *   relations give reach. Rows recorded before this change were entered
 *   under the old rules by an ADMIN of one end; they are kept as ACCEPTED
 *   so that the network does not lose its edges overnight (issue 9), except
 *   CONTRACTS_WITH edges that a mere draft created: no signed contract stands
 *   behind them, so they are marked DECLINED.
 * - patrol_audience reads only accepted relations.
 */
export class TrustModel1764509000000 implements MigrationInterface {
  name = 'TrustModel1764509000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE organization_jurisdiction
        ADD COLUMN granted_at timestamptz(3) NOT NULL DEFAULT now(),
        ADD COLUMN granted_by_organization_id uuid REFERENCES organization(id),
        ADD COLUMN granted_by_user_id uuid REFERENCES app_user(id);
      CREATE INDEX organization_jurisdiction_granted_by_idx ON organization_jurisdiction (granted_by_organization_id);

      ALTER TABLE relationship
        ADD COLUMN status text NOT NULL DEFAULT 'ACCEPTED' CHECK (status IN ('PROPOSED','ACCEPTED','DECLINED')),
        ADD COLUMN proposed_by_organization_id uuid REFERENCES organization(id),
        ADD COLUMN responded_at timestamptz(3);

      UPDATE relationship r SET status = 'DECLINED', responded_at = now()
       WHERE r.type = 'CONTRACTS_WITH' AND r.note LIKE '契約 (contract): %'
         AND NOT EXISTS (
           SELECT 1 FROM contract c
             JOIN contract_party pc ON pc.contract_id = c.id AND pc.organization_id = r.from_organization_id AND pc.role IN ('CLIENT','FUNDER')
             JOIN contract_party pp ON pp.contract_id = c.id AND pp.organization_id = r.to_organization_id AND pp.role = 'PROVIDER'
            WHERE c.status IN ('ACTIVE','SUSPENDED','EXPIRED','TERMINATED')
              AND EXISTS (SELECT 1 FROM contract_version v WHERE v.contract_id = c.id AND v.signed_at IS NOT NULL));

      CREATE OR REPLACE FUNCTION patrol_audience(owner uuid, contracted boolean, area_path text, on_day date) RETURNS uuid[]
      LANGUAGE sql STABLE AS $$
        SELECT array_agg(DISTINCT s.id) FROM (
          SELECT owner AS id
          UNION ALL
          SELECT j.organization_id FROM organization_jurisdiction j
           WHERE j.area_id = ANY (string_to_array(trim(both '/' from area_path), '/')::uuid[])
          UNION ALL
          SELECT c.id FROM relationship r
            JOIN organization c ON c.id = CASE WHEN r.from_organization_id = owner THEN r.to_organization_id ELSE r.from_organization_id END
           WHERE contracted AND r.type = 'CONTRACTS_WITH' AND r.status = 'ACCEPTED'
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
      CREATE OR REPLACE FUNCTION patrol_audience(owner uuid, contracted boolean, area_path text, on_day date) RETURNS uuid[]
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
      DELETE FROM relationship WHERE status <> 'ACCEPTED';
      ALTER TABLE relationship DROP COLUMN responded_at, DROP COLUMN proposed_by_organization_id, DROP COLUMN status;
      ALTER TABLE organization_jurisdiction DROP COLUMN granted_by_user_id, DROP COLUMN granted_by_organization_id, DROP COLUMN granted_at;
    `);
  }
}
