import type { MigrationInterface, QueryRunner } from 'typeorm';

/** `updatedSince` on cases, patrols, contracts and meetings: partners that poll ask for "what changed since" on every round. */
export class PartnerPolling1764512000000 implements MigrationInterface {
  name = 'PartnerPolling1764512000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX case_record_updated_at_idx ON case_record (updated_at)`);
    await q.query(`CREATE INDEX patrol_updated_at_idx ON patrol (updated_at)`);
    await q.query(`CREATE INDEX contract_updated_at_idx ON contract (updated_at)`);
    await q.query(`CREATE INDEX meeting_updated_at_idx ON meeting (updated_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX meeting_updated_at_idx`);
    await q.query(`DROP INDEX contract_updated_at_idx`);
    await q.query(`DROP INDEX patrol_updated_at_idx`);
    await q.query(`DROP INDEX case_record_updated_at_idx`);
  }
}
