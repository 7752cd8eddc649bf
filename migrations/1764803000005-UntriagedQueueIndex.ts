import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The city's cases waiting for triage or assignment in due order, carrying
 * their area: `myCaseQueue` walks the first few thousand (index only) to find
 * a page of a jurisdiction's dispatch work, instead of collecting and sorting
 * the jurisdiction's whole backlog (which grows with the city).
 */
export class UntriagedQueueIndex1764803000005 implements MigrationInterface {
  name = 'UntriagedQueueIndex1764803000005';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE INDEX case_record_untriaged_due_idx ON case_record (due_at, id) INCLUDE (area_id)
        WHERE status IN ('REPORTED','TRIAGED','REOPENED')`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX case_record_untriaged_due_idx`);
  }
}
