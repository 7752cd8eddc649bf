import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import type { AppContext } from '../../shared/context';
import { UserErrorCode } from '../../shared/errors';
import { clock } from '../../shared/clock';
import { idOf } from '../../shared/relay/global-id';
import { failIfAny, inTransaction, type Tx } from '../../shared/transaction';
import { InputCheck } from '../../shared/validation';
import { textProblem } from '../../shared/text';
import { CheckInProof, Checkpoint, IncidentSeverity, Patrol, PatrolEvent, PatrolEventFlag, PatrolEventKind, PatrolStatus, TIME_FLAGS } from './patrol.entity';
import { computeCoverage, haversineMeters } from './patrol.coverage';
import { emitPatrol, type PatrolEventScope } from './patrol.events';
import { MAX_EVENTS_PER_BATCH, PatrolEventOutcome, type PatrolEventInput, type PatrolEventResult, type PatrolEventsRecordInput } from './patrol.inputs';
import { insertEvents, loadFacts, type Candidate, type PatrolFacts } from './patrol.ingest-sql';
import { openIncidentCase } from './patrol.incidents';
import { holdRecordedCheckIns } from './patrol.subscription';

/** Device clocks may run ahead; anything further in the future than this is refused. */
const MAX_CLOCK_AHEAD_MS = 24 * 3_600_000;
/** A device time later than receipt by more than this is flagged: a phone's clock drifts, it does not run hours ahead. */
export const CLOCK_SKEW_MS = 5 * 60_000;
/** Events more than this before the planned start or after the planned end lie outside the shift and are flagged. */
export const SHIFT_GRACE_MS = 30 * 60_000;
/** A STARTED is accepted from 30 minutes before the planned start to 60 minutes after it, by a device time that is not in the future. */
export const START_EARLY_MS = 30 * 60_000;
export const START_LATE_MS = 60 * 60_000;
const MAX_TEXT = 4000;

type Result = Omit<PatrolEventResult, 'event'> & { eventId?: string };

function rejected(clientEventId: string, code: UserErrorCode, message: string): Result {
  return { clientEventId, outcome: PatrolEventOutcome.REJECTED, code, message };
}

/** Checks one event on its own; returns the candidate row or why it is refused. */
function validateEvent(e: PatrolEventInput, batchPatrolId: string | null, receivedAt: Date, index: number): Candidate | Result {
  const clientEventId = typeof e.clientEventId === 'string' ? e.clientEventId.trim() : '';
  if (clientEventId.length === 0 || clientEventId.length > 100) return rejected(String(e.clientEventId ?? ''), UserErrorCode.INVALID, 'clientEventId must have 1 to 100 characters.');
  const reject = (code: UserErrorCode, message: string) => rejected(clientEventId, code, message);
  // The batch's text is checked here, per event, rather than by the schema's text guard (see PER_ITEM_OUTCOME).
  const badId = textProblem(clientEventId, false);
  if (badId) return reject(UserErrorCode.INVALID_CHARACTERS, `clientEventId ${badId}`);
  const badText = typeof e.text === 'string' ? textProblem(e.text, true) : null;
  if (badText) return reject(UserErrorCode.INVALID_CHARACTERS, `text ${badText}`);
  const patrolId = e.patrolId ? idOf(e.patrolId, 'Patrol') : batchPatrolId;
  if (!patrolId) return reject(e.patrolId ? UserErrorCode.NOT_FOUND : UserErrorCode.REQUIRED, e.patrolId ? 'No Patrol with this id.' : 'Give patrolId on the batch or the event.');
  if (!Object.values(PatrolEventKind).includes(e.kind)) return reject(UserErrorCode.INVALID, 'Unknown event kind.');
  if (!(e.deviceTime instanceof Date) || Number.isNaN(e.deviceTime.getTime())) return reject(UserErrorCode.INVALID, 'deviceTime is not a valid time.');
  if (e.deviceTime.getTime() > receivedAt.getTime() + MAX_CLOCK_AHEAD_MS) return reject(UserErrorCode.OUT_OF_RANGE, 'deviceTime lies more than 24 hours in the future; check the device clock.');
  const hasLat = e.latitude != null;
  const hasLon = e.longitude != null;
  if (hasLat !== hasLon) return reject(UserErrorCode.REQUIRED, 'Give latitude and longitude together.');
  if (hasLat && (!Number.isFinite(e.latitude) || e.latitude! < -90 || e.latitude! > 90)) return reject(UserErrorCode.OUT_OF_RANGE, 'latitude must be between -90 and 90.');
  if (hasLon && (!Number.isFinite(e.longitude) || e.longitude! < -180 || e.longitude! > 180)) return reject(UserErrorCode.OUT_OF_RANGE, 'longitude must be between -180 and 180.');
  if (e.accuracyMeters != null && (!Number.isFinite(e.accuracyMeters) || e.accuracyMeters < 0)) return reject(UserErrorCode.OUT_OF_RANGE, 'accuracyMeters must not be negative.');
  if (e.kind === PatrolEventKind.POSITION && !hasLat) return reject(UserErrorCode.REQUIRED, 'A POSITION needs latitude and longitude.');
  let checkpointId: string | null = null;
  if (e.kind === PatrolEventKind.CHECKPOINT) {
    if (!e.checkpointId) return reject(UserErrorCode.REQUIRED, 'A CHECKPOINT needs checkpointId.');
    checkpointId = idOf(e.checkpointId, 'Checkpoint');
    if (!checkpointId) return reject(UserErrorCode.NOT_FOUND, 'No Checkpoint with this id.');
  } else if (e.checkpointId) return reject(UserErrorCode.INVALID, 'Only CHECKPOINT events name a checkpoint.');
  if (e.checkpointToken != null && e.kind !== PatrolEventKind.CHECKPOINT) return reject(UserErrorCode.INVALID, 'Only CHECKPOINT events carry a checkpoint token.');
  if (typeof e.checkpointToken === 'string' && e.checkpointToken.length > 200) return reject(UserErrorCode.TOO_LONG, 'checkpointToken must be at most 200 characters.');
  const text = typeof e.text === 'string' && e.text.trim() ? e.text.trim() : null;
  if (text && text.length > MAX_TEXT) return reject(UserErrorCode.TOO_LONG, `text must be at most ${MAX_TEXT} characters.`);
  if ((e.kind === PatrolEventKind.OBSERVATION || e.kind === PatrolEventKind.INCIDENT) && !text) return reject(UserErrorCode.REQUIRED, `An ${e.kind} needs text.`);
  if (e.kind === PatrolEventKind.INCIDENT) {
    if (!e.severity || !Object.values(IncidentSeverity).includes(e.severity)) return reject(UserErrorCode.REQUIRED, 'An INCIDENT needs a severity.');
  } else if (e.severity) return reject(UserErrorCode.INVALID, 'Only INCIDENT events have a severity.');
  return {
    index,
    id: randomUUID(),
    clientEventId,
    patrolId,
    kind: e.kind,
    deviceTime: e.deviceTime,
    checkpointId,
    latitude: hasLat ? e.latitude! : null,
    longitude: hasLon ? e.longitude! : null,
    accuracyMeters: e.accuracyMeters ?? null,
    distanceMeters: null,
    flags: [],
    reasons: [],
    proof: null,
    token: typeof e.checkpointToken === 'string' && e.checkpointToken.trim() ? e.checkpointToken.trim() : null,
    text,
    severity: e.kind === PatrolEventKind.INCIDENT ? e.severity! : null,
  };
}

/**
 * Records a batch of check-ins from one device. Idempotent: each event is
 * inserted with ON CONFLICT DO NOTHING on (patrol, device, client event id), so a
 * phone that retries after a lost answer records nothing twice. Each event is
 * judged on its own; the answer reports every one as accepted, duplicate or
 * rejected. Status follows from device times, whatever order events arrive in.
 */
export async function recordPatrolEvents(ctx: AppContext, input: PatrolEventsRecordInput): Promise<{ results: PatrolEventResult[]; acceptedCount: number; duplicateCount: number; rejectedCount: number }> {
  const check = new InputCheck();
  const deviceId = check.text('deviceId', input.deviceId, { max: 100, required: true });
  const batchPatrolId = check.id('patrolId', input.patrolId, 'Patrol');
  const events = input.events ?? [];
  if (events.length === 0) check.add('events', UserErrorCode.REQUIRED, 'Send at least one event.');
  if (events.length > MAX_EVENTS_PER_BATCH) check.add('events', UserErrorCode.OUT_OF_RANGE, `Send at most ${MAX_EVENTS_PER_BATCH} events per batch.`);
  failIfAny(check.errors);

  const receivedAt = clock.now();
  const results: Result[] = new Array(events.length);
  const candidates: Candidate[] = [];
  /** Later repeats of a client event id within the batch point at the first. */
  const repeats = new Map<number, number>();
  const firstByClientId = new Map<string, number>();
  events.forEach((e, i) => {
    const v = validateEvent(e, batchPatrolId, receivedAt, i);
    if ('outcome' in v) {
      results[i] = v;
      return;
    }
    const key = `${v.patrolId}|${v.clientEventId}`;
    const first = firstByClientId.get(key);
    if (first !== undefined) {
      repeats.set(i, first);
      return;
    }
    firstByClientId.set(key, i);
    candidates.push(v);
  });

  /** The rows as the batch's statement returned them: the answer is built from them, not read back. */
  const answered = new Map<string, PatrolEvent>();
  const outcome = await inTransaction(ctx, async (tx) => {
    const { facts, checkpoints } = await loadFacts(
      tx,
      [...new Set(candidates.map((c) => c.patrolId))],
      [...new Set(candidates.map((c) => c.checkpointId).filter((id): id is string => Boolean(id)))],
    );
    const radius = ctx.app.config.patrolCheckpointRadiusMeters;
    const insertable: Candidate[] = [];
    for (const c of candidates) {
      const f = facts.get(c.patrolId);
      if (!f) {
        results[c.index] = rejected(c.clientEventId, UserErrorCode.NOT_FOUND, 'No Patrol with this id.');
        continue;
      }
      if (f.patrol.status === PatrolStatus.CANCELLED) {
        results[c.index] = rejected(c.clientEventId, UserErrorCode.INVALID_TRANSITION, 'The patrol was cancelled.');
        continue;
      }
      if (c.checkpointId) {
        const cp = checkpoints.get(c.checkpointId);
        if (!cp) {
          results[c.index] = rejected(c.clientEventId, UserErrorCode.NOT_FOUND, 'No Checkpoint with this id.');
          continue;
        }
        if (!f.plannedCheckpointIds.has(cp.checkpoint.id) && !cp.path.startsWith(f.area.path)) {
          results[c.index] = rejected(c.clientEventId, UserErrorCode.NOT_PERMITTED_HERE, "The checkpoint is neither on the patrol's route nor in its area.");
          continue;
        }
        judgePresence(c, cp, radius);
      }
      const timeProblem = judgeTime(c, f.patrol, receivedAt);
      if (timeProblem) {
        results[c.index] = timeProblem;
        continue;
      }
      insertable.push(c);
    }

    const inserted = await insertEvents(tx, insertable, deviceId!, receivedAt, facts);
    const accepted = insertable.filter((c) => inserted.accepted.has(c.id));
    const duplicates = insertable.filter((c) => !inserted.accepted.has(c.id));
    for (const c of accepted) {
      const event = inserted.accepted.get(c.id)!;
      results[c.index] = { clientEventId: c.clientEventId, outcome: PatrolEventOutcome.ACCEPTED, eventId: c.id };
      answered.set(c.id, event);
    }
    for (const c of duplicates) {
      const event = inserted.earlier.get(`${c.patrolId}|${c.clientEventId}`);
      results[c.index] = { clientEventId: c.clientEventId, outcome: PatrolEventOutcome.DUPLICATE, eventId: event?.id };
      if (event) answered.set(event.id, event);
    }

    for (const incident of accepted.filter((c) => c.kind === PatrolEventKind.INCIDENT)) {
      const f = facts.get(incident.patrolId)!;
      const caseId = await openIncidentCase(tx, { eventId: incident.id, patrol: f.patrol, team: f.team, text: incident.text!, severity: incident.severity!, deviceTime: incident.deviceTime, latitude: incident.latitude, longitude: incident.longitude });
      if (caseId) {
        await tx.em.query(`UPDATE patrol_event SET case_id = $1 WHERE id = $2`, [caseId, incident.id]);
        answered.get(incident.id)!.caseId = caseId;
      }
    }

    holdRecordedCheckIns(ctx.app.events, accepted.map((c) => answered.get(c.id)!));

    for (const f of facts.values()) {
      const mine = accepted.filter((c) => c.patrolId === f.patrol.id).sort((a, b) => a.deviceTime.getTime() - b.deviceTime.getTime() || a.index - b.index);
      const scope: PatrolEventScope = { patrolId: f.patrol.id, teamId: f.team.id, areaPath: f.area.path, audience: f.audience };
      const attempted = candidates.filter((c) => c.patrolId === f.patrol.id).length;
      tx.audit({
        action: 'patrolEventsRecord',
        recordType: 'Patrol',
        recordId: f.patrol.id,
        details: { deviceId, accepted: mine.length, duplicates: duplicates.filter((c) => c.patrolId === f.patrol.id).length, attempted },
      });
      if (mine.length === 0) continue;
      const status = await applyStatus(tx, f, scope, movedTimes(f.patrol, mine));
      emitPatrol(tx, scope, 'patrol.eventsRecorded', {
        status,
        eventIds: mine.map((c) => c.id),
        kinds: mine.map((c) => c.kind),
        flaggedEventIds: mine.filter((c) => c.flags.length > 0).map((c) => c.id),
        receivedAt,
      });
    }
    return { acceptedIds: accepted.map((c) => c.id) };
  });

  for (const [i, first] of repeats) {
    const original = results[first];
    results[i] =
      original.outcome === PatrolEventOutcome.REJECTED
        ? { ...original }
        : { clientEventId: original.clientEventId, outcome: PatrolEventOutcome.DUPLICATE, eventId: original.eventId };
  }
  const final: PatrolEventResult[] = results.map(({ eventId, ...r }) => ({ ...r, event: eventId ? (answered.get(eventId) ?? null) : null }));
  return {
    results: final,
    acceptedCount: outcome.acceptedIds.length,
    duplicateCount: final.filter((r) => r.outcome === PatrolEventOutcome.DUPLICATE).length,
    rejectedCount: final.filter((r) => r.outcome === PatrolEventOutcome.REJECTED).length,
  };
}

/** How a checkpoint token is stored: bound to its checkpoint, so one printed code cannot prove presence at another. */
export function checkpointTokenHash(checkpointId: string, token: string): string {
  return createHash('sha256').update(`${checkpointId}:${token}`).digest('hex');
}

function flag(c: Candidate, code: PatrolEventFlag, reason: string): void {
  c.flags.push(code);
  c.reasons.push(`${code}: ${reason}`);
}

/**
 * A check-in counts as a visit only with evidence of presence: the token
 * printed on the checkpoint, or a position within the radius. Anything else is
 * recorded (the phone's story is kept) but flagged, and flagged check-ins are
 * not visits.
 */
function judgePresence(c: Candidate, cp: { checkpoint: Checkpoint; tokenHash: string | null }, radius: number): void {
  if (c.latitude !== null && c.longitude !== null) {
    c.distanceMeters = Math.round(haversineMeters(c.latitude, c.longitude, cp.checkpoint.latitude, cp.checkpoint.longitude) * 10) / 10;
  }
  if (c.token !== null) {
    const sent = Buffer.from(checkpointTokenHash(cp.checkpoint.id, c.token), 'hex');
    if (cp.tokenHash && timingSafeEqual(sent, Buffer.from(cp.tokenHash, 'hex'))) {
      c.proof = CheckInProof.TOKEN;
      return;
    }
    flag(c, PatrolEventFlag.WRONG_CHECKPOINT_TOKEN, cp.tokenHash ? 'the token does not match the one issued for the checkpoint' : 'no token was issued for the checkpoint');
  }
  if (c.distanceMeters === null) {
    if (c.token === null) flag(c, PatrolEventFlag.NO_PROOF_OF_PRESENCE, 'no position and no checkpoint token');
    return;
  }
  if (c.distanceMeters > radius) flag(c, PatrolEventFlag.FAR_FROM_CHECKPOINT, `${Math.round(c.distanceMeters)} m from the checkpoint (limit ${radius} m)`);
  else if (c.flags.length === 0) c.proof = CheckInProof.LOCATION;
}

const hhmm = (d: Date) => new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Shanghai', hour: '2-digit', minute: '2-digit', day: '2-digit', month: '2-digit' }).format(d);

/**
 * Times the team reports itself cannot move the figures: a STARTED outside
 * the start window is refused (a patrol planned for tomorrow cannot start
 * now); other events with a device time in the future or outside the shift
 * are recorded but flagged, and flagged times neither start, end nor cover
 * the patrol.
 */
function judgeTime(c: Candidate, patrol: Patrol, receivedAt: Date): Result | null {
  const t = c.deviceTime.getTime();
  const start = patrol.plannedStart.getTime();
  if (c.kind === PatrolEventKind.STARTED) {
    const opens = new Date(start - START_EARLY_MS);
    const closes = new Date(start + START_LATE_MS);
    if (t < opens.getTime() || t > closes.getTime() || receivedAt.getTime() + CLOCK_SKEW_MS < opens.getTime()) {
      return rejected(c.clientEventId, UserErrorCode.OUT_OF_RANGE, `This patrol can be started from ${hhmm(opens)} to ${hhmm(closes)} (China Standard Time), by a device time not in the future.`);
    }
  }
  if (t > receivedAt.getTime() + CLOCK_SKEW_MS) flag(c, PatrolEventFlag.DEVICE_TIME_IN_FUTURE, `device time ${Math.round((t - receivedAt.getTime()) / 60_000)} min after the time received (limit ${CLOCK_SKEW_MS / 60_000} min)`);
  if (t < start - SHIFT_GRACE_MS || t > patrol.plannedEnd.getTime() + SHIFT_GRACE_MS) flag(c, PatrolEventFlag.OUTSIDE_SHIFT, `device time outside the shift (${hhmm(patrol.plannedStart)} to ${hhmm(patrol.plannedEnd)}, ±${SHIFT_GRACE_MS / 60_000} min)`);
  return null;
}

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
async function applyStatus(tx: Tx, f: PatrolFacts, scope: PatrolEventScope, times: EventTimes): Promise<PatrolStatus> {
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
function movedTimes(patrol: Patrol, accepted: Candidate[]): EventTimes {
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
