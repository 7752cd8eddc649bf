import type { AppContext, AppServices } from '../../shared/context';
import { requestStorage, type RequestStore } from '../../shared/request-context';
import { UserErrorCode } from '../../shared/errors';
import { inTransaction, type Tx } from '../../shared/transaction';
import { PatrolEvent, PatrolEventKind, PatrolStatus } from './patrol.entity';
import { emitPatrol, type PatrolEventScope } from './patrol.events';
import { PatrolEventOutcome } from './patrol.inputs';
import { clientKey, factsVisibleTo, insertEvents, loadFacts, type Candidate, type CheckpointFacts, type Inserted, type InsertRow, type PatrolFacts } from './patrol.ingest-sql';
import { judgePresence, judgeTime, rejected, type Result } from './patrol.ingest-judge';
import { applyStatus, movedTimes } from './patrol.ingest-status';
import { openIncidentCase } from './patrol.incidents';
import { holdRecordedCheckIns } from './patrol.subscription';

/*
 * Check-in batches that arrive while others are being written share the next transaction. A batch's cost was
 * mostly its own round trips and statements (the facts, the insert, the commit: bench, 3-5 ms of server and 3.4-4
 * ms of PostgreSQL per batch against 20-45 µs per check-in), and each of them serves a whole group as well as one
 * batch: the facts and the insert already take many patrols. Each batch is still judged, answered, audited and
 * published as its own, in the order the batches arrived, as if they had been recorded one after the other.
 */

/** Groups written at once: one fills while the other is in PostgreSQL, so neither the server nor PostgreSQL waits. */
export const GROUPS_IN_FLIGHT = 2;
/**
 * Transactions at most, stalled ones included (see Config.checkInGroupStalledMs): a patrol locked elsewhere holds
 * up the groups that include it, and the phone's retries would bring it into every new group; beyond this, batches
 * wait. Well below the pool's 20 connections.
 */
export const MAX_GROUPS_IN_FLIGHT = 8;
/** Check-ins one group may hold (four full batches): the facts and the insert stay one statement each. */
export const GROUP_MAX_EVENTS = 2_000;

/** A batch checked on its own (patrol.ingest.ts), waiting for its transaction. */
export interface PendingBatch {
  ctx: AppContext;
  deviceId: string;
  receivedAt: Date;
  /** Its events that passed the checks of their own, at most one per patrol and client event id. */
  candidates: Candidate[];
}

/** What the transaction decided for a batch: a result per candidate (by its index in the batch) and the rows answered. */
export interface BatchOutcome {
  results: Map<number, Result>;
  answered: Map<string, PatrolEvent>;
  acceptedCount: number;
}

type Settled = { outcome: BatchOutcome } | { error: unknown };

interface Waiting {
  batch: PendingBatch;
  resolve(outcome: BatchOutcome): void;
  reject(error: unknown): void;
}

/**
 * Queues batches and writes them in groups: a batch that finds a transaction free starts one at once, alone;
 * batches arriving while GROUPS_IN_FLIGHT transactions are busy wait and go together into the next. A transaction
 * running longer than `stalledMs` no longer counts as busy.
 */
class CheckInCommitter {
  private readonly waiting: Waiting[] = [];
  /** When each running group's transaction started. */
  private readonly running = new Set<{ startedAt: number }>();
  private recheck: NodeJS.Timeout | null = null;

  constructor(private readonly stalledMs: number) {}

  submit(batch: PendingBatch): Promise<BatchOutcome> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ batch, resolve, reject });
      this.startGroups();
    });
  }

  /** Batches waiting for a transaction, for the metrics. */
  get queued(): number {
    return this.waiting.length;
  }

  private startGroups(): void {
    const now = Date.now();
    const busySince = [...this.running].filter((g) => now - g.startedAt < this.stalledMs).map((g) => g.startedAt);
    let busy = busySince.length;
    while (busy < GROUPS_IN_FLIGHT && this.running.size < MAX_GROUPS_IN_FLIGHT && this.waiting.length > 0) {
      const group = [this.waiting.shift()!];
      let events = group[0].batch.candidates.length;
      while (this.waiting.length > 0 && events + this.waiting[0].batch.candidates.length <= GROUP_MAX_EVENTS) {
        events += this.waiting[0].batch.candidates.length;
        group.push(this.waiting.shift()!);
      }
      const running = { startedAt: now };
      this.running.add(running);
      busy += 1;
      void this.commit(group).finally(() => {
        this.running.delete(running);
        this.startGroups();
      });
    }
    // Batches left waiting behind busy groups: look again when the oldest of them would count as stalled.
    if (this.waiting.length > 0 && this.recheck === null && this.running.size < MAX_GROUPS_IN_FLIGHT && busySince.length > 0) {
      this.recheck = setTimeout(() => {
        this.recheck = null;
        this.startGroups();
      }, Math.min(...busySince) + this.stalledMs - now);
      this.recheck.unref();
    }
  }

  private async commit(group: Waiting[]): Promise<void> {
    let settled: Settled[];
    try {
      settled = await countedForEach(group.map((w) => w.batch), () => recordGroup(group.map((w) => w.batch)));
    } catch (error) {
      if (group.length === 1) return group[0].reject(error);
      // Nothing of the group was written. Its failure is not laid on any one batch: each is tried again alone.
      for (const w of group) await this.commit([w]);
      return;
    }
    group.forEach((w, i) => {
      const s = settled[i];
      if ('outcome' in s) w.resolve(s.outcome);
      else w.reject(s.error);
    });
  }
}

const committers = new WeakMap<AppServices, CheckInCommitter>();

function committerOf(app: AppServices): CheckInCommitter {
  let committer = committers.get(app);
  if (!committer) committers.set(app, (committer = new CheckInCommitter(app.config.checkInGroupStalledMs)));
  return committer;
}

/** Records a checked batch, in a transaction it may share with other batches; resolves once that has committed. */
export function recordBatch(batch: PendingBatch): Promise<BatchOutcome> {
  return committerOf(batch.ctx.app).submit(batch);
}

/** Batches of this process waiting for a transaction. */
export function checkInBatchesQueued(app: AppServices): number {
  return committers.get(app)?.queued ?? 0;
}

/**
 * Runs a group's transaction outside any one request's statement count: the group's statements are added to
 * every counted request of the group (X-SQL-Statements says what a batch's transaction sent, alone or shared).
 */
async function countedForEach<T>(batches: PendingBatch[], run: () => Promise<T>): Promise<T> {
  const counted = batches.map((b) => b.ctx.requestStore).filter((s): s is RequestStore => Boolean(s?.countsStatements));
  if (counted.length === 0) return requestStorage.exit(run);
  const store: RequestStore = { requestId: counted[0].requestId, countsStatements: true, sqlStatements: 0 };
  try {
    return await requestStorage.run(store, run);
  } finally {
    for (const s of counted) s.sqlStatements += store.sqlStatements;
  }
}

interface Judged {
  batch: PendingBatch;
  /** The batch's patrols as its viewer may use them. */
  facts: Map<string, PatrolFacts>;
  candidates: Candidate[];
  /** Candidates that passed every check: the batch's rows for the insert. */
  insertable: Candidate[];
  results: Map<number, Result>;
}

/** One transaction for the group: its facts in one statement, its rows in another, then each batch in turn. */
async function recordGroup(batches: PendingBatch[]): Promise<Settled[]> {
  return inTransaction(batches[0].ctx, async (tx) => {
    const all = batches.flatMap((b) => b.candidates);
    const { facts, checkpoints } = await loadFacts(
      tx,
      [...new Set(all.map((c) => c.patrolId))],
      [...new Set(all.map((c) => c.checkpointId).filter((id): id is string => Boolean(id)))],
      [...new Set(batches.map((b) => b.ctx.viewer.userId).filter((id): id is string => Boolean(id)))],
    );
    const radius = batches[0].ctx.app.config.patrolCheckpointRadiusMeters;
    const judged = batches.map((batch): Judged | { error: unknown } => {
      try {
        return judge(batch, factsVisibleTo(batch.ctx.viewer, facts, batch.candidates.map((c) => c.patrolId)), checkpoints, radius);
      } catch (error) {
        // Refused as a whole (a patrol it may see but not report on): the other batches go on without it.
        return { error };
      }
    });

    // A key sent twice in one group (a phone's retry beside its first attempt) is inserted once, for the earlier batch.
    const firstOfKey = new Map<string, Candidate>();
    const rows: InsertRow[] = [];
    for (const j of judged) {
      if ('error' in j) continue;
      for (const c of j.insertable) {
        const key = clientKey(c.patrolId, j.batch.deviceId, c.clientEventId);
        if (firstOfKey.has(key)) continue;
        firstOfKey.set(key, c);
        rows.push({ candidate: c, deviceId: j.batch.deviceId, receivedAt: j.batch.receivedAt, viewer: j.batch.ctx.viewer, teamId: j.facts.get(c.patrolId)!.team.id });
      }
    }
    const inserted = await insertEvents(tx, rows);

    const settled: Settled[] = [];
    for (const j of judged) settled.push('error' in j ? j : { outcome: await finish(tx.actingFor(j.batch.ctx), j, inserted, firstOfKey) });
    return settled;
  });
}

/** Judges a batch's candidates against the facts: refused with a code, or insertable with their flags and proof. */
function judge(batch: PendingBatch, facts: Map<string, PatrolFacts>, checkpoints: Map<string, CheckpointFacts>, radius: number): Judged {
  // Fresh copies: judging adds flags, and a group that failed is judged again batch by batch.
  const candidates = batch.candidates.map((c) => ({ ...c, flags: [], reasons: [], proof: null, distanceMeters: null }));
  const results = new Map<number, Result>();
  const insertable: Candidate[] = [];
  for (const c of candidates) {
    const f = facts.get(c.patrolId);
    if (!f) {
      results.set(c.index, rejected(c.clientEventId, UserErrorCode.NOT_FOUND, 'No Patrol with this id.'));
      continue;
    }
    if (f.patrol.status === PatrolStatus.CANCELLED) {
      results.set(c.index, rejected(c.clientEventId, UserErrorCode.INVALID_TRANSITION, 'The patrol was cancelled.'));
      continue;
    }
    if (c.checkpointId) {
      const cp = checkpoints.get(c.checkpointId);
      if (!cp) {
        results.set(c.index, rejected(c.clientEventId, UserErrorCode.NOT_FOUND, 'No Checkpoint with this id.'));
        continue;
      }
      if (!f.plannedCheckpointIds.has(cp.checkpoint.id) && !cp.path.startsWith(f.area.path)) {
        results.set(c.index, rejected(c.clientEventId, UserErrorCode.NOT_PERMITTED_HERE, "The checkpoint is neither on the patrol's route nor in its area."));
        continue;
      }
      judgePresence(c, cp, radius);
    }
    const timeProblem = judgeTime(c, f.patrol, batch.receivedAt);
    if (timeProblem) {
      results.set(c.index, timeProblem);
      continue;
    }
    insertable.push(c);
  }
  return { batch, facts, candidates, insertable, results };
}

/**
 * A batch's part after the group's insert, with the batch's own viewer: its answer, the cases of its incidents,
 * its audit rows, the patrols' status and its events. Batches take their turn in the order they arrived, so each
 * patrol's status moves as it would have, batch after batch.
 */
async function finish(tx: Tx, j: Judged, inserted: Inserted, firstOfKey: Map<string, Candidate>): Promise<BatchOutcome> {
  const { batch, facts, results } = j;
  /** The rows as the group's statement returned them: the answer is built from them, not read back. */
  const answered = new Map<string, PatrolEvent>();
  const accepted = j.insertable.filter((c) => inserted.accepted.has(c.id));
  const duplicates = j.insertable.filter((c) => !inserted.accepted.has(c.id));
  for (const c of accepted) {
    results.set(c.index, { clientEventId: c.clientEventId, outcome: PatrolEventOutcome.ACCEPTED, eventId: c.id });
    answered.set(c.id, inserted.accepted.get(c.id)!);
  }
  for (const c of duplicates) {
    const key = clientKey(c.patrolId, batch.deviceId, c.clientEventId);
    // An earlier batch of the group inserted the key (the statement's lookup of earlier copies cannot see its own rows).
    const event = inserted.earlier.get(key) ?? inserted.accepted.get(firstOfKey.get(key)!.id);
    results.set(c.index, { clientEventId: c.clientEventId, outcome: PatrolEventOutcome.DUPLICATE, eventId: event?.id });
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

  holdRecordedCheckIns(tx.ctx.app.events, accepted.map((c) => answered.get(c.id)!));

  for (const f of facts.values()) {
    const mine = accepted.filter((c) => c.patrolId === f.patrol.id).sort((a, b) => a.deviceTime.getTime() - b.deviceTime.getTime() || a.index - b.index);
    const scope: PatrolEventScope = { patrolId: f.patrol.id, teamId: f.team.id, areaPath: f.area.path, audience: f.audience };
    const attempted = j.candidates.filter((c) => c.patrolId === f.patrol.id).length;
    tx.audit({
      action: 'patrolEventsRecord',
      recordType: 'Patrol',
      recordId: f.patrol.id,
      details: { deviceId: batch.deviceId, accepted: mine.length, duplicates: duplicates.filter((c) => c.patrolId === f.patrol.id).length, attempted },
    });
    if (mine.length === 0) continue;
    const status = await applyStatus(tx, f, scope, movedTimes(f.patrol, mine));
    emitPatrol(tx, scope, 'patrol.eventsRecorded', {
      status,
      eventIds: mine.map((c) => c.id),
      kinds: mine.map((c) => c.kind),
      flaggedEventIds: mine.filter((c) => c.flags.length > 0).map((c) => c.id),
      receivedAt: batch.receivedAt,
    });
  }
  return { results, answered, acceptedCount: accepted.length };
}
