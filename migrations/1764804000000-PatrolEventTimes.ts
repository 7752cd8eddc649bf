import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The device times a patrol's status is derived from (earliest STARTED,
 * earliest check-in, latest ENDED, each over check-ins whose time is not
 * flagged), kept on the patrol. Check-ins are append-only and their flags are
 * fixed when they are recorded, so each batch only moves these times by its
 * own rows: the recording statement no longer reads all of the patrol's
 * earlier check-ins at every batch, work that grew with the length of the
 * patrol.
 */
export class PatrolEventTimes1764804000000 implements MigrationInterface {
  name = 'PatrolEventTimes1764804000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE patrol
        ADD COLUMN first_started_device_time timestamptz(3),
        ADD COLUMN first_event_device_time timestamptz(3),
        ADD COLUMN last_ended_device_time timestamptz(3)`);
    await q.query(`
      UPDATE patrol p
         SET first_started_device_time = t.first_started, first_event_device_time = t.first_any, last_ended_device_time = t.last_ended
        FROM (SELECT patrol_id,
                     min(device_time) FILTER (WHERE kind = 'STARTED') AS first_started,
                     min(device_time) AS first_any,
                     max(device_time) FILTER (WHERE kind = 'ENDED') AS last_ended
                FROM patrol_event
               WHERE NOT (flags && ARRAY['DEVICE_TIME_IN_FUTURE','OUTSIDE_SHIFT'])
               GROUP BY patrol_id) t
       WHERE t.patrol_id = p.id`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE patrol DROP COLUMN first_started_device_time, DROP COLUMN first_event_device_time, DROP COLUMN last_ended_device_time`);
  }
}
