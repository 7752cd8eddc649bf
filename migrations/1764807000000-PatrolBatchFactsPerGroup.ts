import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * patrol_batch_facts for a group of check-in batches that share one transaction (patrol.ingest-group.ts): the
 * batches come from several viewers, so the function takes all their user ids and answers, per patrol, those who
 * are members of its team, instead of one viewer's yes or no. Everything else is as in PatrolBatchFacts.
 */
export class PatrolBatchFactsPerGroup1764807000000 implements MigrationInterface {
  name = 'PatrolBatchFactsPerGroup1764807000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION patrol_batch_facts(uuid[], date, uuid, uuid[])`);
    await q.query(
      batchFactsFunction({
        userParameter: 'user_ids uuid[]',
        membershipColumn: 'members text[]',
        membership: 'ARRAY(SELECT m.user_id::text FROM patrol_team_member m WHERE m.team_id = p.team_id AND m.user_id = ANY (user_ids))',
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION patrol_batch_facts(uuid[], date, uuid[], uuid[])`);
    await q.query(
      batchFactsFunction({
        userParameter: 'viewer_user_id uuid',
        membershipColumn: 'member boolean',
        membership: 'EXISTS (SELECT 1 FROM patrol_team_member m WHERE m.user_id = viewer_user_id AND m.team_id = p.team_id)',
      }),
    );
  }
}

/** The function of PatrolBatchFacts, with the one part the two versions differ in: who is asked about team membership. */
function batchFactsFunction(version: { userParameter: string; membershipColumn: string; membership: string }): string {
  return `
    CREATE FUNCTION patrol_batch_facts(patrol_ids uuid[], on_day date, ${version.userParameter}, checkpoint_ids uuid[])
    RETURNS TABLE (patrol jsonb, team jsonb, area jsonb, audience text[], ${version.membershipColumn}, planned text[], checkpoints jsonb)
    LANGUAGE plpgsql VOLATILE SET plan_cache_mode = force_generic_plan AS $fn$
    #variable_conflict use_column
    BEGIN
      RETURN QUERY
      WITH p AS (SELECT * FROM patrol WHERE id = ANY (patrol_ids) ORDER BY id FOR UPDATE)
      SELECT to_jsonb(p),
             (SELECT to_jsonb(t) FROM patrol_team t WHERE t.id = p.team_id),
             (SELECT to_jsonb(a) FROM area a WHERE a.id = p.area_id),
             (SELECT patrol_audience(t.organization_id, t.kind = 'CONTRACTED', a.path, on_day)::text[]
                FROM patrol_team t, area a WHERE t.id = p.team_id AND a.id = p.area_id),
             ${version.membership},
             ARRAY(SELECT pc.checkpoint_id::text FROM patrol_planned_checkpoint pc WHERE pc.patrol_id = p.id),
             (SELECT coalesce(jsonb_agg(jsonb_build_object('checkpoint', to_jsonb(c), 'path', (SELECT ca.path FROM area ca WHERE ca.id = c.area_id))), '[]'::jsonb)
                FROM checkpoint c WHERE c.id = ANY (checkpoint_ids))
        FROM p
       ORDER BY p.id;
    END
    $fn$`;
}
