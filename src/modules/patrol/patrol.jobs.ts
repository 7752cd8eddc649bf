import { Viewer } from '../../shared/auth/viewer';
import { registerJob } from '../../shared/scheduler';
import { inTransaction } from '../../shared/transaction';
import { createContext } from '../../server/context';
import { PatrolStatus } from './patrol.entity';
import { emitPatrol } from './patrol.events';

/** Patrols marked per transaction; a backlog is worked off in several. */
const BATCH = 500;
/** Upper bound on batches per run, so one run cannot hold the job lock for ever. */
const MAX_BATCHES = 100;

/**
 * A PLANNED patrol that nobody started by its planned end becomes MISSED,
 * with a status change event for everyone who watches it. Reads the business
 * clock (`now`), so tests move time instead of waiting.
 */
registerJob({
  name: 'patrol-missed',
  async run(app, now) {
    const ctx = createContext(app, Viewer.anonymous(), null, 'job:patrol-missed');
    for (let i = 0; i < MAX_BATCHES; i++) {
      const marked = await inTransaction(ctx, async (tx) => {
        const rows: { id: string; team_id: string; organization_id: string; contracted: boolean; path: string; audience: string[] | null }[] = await tx.em.query(
          `WITH due AS (
             SELECT id FROM patrol WHERE status = 'PLANNED' AND planned_end <= $1
              ORDER BY planned_end LIMIT $2 FOR UPDATE SKIP LOCKED
           ), marked AS (
             UPDATE patrol p SET status = 'MISSED', version = version + 1, updated_at = now()
               FROM due WHERE p.id = due.id
             RETURNING p.id, p.team_id, p.area_id
           )
           SELECT m.id, m.team_id, t.organization_id, t.kind = 'CONTRACTED' AS contracted, a.path,
                  patrol_audience(t.organization_id, t.kind = 'CONTRACTED', a.path, ($1::timestamptz AT TIME ZONE 'Asia/Shanghai')::date)::text[] AS audience
             FROM marked m JOIN patrol_team t ON t.id = m.team_id JOIN area a ON a.id = m.area_id`,
          [now, BATCH],
        );
        for (const row of rows) {
          tx.audit({ action: 'patrolMarkMissed', recordType: 'Patrol', recordId: row.id, details: { at: now } });
          emitPatrol(tx, { patrolId: row.id, teamId: row.team_id, areaPath: row.path, audience: row.audience ?? [row.organization_id] }, 'patrol.statusChanged', {
            status: PatrolStatus.MISSED,
            previousStatus: PatrolStatus.PLANNED,
          });
        }
        return rows.length;
      });
      if (marked < BATCH) return;
    }
  },
});
