import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * New illegal construction is stopped at once; historical cases are handled
 * by class (分類處置). A phase says what kind of step it is, so the stop
 * order of a new construction can be required; the ledger keeps the class
 * of a historical (or existing) construction.
 */
export class ConstructionTracks1764615000002 implements MigrationInterface {
  name = 'ConstructionTracks1764615000002';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE disposal_plan_phase ADD COLUMN kind text NOT NULL DEFAULT 'OTHER'
        CHECK (kind IN ('STOP_ORDER','DEMOLITION_NOTICE','SELF_DEMOLITION','FORCED_REMOVAL','RECTIFICATION','CONFISCATION','RESTORATION','OTHER'));
      ALTER TABLE illegal_construction_ledger ADD COLUMN disposal_class text
        CHECK (disposal_class IN ('DEMOLISH_HAZARD','DEMOLISH_PRIORITY','RECTIFY','CONFISCATE'));
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE disposal_plan_phase DROP COLUMN kind; ALTER TABLE illegal_construction_ledger DROP COLUMN disposal_class;`);
  }
}
