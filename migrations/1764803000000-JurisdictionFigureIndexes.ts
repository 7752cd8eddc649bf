import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Indexes that let the jurisdiction dashboard count what a jurisdiction has
 * open or recent, not its whole history:
 * - the partial index on open cases by area also carries status, category and
 *   supervising organisation, so the open figures are an index-only scan (its
 *   key is unchanged: the queue and area filters use it as before);
 * - cases closed and cases resolved by area and date, for the 7- and 30-day
 *   windows (resolved also carries reported_at for the median time to resolve).
 */
export class JurisdictionFigureIndexes1764803000000 implements MigrationInterface {
  name = 'JurisdictionFigureIndexes1764803000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP INDEX case_record_open_area_idx;
      CREATE INDEX case_record_open_area_idx ON case_record (area_id, due_at, id) INCLUDE (status, category, supervising_organization_id)
        WHERE status IN ('REPORTED','TRIAGED','ASSIGNED','IN_PROGRESS','REOPENED');
      CREATE INDEX case_record_area_closed_idx ON case_record (area_id, closed_at) WHERE closed_at IS NOT NULL;
      CREATE INDEX case_record_area_resolved_idx ON case_record (area_id, resolved_at) INCLUDE (reported_at) WHERE resolved_at IS NOT NULL;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP INDEX case_record_area_resolved_idx;
      DROP INDEX case_record_area_closed_idx;
      DROP INDEX case_record_open_area_idx;
      CREATE INDEX case_record_open_area_idx ON case_record (area_id, due_at, id) WHERE status IN ('REPORTED','TRIAGED','ASSIGNED','IN_PROGRESS','REOPENED');
    `);
  }
}
