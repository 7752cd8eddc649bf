import type { Tx } from '../../shared/transaction';
import { Patrol, PatrolStatus, TIME_FLAGS, PatrolEventKind } from './patrol.entity';
import { computeCoverage } from './patrol.coverage';
import { emitPatrol, type PatrolEventScope } from './patrol.events';
import type { Candidate, PatrolFacts } from './patrol.ingest-sql';

/**
 * Derives the patrol's start, end and status from its events by device time
 * (the times kept on the patrol, moved by this batch: see movedTimes),
 * so order of arrival does not matter: start = earliest STARTED (or the
 * earliest event when STARTED is missing), end = latest ENDED. Events whose
 * device time is flagged (in the future, outside the shift) take no part.
 * Status only moves forward; a MISSED patrol comes back when a late STARTED
 * shows it began before its planned end.
 *
 * When a patrol ends with planned checkpoints unvisited, `patrol.checkpointsMissed`
 * alerts the coordinator; when late check-ins (an offline phone syncing after
 * the ENDED) complete the route, `patrol.checkpointsMissedRetracted` takes
 * the alert back, so nobody acts on a false alarm.
 */
export async function applyStatus(tx: Tx, f: PatrolFacts, scope: PatrolEventScope, times: EventTimes): Promise<PatrolStatus> {
  const startedAt = times.firstStarted ?? times.firstAny;
  const endedAt = startedAt ? times.lastEnded : null;
  const previous = f.patrol.status;
  let status = previous;
  if (startedAt && (previous === PatrolStatus.PLANNED || previous === PatrolStatus.ACTIVE)) status = endedAt ? PatrolStatus.COMPLETED : PatrolStatus.ACTIVE;
  if (previous === PatrolStatus.MISSED && startedAt && startedAt.getTime() <= f.patrol.plannedEnd.getTime()) status = endedAt ? PatrolStatus.COMPLETED : PatrolStatus.ACTIVE;
  const changed =
    status !== previous || startedAt?.getTime() !== f.patrol.startedAt?.getTime() || (endedAt?.getTime() ?? null) !== (f.patrol.endedAt?.getTime() ?? null);
  const timesMoved =
    !sameTime(times.firstStarted, f.patrol.firstStartedDeviceTime) || !sameTime(times.firstAny, f.patrol.firstEventDeviceTime) || !sameTime(times.lastEnded, f.patrol.lastEndedDeviceTime);
  const timeColumns = [times.firstStarted, times.firstAny, times.lastEnded];
  if (changed && status !== PatrolStatus.MISSED && startedAt) {
    await tx.em.query(
      `UPDATE patrol SET status = $2, started_at = $3, ended_at = $4, version = version + 1, updated_at = now(),
              first_started_device_time = $5, first_event_device_time = $6, last_ended_device_time = $7
        WHERE id = $1`,
      [f.patrol.id, status, startedAt, endedAt, ...timeColumns],
    );
    if (status !== previous) emitPatrol(tx, scope, 'patrol.statusChanged', { status, previousStatus: previous, startedAt, endedAt });
  } else if (timesMoved) {
    // Not a change anyone sees (no version): the times the next batch starts from.
    await tx.em.query(`UPDATE patrol SET first_started_device_time = $2, first_event_device_time = $3, last_ended_device_time = $4 WHERE id = $1`, [f.patrol.id, ...timeColumns]);
  }
  [f.patrol.firstStartedDeviceTime, f.patrol.firstEventDeviceTime, f.patrol.lastEndedDeviceTime] = timeColumns;
  if (status === PatrolStatus.COMPLETED) await reviewMissedAlert(tx, f, scope, status, status !== previous);
  f.patrol.status = status;
  return status;
}

/** What status derivation needs from all of a patrol's check-ins, flagged times left out. */
interface EventTimes {
  firstStarted: Date | null;
  firstAny: Date | null;
  lastEnded: Date | null;
}

const sameTime = (a: Date | null, b: Date | null) => (a?.getTime() ?? null) === (b?.getTime() ?? null);

/**
 * The patrol's times (kept on the patrol row, locked by loadFacts) moved by the batch's accepted check-ins. Check-ins
 * are append-only and their flags fixed when recorded, so the earlier ones need not be read again.
 */
export function movedTimes(patrol: Patrol, accepted: Candidate[]): EventTimes {
  let firstStarted = patrol.firstStartedDeviceTime;
  let firstAny = patrol.firstEventDeviceTime;
  let lastEnded = patrol.lastEndedDeviceTime;
  for (const c of accepted) {
    if (c.flags.some((code) => TIME_FLAGS.includes(code))) continue;
    const t = c.deviceTime;
    if (!firstAny || t < firstAny) firstAny = t;
    if (c.kind === PatrolEventKind.STARTED && (!firstStarted || t < firstStarted)) firstStarted = t;
    if (c.kind === PatrolEventKind.ENDED && (!lastEnded || t > lastEnded)) lastEnded = t;
  }
  return { firstStarted, firstAny, lastEnded };
}

async function reviewMissedAlert(tx: Tx, f: PatrolFacts, scope: PatrolEventScope, status: PatrolStatus, justCompleted: boolean): Promise<void> {
  const coverage = (await computeCoverage(tx.em, [f.patrol.id])).get(f.patrol.id)!;
  const missed = coverage.missedCheckpointIds.length;
  const facts = { status, missedCheckpointIds: coverage.missedCheckpointIds, plannedCheckpointCount: coverage.plannedCheckpointIds.length, visitedCheckpointCount: coverage.visits.length };
  if (missed > 0 && justCompleted && !f.patrol.missedAlertOpen) {
    await tx.em.query(`UPDATE patrol SET missed_alert_open = true WHERE id = $1`, [f.patrol.id]);
    f.patrol.missedAlertOpen = true;
    emitPatrol(tx, scope, 'patrol.checkpointsMissed', facts);
  } else if (missed === 0 && f.patrol.missedAlertOpen) {
    await tx.em.query(`UPDATE patrol SET missed_alert_open = false WHERE id = $1`, [f.patrol.id]);
    f.patrol.missedAlertOpen = false;
    tx.audit({ action: 'patrolMissedAlertRetract', recordType: 'Patrol', recordId: f.patrol.id, details: { visitedCheckpointCount: coverage.visits.length } });
    emitPatrol(tx, scope, 'patrol.checkpointsMissedRetracted', facts);
  }
}
