import { randomUUID } from 'node:crypto';
import type { AppContext, AppServices } from '../../shared/context';
import { Viewer } from '../../shared/auth/viewer';
import { LoaderRegistry } from '../../shared/loaders';
import { registerJob } from '../../shared/scheduler';
import { inTransaction } from '../../shared/transaction';
import { localDateOf, offerCarryOvers } from './meeting.service';

/** The context of work the platform does by itself: no actor, so audit rows show no user. */
function systemContext(app: AppServices, job: string): AppContext {
  const requestId = `job:${job}:${randomUUID()}`;
  return { app, viewer: Viewer.anonymous(), subject: null, requestId, loaders: new LoaderRegistry(), log: app.log.child({ job }) };
}

/**
 * Offers overdue action items (and deferred items not yet carried over) to
 * the next scheduled meeting of each series. Each series in its own
 * transaction; idempotent, so a rerun or a second process adds nothing.
 */
registerJob({
  name: 'meeting-carry-over',
  async run(app, now) {
    const rows: { series_id: string }[] = await app.db.query(
      `SELECT DISTINCT m.series_id FROM meeting m
        WHERE m.series_id IS NOT NULL AND m.status = 'SCHEDULED' AND m.starts_at > $1
          AND (EXISTS (SELECT 1 FROM action_item a JOIN meeting am ON am.id = a.meeting_id
                        WHERE am.series_id = m.series_id AND a.status IN ('OPEN','IN_PROGRESS') AND a.due_on < $2::date)
               OR EXISTS (SELECT 1 FROM agenda_item d JOIN meeting dm ON dm.id = d.meeting_id
                        WHERE dm.series_id = m.series_id AND d.status = 'DEFERRED'))`,
      [now, localDateOf(now)],
    );
    for (const { series_id } of rows) {
      await inTransaction(systemContext(app, 'meeting-carry-over'), (tx) => offerCarryOvers(tx, series_id, now));
    }
  },
});
