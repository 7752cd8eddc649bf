import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What a check-in batch is judged against, in one function (see loadFacts in
 * patrol.ingest-sql.ts): the batch's patrols, locked in id order, with team,
 * area, audience, the viewer's team membership, planned checkpoints and the
 * named checkpoints. As a statement it was planned anew for every batch (its
 * generic plan is costed for ten patrols and never chosen): 0.5 ms of
 * planning, plus 0.15 ms for the audience function inside it, against 0.4 ms
 * of execution. A PL/pgSQL function keeps its plan for the session, and this
 * one is told to keep the generic plan, which looks every row up by key.
 */
export class PatrolBatchFacts1764804000001 implements MigrationInterface {
  name = 'PatrolBatchFacts1764804000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION patrol_batch_facts(patrol_ids uuid[], on_day date, viewer_user_id uuid, checkpoint_ids uuid[])
      RETURNS TABLE (patrol jsonb, team jsonb, area jsonb, audience text[], member boolean, planned text[], checkpoints jsonb)
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
               EXISTS (SELECT 1 FROM patrol_team_member m WHERE m.user_id = viewer_user_id AND m.team_id = p.team_id),
               ARRAY(SELECT pc.checkpoint_id::text FROM patrol_planned_checkpoint pc WHERE pc.patrol_id = p.id),
               (SELECT coalesce(jsonb_agg(jsonb_build_object('checkpoint', to_jsonb(c), 'path', (SELECT ca.path FROM area ca WHERE ca.id = c.area_id))), '[]'::jsonb)
                  FROM checkpoint c WHERE c.id = ANY (checkpoint_ids))
          FROM p
         ORDER BY p.id;
      END
      $fn$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION patrol_batch_facts(uuid[], date, uuid, uuid[])`);
  }
}
