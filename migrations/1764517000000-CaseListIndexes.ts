import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Indexes that let case lists and queues cost what the viewer may see, not
 * what the city holds. Every branch of the visibility rule (assigned
 * organisation, supervising organisation, area, reporter) gets an index
 * that also yields the default order (`reported_at DESC, id DESC`); open
 * cases get a partial index by area for area filters and the queue.
 */
export class CaseListIndexes1764517000000 implements MigrationInterface {
  name = 'CaseListIndexes1764517000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE INDEX case_record_responsible_reported_idx ON case_record (responsible_organization_id, reported_at DESC, id DESC) WHERE responsible_organization_id IS NOT NULL;
      CREATE INDEX case_record_supervising_reported_idx ON case_record (supervising_organization_id, reported_at DESC, id DESC) WHERE supervising_organization_id IS NOT NULL;
      DROP INDEX case_record_supervising_idx;
      CREATE INDEX case_record_area_reported_idx ON case_record (area_id, reported_at DESC, id DESC);
      DROP INDEX case_record_area_idx;
      CREATE INDEX case_record_reporter_organization_idx ON case_record (reporter_organization_id) WHERE reporter_organization_id IS NOT NULL;
      CREATE INDEX case_record_open_area_idx ON case_record (area_id, due_at, id) WHERE status IN ('REPORTED','TRIAGED','ASSIGNED','IN_PROGRESS','REOPENED');
      CREATE INDEX case_record_open_leader_idx ON case_record (leader_user_id) WHERE status IN ('REPORTED','TRIAGED','ASSIGNED','IN_PROGRESS','REOPENED');
      CREATE INDEX case_record_open_handler_idx ON case_record (handler_user_id) WHERE status IN ('REPORTED','TRIAGED','ASSIGNED','IN_PROGRESS','REOPENED');
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP INDEX case_record_open_handler_idx;
      DROP INDEX case_record_open_leader_idx;
      DROP INDEX case_record_open_area_idx;
      DROP INDEX case_record_reporter_organization_idx;
      CREATE INDEX case_record_area_idx ON case_record (area_id);
      DROP INDEX case_record_area_reported_idx;
      CREATE INDEX case_record_supervising_idx ON case_record (supervising_organization_id) WHERE supervising_organization_id IS NOT NULL;
      DROP INDEX case_record_supervising_reported_idx;
      DROP INDEX case_record_responsible_reported_idx;
    `);
  }
}
