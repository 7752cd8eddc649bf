import { randomUUID } from 'node:crypto';
import type { AppContext } from '../../shared/context';
import { UserErrorCode } from '../../shared/errors';
import { clock } from '../../shared/clock';
import { idOf } from '../../shared/relay/global-id';
import { failIfAny } from '../../shared/transaction';
import { InputCheck } from '../../shared/validation';
import { textProblem } from '../../shared/text';
import { IncidentSeverity, PatrolEventKind } from './patrol.entity';
import { MAX_EVENTS_PER_BATCH, PatrolEventOutcome, type PatrolEventInput, type PatrolEventResult, type PatrolEventsRecordInput } from './patrol.inputs';
import type { Candidate } from './patrol.ingest-sql';
import { rejected, type Result } from './patrol.ingest-judge';
import { recordBatch, type BatchOutcome } from './patrol.ingest-group';

/** Device clocks may run ahead; anything further in the future than this is refused. */
const MAX_CLOCK_AHEAD_MS = 24 * 3_600_000;
const MAX_TEXT = 4000;

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
 * The events that pass their own checks here are recorded in a transaction the
 * batch may share with others that arrived meanwhile (patrol.ingest-group.ts).
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

  const outcome: BatchOutcome =
    candidates.length === 0 ? { results: new Map(), answered: new Map(), acceptedCount: 0 } : await recordBatch({ ctx, deviceId: deviceId!, receivedAt, candidates });
  for (const [index, result] of outcome.results) results[index] = result;
  const answered = outcome.answered;

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
    acceptedCount: outcome.acceptedCount,
    duplicateCount: final.filter((r) => r.outcome === PatrolEventOutcome.DUPLICATE).length,
    rejectedCount: final.filter((r) => r.outcome === PatrolEventOutcome.REJECTED).length,
  };
}

