import { createHash, timingSafeEqual } from 'node:crypto';
import { UserErrorCode } from '../../shared/errors';
import { CheckInProof, Checkpoint, Patrol, PatrolEventFlag, PatrolEventKind } from './patrol.entity';
import { haversineMeters } from './patrol.coverage';
import { PatrolEventOutcome, type PatrolEventResult } from './patrol.inputs';
import type { Candidate } from './patrol.ingest-sql';

/*
 * How one check-in is judged against its patrol and checkpoint: evidence of presence and the device's time.
 * The judgement is the batch's own, whichever group of batches its transaction is shared with.
 */

/** A device time later than receipt by more than this is flagged: a phone's clock drifts, it does not run hours ahead. */
export const CLOCK_SKEW_MS = 5 * 60_000;
/** Events more than this before the planned start or after the planned end lie outside the shift and are flagged. */
export const SHIFT_GRACE_MS = 30 * 60_000;
/** A STARTED is accepted from 30 minutes before the planned start to 60 minutes after it, by a device time that is not in the future. */
export const START_EARLY_MS = 30 * 60_000;
export const START_LATE_MS = 60 * 60_000;

/** An event's answer, with the id of its row rather than the row. */
export type Result = Omit<PatrolEventResult, 'event'> & { eventId?: string };

export function rejected(clientEventId: string, code: UserErrorCode, message: string): Result {
  return { clientEventId, outcome: PatrolEventOutcome.REJECTED, code, message };
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
export function judgePresence(c: Candidate, cp: { checkpoint: Checkpoint; tokenHash: string | null }, radius: number): void {
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
export function judgeTime(c: Candidate, patrol: Patrol, receivedAt: Date): Result | null {
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

