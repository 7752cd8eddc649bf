import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Proof of patrol (issue 15). A check-in counts only with evidence of
 * presence; doubtful device times are flagged; client event ids are unique per
 * patrol instead of per team; a "checkpoints missed" alert is remembered so it
 * can be retracted when late check-ins complete the route.
 *
 * Existing events are judged again under the new rules (a CHECKPOINT without
 * a position or token, a device time ahead of the receipt time): the old
 * figures counted them, which is exactly what was untrue. The append-only
 * trigger is paused for this one backfill only.
 */
export class PatrolProof1764515000000 implements MigrationInterface {
  name = 'PatrolProof1764515000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE checkpoint
        ADD COLUMN token_hash text CHECK (token_hash IS NULL OR length(token_hash) = 64),
        ADD COLUMN token_issued_at timestamptz(3);

      ALTER TABLE patrol ADD COLUMN missed_alert_open boolean NOT NULL DEFAULT false;

      ALTER TABLE patrol_event
        ADD COLUMN flags text[] NOT NULL DEFAULT '{}'
          CHECK (flags <@ ARRAY['FAR_FROM_CHECKPOINT','NO_PROOF_OF_PRESENCE','WRONG_CHECKPOINT_TOKEN','DEVICE_TIME_IN_FUTURE','OUTSIDE_SHIFT']::text[]),
        ADD COLUMN proof text CHECK (proof IN ('LOCATION','TOKEN'));

      ALTER TABLE patrol_event DISABLE TRIGGER patrol_event_no_update;
      UPDATE patrol_event SET flags = ARRAY['FAR_FROM_CHECKPOINT'] WHERE flagged;
      UPDATE patrol_event SET proof = 'LOCATION' WHERE kind = 'CHECKPOINT' AND NOT flagged AND distance_meters IS NOT NULL;
      UPDATE patrol_event SET flags = flags || ARRAY['NO_PROOF_OF_PRESENCE'], flagged = true,
             flag_reason = coalesce(flag_reason || '; ', '') || 'NO_PROOF_OF_PRESENCE: no position and no checkpoint token'
       WHERE kind = 'CHECKPOINT' AND latitude IS NULL;
      UPDATE patrol_event SET flags = flags || ARRAY['DEVICE_TIME_IN_FUTURE'], flagged = true,
             flag_reason = coalesce(flag_reason || '; ', '') || 'DEVICE_TIME_IN_FUTURE: device time ahead of the time received'
       WHERE device_time > received_at + interval '5 minutes';
      ALTER TABLE patrol_event ENABLE TRIGGER patrol_event_no_update;

      ALTER TABLE patrol_event ADD CONSTRAINT patrol_event_flags_match CHECK (flagged = (cardinality(flags) > 0));
      ALTER TABLE patrol_event DROP CONSTRAINT patrol_event_client_id_key;
      ALTER TABLE patrol_event ADD CONSTRAINT patrol_event_client_id_key UNIQUE (patrol_id, device_id, client_event_id);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE patrol_event DROP CONSTRAINT patrol_event_client_id_key;
      ALTER TABLE patrol_event ADD CONSTRAINT patrol_event_client_id_key UNIQUE (team_id, device_id, client_event_id);
      ALTER TABLE patrol_event DROP CONSTRAINT patrol_event_flags_match;
      ALTER TABLE patrol_event DROP COLUMN proof, DROP COLUMN flags;
      ALTER TABLE patrol DROP COLUMN missed_alert_open;
      ALTER TABLE checkpoint DROP COLUMN token_issued_at, DROP COLUMN token_hash;
    `);
  }
}
