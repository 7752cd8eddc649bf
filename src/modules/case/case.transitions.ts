/**
 * A case's way through its lifecycle after intake: triage, assignment, start,
 * resolution, closing and reopening, supervision, comments and merging
 * duplicates; each step checked against the version the caller read.
 */
import type { AppContext } from '../../shared/context';
import { UserErrorCode, forbidden } from '../../shared/errors';
import type { Viewer } from '../../shared/auth/viewer';
import { clock } from '../../shared/clock';
import { type Tx, fail, failIfAny, inTransaction, updateVersioned } from '../../shared/transaction';
import { InputCheck } from '../../shared/validation';
import { Organization } from '../organization/organization.entity';
import { Case, CaseCategory, CaseEventType, CaseEventVisibility, CaseFollower, CaseSeverity, CaseStatus, OPEN_STATUSES, isMajorDispute } from './case.entity';
import { loadAudience, recordStep, type CaseAudience, type CaseStep } from './case.events';
import type { CaseAssignInput, CaseCloseInput, CaseCommentInput, CaseMergeInput, CaseReopenInput, CaseResolveInput, CaseStepInput, CaseSuperviseInput, CaseTriageInput } from './case.inputs';
import { dueFrom, slaHours } from './case.intake';
import { canCloseOrReopenCase, canComment, canDispatchCase, canWorkCase, caseAccess, type CaseFacts } from './case.policy';

/** Channels a person without an organisation may report by (完善群眾舉報和反饋制度: mailbox, phone, app, WeChat, in person). */
import { NOTE_MAX } from './case.service';

// ---------- transitions ----------

interface Change {
  /** Column changes; null when the step leaves the case row as it is (comments). */
  changes: Partial<Case> | null;
  steps: Omit<CaseStep, 'at'>[];
  details?: Record<string, unknown>;
}

export interface TransitionSpec {
  action: string;
  /** Statuses the step may start from. */
  from: readonly CaseStatus[];
  allowed: (viewer: Viewer, facts: CaseFacts) => boolean;
  forbiddenMessage: string | ((viewer: Viewer, facts: CaseFacts) => string);
  apply: (tx: Tx, record: Case, now: Date) => Promise<Change>;
}

function factsOf(record: Case, audience: CaseAudience): CaseFacts {
  return {
    responsibleOrganizationId: record.responsibleOrganizationId,
    supervisingOrganizationId: record.supervisingOrganizationId,
    jurisdictionOrganizationIds: audience.jurisdictionOrganizationIds,
    reporterUserIds: audience.reporterUserIds,
    reporterOrganizationIds: audience.reporterOrganizationIds,
  };
}

/** Loads and locks a case the viewer may see; NOT_FOUND (on `field`) otherwise, exactly like an unknown id. */
/**
 * Loads and locks a case the viewer may see; NOT_FOUND (on `field`) otherwise, exactly like an unknown id.
 * `nested` names the record the caller was given an id of (a disposal phase), so a hidden case answers
 * with that record's "unknown id" message, and `need: 'FULL'` hides the case from viewers who see only its public part.
 */
export async function lockVisibleCase(
  tx: Tx,
  id: string,
  field: string,
  nested: { message: string; need: 'ANY' | 'FULL' } = { message: 'No Case with this id.', need: 'ANY' },
): Promise<{ record: Case; audience: CaseAudience; facts: CaseFacts }> {
  const record = await tx.em.findOne(Case, { where: { id }, lock: { mode: 'pessimistic_write' } });
  if (!record) fail(field, UserErrorCode.NOT_FOUND, nested.message);
  const audience = await loadAudience(tx, record);
  const facts = factsOf(record, audience);
  const access = caseAccess(tx.ctx.viewer, facts);
  if (access === 'NONE' || (nested.need === 'FULL' && access !== 'FULL')) fail(field, UserErrorCode.NOT_FOUND, nested.message);
  return { record, audience, facts };
}

async function writeChange(tx: Tx, record: Case, changes: Partial<Case>, now: Date): Promise<void> {
  await updateVersioned(tx, Case, record.id, record.version, { ...changes, updatedAt: now }, 'case');
  Object.assign(record, changes, { version: record.version + 1, updatedAt: now });
}

const STEP_NAMES: Record<string, string> = {
  caseTriage: 'triaged',
  caseAssign: 'assigned',
  caseReassign: 'reassigned',
  caseStart: 'started',
  caseResolve: 'resolved',
  caseClose: 'closed',
  caseReopen: 'reopened',
  caseSupervise: 'put under supervision',
  caseComment: 'commented on',
};

export async function transition(ctx: AppContext, caseId: string, expectedVersion: number | null | undefined, spec: TransitionSpec, extraErrors: InputCheck): Promise<{ case: Case }> {
  const id = extraErrors.id('caseId', caseId, 'Case', { required: true });
  failIfAny(extraErrors.errors);
  return inTransaction(ctx, async (tx) => {
    const { record, facts } = await lockVisibleCase(tx, id!, 'caseId');
    if (!spec.allowed(ctx.viewer, facts)) throw forbidden(typeof spec.forbiddenMessage === 'function' ? spec.forbiddenMessage(ctx.viewer, facts) : spec.forbiddenMessage);
    if (expectedVersion != null && record.version !== expectedVersion) {
      fail('expectedVersion', UserErrorCode.CONFLICT, 'The case changed since you read it; reload and retry.');
    }
    if (!spec.from.includes(record.status)) {
      fail('caseId', UserErrorCode.INVALID_TRANSITION, `A ${record.status} case cannot be ${STEP_NAMES[spec.action] ?? 'changed'}.`);
    }
    const now = clock.now();
    const change = await spec.apply(tx, record, now);
    if (change.changes) await writeChange(tx, record, change.changes, now);
    // The audience after the change: a new responsible or supervising organisation sees the step that gave it the case.
    const audience = await loadAudience(tx, record);
    for (const step of change.steps) await recordStep(tx, record, audience, { ...step, at: now });
    tx.audit({ action: spec.action, recordType: 'Case', recordId: record.id, details: { status: record.status, ...change.details } });
    return { case: await tx.em.findOneByOrFail(Case, { id: record.id }) };
  });
}

interface Assignment {
  responsibleOrganizationId: string;
  leaderUserId: string;
  handlerUserId: string;
}

function readAssignment(check: InputCheck, input: { responsibleOrganizationId?: string | null; leaderUserId?: string | null; handlerUserId?: string | null }, required: boolean): Assignment | null {
  const responsibleOrganizationId = check.id('responsibleOrganizationId', input.responsibleOrganizationId, 'Organization', { required });
  const leaderUserId = check.id('leaderUserId', input.leaderUserId, 'User', { required });
  const handlerUserId = check.id('handlerUserId', input.handlerUserId, 'User', { required });
  return responsibleOrganizationId && leaderUserId && handlerUserId ? { responsibleOrganizationId, leaderUserId, handlerUserId } : null;
}

/** The responsible organisation must exist; its leader and handler must be its members. */
async function checkAssignment(tx: Tx, a: Assignment): Promise<void> {
  if (!(await tx.em.existsBy(Organization, { id: a.responsibleOrganizationId }))) fail('responsibleOrganizationId', UserErrorCode.NOT_FOUND, 'No Organization with this id.');
  const rows: { user_id: string }[] = await tx.em.query(`SELECT user_id FROM membership WHERE organization_id = $1 AND user_id = ANY($2::uuid[])`, [
    a.responsibleOrganizationId,
    [a.leaderUserId, a.handlerUserId],
  ]);
  const members = new Set(rows.map((r) => r.user_id));
  const check = new InputCheck();
  if (!members.has(a.leaderUserId)) check.add('leaderUserId', UserErrorCode.NOT_PERMITTED_HERE, 'The leader must be a member of the responsible organisation.');
  if (!members.has(a.handlerUserId)) check.add('handlerUserId', UserErrorCode.NOT_PERMITTED_HERE, 'The handler must be a member of the responsible organisation.');
  failIfAny(check.errors);
}

function assignmentChanges(a: Assignment, now: Date): Partial<Case> {
  return { ...a, assignedAt: now };
}

export function noteStep(type: CaseEventType, note: string | null, data: Record<string, unknown> = {}, visibility = CaseEventVisibility.INTERNAL): Omit<CaseStep, 'at'> {
  return { type, visibility, body: note, data };
}

export function triageCase(ctx: AppContext, input: CaseTriageInput) {
  const check = new InputCheck();
  const note = check.text('note', input.note, { max: NOTE_MAX });
  if (!Object.values(CaseCategory).includes(input.category)) check.add('category', UserErrorCode.INVALID, 'Unknown category.');
  if (!Object.values(CaseSeverity).includes(input.severity)) check.add('severity', UserErrorCode.INVALID, 'Unknown severity.');
  const major = isMajorDispute(input.category, input.severity);
  const anyGiven = Boolean(input.responsibleOrganizationId || input.leaderUserId || input.handlerUserId);
  const assignment = readAssignment(check, input, major || anyGiven);
  if (major && check.errors.some((e) => e.code === UserErrorCode.REQUIRED)) {
    check.errors.forEach((e) => {
      if (e.code === UserErrorCode.REQUIRED) e.message = `A major dispute gets a responsible unit, leader and handler at triage: ${e.field[1]} is required.`;
    });
  }
  if (input.dueAt && input.dueAt.getTime() <= clock.now().getTime()) check.add('dueAt', UserErrorCode.OUT_OF_RANGE, 'dueAt must lie in the future.');
  return transition(ctx, input.caseId, input.expectedVersion, {
    action: 'caseTriage',
    from: [CaseStatus.REPORTED],
    allowed: canDispatchCase,
    forbiddenMessage: (viewer, facts) => dispatchRefusal(viewer, facts, 'triage its cases'),
    apply: async (tx, record, now) => {
      if (assignment) await checkAssignment(tx, assignment);
      const dueAt = input.dueAt ?? dueFrom(record.reportedAt, await slaHours(tx, input.category, input.severity));
      const changes: Partial<Case> = {
        category: input.category,
        severity: input.severity,
        dueAt,
        triagedAt: now,
        status: assignment ? CaseStatus.ASSIGNED : CaseStatus.TRIAGED,
        ...(dueAt > now ? { escalatedAt: null } : {}),
        ...(assignment ? assignmentChanges(assignment, now) : {}),
      };
      const steps = [noteStep(CaseEventType.TRIAGED, note, { category: input.category, severity: input.severity, dueAt: dueAt.toISOString() }, CaseEventVisibility.PUBLIC)];
      if (assignment) steps.push(noteStep(CaseEventType.ASSIGNED, null, { ...assignment }));
      return { changes, steps, details: { category: input.category, severity: input.severity, dueAt, ...assignment } };
    },
  }, check);
}

function assignLike(ctx: AppContext, input: CaseAssignInput, action: 'caseAssign' | 'caseReassign') {
  const check = new InputCheck();
  const note = check.text('note', input.note, { max: NOTE_MAX });
  const assignment = readAssignment(check, input, true);
  const reassign = action === 'caseReassign';
  return transition(ctx, input.caseId, input.expectedVersion, {
    action,
    from: reassign ? [CaseStatus.ASSIGNED, CaseStatus.IN_PROGRESS, CaseStatus.REOPENED] : [CaseStatus.TRIAGED],
    allowed: canDispatchCase,
    forbiddenMessage: (viewer, facts) => dispatchRefusal(viewer, facts, 'assign its cases'),
    apply: async (tx, record, now) => {
      await checkAssignment(tx, assignment!);
      if (
        reassign &&
        record.responsibleOrganizationId === assignment!.responsibleOrganizationId &&
        record.leaderUserId === assignment!.leaderUserId &&
        record.handlerUserId === assignment!.handlerUserId
      ) {
        fail('caseId', UserErrorCode.ALREADY_DONE, 'The case already has this responsible organisation, leader and handler.');
      }
      const previous = { responsibleOrganizationId: record.responsibleOrganizationId, leaderUserId: record.leaderUserId, handlerUserId: record.handlerUserId };
      return {
        changes: { ...assignmentChanges(assignment!, now), status: CaseStatus.ASSIGNED },
        steps: [noteStep(reassign ? CaseEventType.REASSIGNED : CaseEventType.ASSIGNED, note, { ...assignment, ...(reassign ? { previous } : {}) })],
        details: { ...assignment, ...(reassign ? { previous } : {}) },
      };
    },
  }, check);
}

export const assignCase = (ctx: AppContext, input: CaseAssignInput) => assignLike(ctx, input, 'caseAssign');
export const reassignCase = (ctx: AppContext, input: CaseAssignInput) => assignLike(ctx, input, 'caseReassign');

export function startCase(ctx: AppContext, input: CaseStepInput) {
  const check = new InputCheck();
  const note = check.text('note', input.note, { max: NOTE_MAX });
  return transition(ctx, input.caseId, input.expectedVersion, {
    action: 'caseStart',
    from: [CaseStatus.ASSIGNED, CaseStatus.REOPENED],
    allowed: canWorkCase,
    forbiddenMessage: 'Only the responsible organisation works on the case.',
    apply: async (_tx, record, now) => {
      if (!record.handlerUserId) fail('caseId', UserErrorCode.INVALID_TRANSITION, 'Assign the case before starting work on it.');
      return { changes: { status: CaseStatus.IN_PROGRESS, startedAt: now }, steps: [noteStep(CaseEventType.STARTED, null, {}, CaseEventVisibility.PUBLIC), ...(note ? [noteStep(CaseEventType.COMMENTED, note)] : [])] };
    },
  }, check);
}

export function resolveCase(ctx: AppContext, input: CaseResolveInput) {
  const check = new InputCheck();
  const resolution = check.text('resolution', input.resolution, { max: 5000, required: true });
  return transition(ctx, input.caseId, input.expectedVersion, {
    action: 'caseResolve',
    from: [CaseStatus.IN_PROGRESS],
    allowed: canWorkCase,
    forbiddenMessage: 'Only the responsible organisation resolves the case.',
    apply: async (_tx, _record, now) => ({
      changes: { status: CaseStatus.RESOLVED, resolvedAt: now, resolution },
      steps: [noteStep(CaseEventType.RESOLVED, resolution, {}, CaseEventVisibility.PUBLIC)],
      details: { resolution },
    }),
  }, check);
}

export function closeCase(ctx: AppContext, input: CaseCloseInput) {
  const check = new InputCheck();
  const note = check.text('note', input.note, { max: NOTE_MAX });
  // The rating is the reporter's say (caseFeedback); the unit being rated cannot write it.
  if (input.satisfaction != null) check.add('satisfaction', UserErrorCode.NOT_PERMITTED_HERE, 'The rating comes from the reporter (caseFeedback), not from the handling organisation.');
  return transition(ctx, input.caseId, input.expectedVersion, {
    action: 'caseClose',
    from: [CaseStatus.RESOLVED],
    allowed: canCloseOrReopenCase,
    forbiddenMessage: 'Only the handling or supervising organisations close the case.',
    apply: async (_tx, _record, now) => ({
      changes: { status: CaseStatus.CLOSED, closedAt: now },
      steps: [noteStep(CaseEventType.CLOSED, null, {}, CaseEventVisibility.PUBLIC), ...(note ? [noteStep(CaseEventType.COMMENTED, note)] : [])],
    }),
  }, check);
}

export function reopenCase(ctx: AppContext, input: CaseReopenInput) {
  const check = new InputCheck();
  const reason = check.text('reason', input.reason, { max: NOTE_MAX, required: true });
  return transition(ctx, input.caseId, input.expectedVersion, {
    action: 'caseReopen',
    from: [CaseStatus.RESOLVED, CaseStatus.CLOSED],
    allowed: canCloseOrReopenCase,
    forbiddenMessage: 'Only the handling or supervising organisations reopen the case.',
    apply: async (tx, record, now) => {
      if (record.mergedIntoId) fail('caseId', UserErrorCode.INVALID_TRANSITION, 'A duplicate merged into another case cannot be reopened; reopen the original.');
      const dueAt = dueFrom(now, await slaHours(tx, record.category, record.severity));
      return {
        changes: { status: CaseStatus.REOPENED, resolvedAt: null, closedAt: null, satisfaction: null, reporterVerdict: null, reporterFeedbackAt: null, reporterComment: null, dueAt, escalatedAt: null },
        steps: [noteStep(CaseEventType.REOPENED, reason, { dueAt: dueAt.toISOString() }, CaseEventVisibility.PUBLIC)],
        details: { reason, dueAt },
      };
    },
  }, check);
}

/**
 * Why a dispatch step was refused, in terms the viewer can act on: an
 * OBSERVER (or a read-only API client) of an organisation with jurisdiction
 * is told its role is the obstacle, not that its organisation lacks
 * jurisdiction.
 */
function dispatchRefusal(viewer: Viewer, facts: CaseFacts, what: string): string {
  const own = facts.jurisdictionOrganizationIds.filter((id) => viewer.isMemberOf(id));
  if (own.length && !viewer.canWrite) return `Your access is read-only: you may see this case, but only organisations whose jurisdiction covers the area ${what}, with write access.`;
  if (own.length) return `Your role in your organisation (${viewer.roleIn(own[0])}) may read this case but not act on it; an ADMIN, COORDINATOR, LIAISON_OFFICER or MEMBER of an organisation whose jurisdiction covers the area may ${what}.`;
  return `Only organisations whose jurisdiction covers the area ${what}.`;
}

export function superviseCase(ctx: AppContext, input: CaseSuperviseInput) {
  const check = new InputCheck();
  const note = check.text('note', input.note, { max: NOTE_MAX });
  const supervisorId = check.id('supervisingOrganizationId', input.supervisingOrganizationId, 'Organization', { required: true });
  return transition(ctx, input.caseId, null, {
    action: 'caseSupervise',
    from: OPEN_STATUSES.concat(CaseStatus.RESOLVED),
    allowed: canDispatchCase,
    forbiddenMessage: (viewer, facts) => dispatchRefusal(viewer, facts, 'put its cases under supervision'),
    apply: async (tx, record, now) => {
      if (!(await tx.em.existsBy(Organization, { id: supervisorId! }))) fail('supervisingOrganizationId', UserErrorCode.NOT_FOUND, 'No Organization with this id.');
      if (record.supervisingOrganizationId === supervisorId) fail('supervisingOrganizationId', UserErrorCode.ALREADY_DONE, 'The case is already supervised by this organisation.');
      return {
        changes: { supervisingOrganizationId: supervisorId, supervisedAt: now },
        steps: [noteStep(CaseEventType.SUPERVISED, note, { supervisingOrganizationId: supervisorId, previous: record.supervisingOrganizationId }, CaseEventVisibility.PUBLIC)],
        details: { supervisingOrganizationId: supervisorId },
      };
    },
  }, check);
}

export async function commentOnCase(ctx: AppContext, input: CaseCommentInput): Promise<{ case: Case }> {
  const check = new InputCheck();
  const body = check.text('body', input.body, { max: 5000, required: true });
  const id = check.id('caseId', input.caseId, 'Case', { required: true });
  failIfAny(check.errors);
  return inTransaction(ctx, async (tx) => {
    const { record, audience, facts } = await lockVisibleCase(tx, id!, 'caseId');
    if (!canComment(ctx.viewer, facts, !input.visibleToReporter)) {
      throw forbidden(input.visibleToReporter ? 'You may not comment on this case.' : 'Reporters write comments visible to the handling organisations and themselves only (visibleToReporter: true).');
    }
    const visibility = input.visibleToReporter ? CaseEventVisibility.PUBLIC : CaseEventVisibility.INTERNAL;
    await recordStep(tx, record, audience, { type: CaseEventType.COMMENTED, visibility, body, at: clock.now() });
    tx.audit({ action: 'caseComment', recordType: 'Case', recordId: record.id, details: { visibility } });
    return { case: record };
  });
}

/** Closes the duplicate into the original: the duplicate's reporters follow the original from then on. */
export async function mergeCases(ctx: AppContext, input: CaseMergeInput): Promise<{ case: Case }> {
  const check = new InputCheck();
  const duplicateId = check.id('duplicateId', input.duplicateId, 'Case', { required: true });
  const originalId = check.id('originalId', input.originalId, 'Case', { required: true });
  const note = check.text('note', input.note, { max: NOTE_MAX });
  if (duplicateId && duplicateId === originalId) check.add('originalId', UserErrorCode.SELF_REFERENCE, 'A case cannot be merged into itself.');
  failIfAny(check.errors);
  return inTransaction(ctx, async (tx) => {
    // Lock in a fixed order so two opposite merges cannot deadlock.
    const [firstId, secondId] = [duplicateId!, originalId!].sort();
    const first = await lockVisibleCase(tx, firstId, firstId === duplicateId ? 'duplicateId' : 'originalId');
    const second = await lockVisibleCase(tx, secondId, secondId === duplicateId ? 'duplicateId' : 'originalId');
    const duplicate = firstId === duplicateId ? first : second;
    const original = firstId === duplicateId ? second : first;
    if (!canDispatchCase(ctx.viewer, duplicate.facts) || !canDispatchCase(ctx.viewer, original.facts)) {
      throw forbidden('Only organisations whose jurisdiction covers both areas merge cases.');
    }
    if (!OPEN_STATUSES.includes(duplicate.record.status)) fail('duplicateId', UserErrorCode.INVALID_TRANSITION, `A ${duplicate.record.status} case cannot be merged as a duplicate.`);
    if (original.record.status === CaseStatus.CLOSED) fail('originalId', UserErrorCode.INVALID_TRANSITION, 'A closed case cannot take duplicates; reopen it first.');
    const now = clock.now();
    await writeChange(tx, duplicate.record, { status: CaseStatus.CLOSED, closedAt: now, mergedIntoId: original.record.id }, now);
    const followers = [
      { userId: duplicate.record.reporterUserId, organizationId: duplicate.record.reporterOrganizationId },
      ...(await tx.em.findBy(CaseFollower, { caseId: duplicate.record.id })).map((f) => ({ userId: f.userId, organizationId: f.organizationId })),
    ].filter((f) => f.userId || f.organizationId);
    if (followers.length) {
      await tx.em.insert(CaseFollower, followers.map((f) => ({ caseId: original.record.id, fromCaseId: duplicate.record.id, ...f })));
    }
    await writeChange(tx, original.record, {}, now);
    const duplicateAudience = await loadAudience(tx, duplicate.record);
    const originalAudience = await loadAudience(tx, original.record);
    await recordStep(tx, duplicate.record, duplicateAudience, {
      type: CaseEventType.MERGED,
      visibility: CaseEventVisibility.PUBLIC,
      data: { originalId: original.record.id, originalReference: original.record.reference },
      at: now,
    });
    await recordStep(tx, original.record, originalAudience, {
      type: CaseEventType.DUPLICATE_MERGED,
      visibility: CaseEventVisibility.INTERNAL,
      body: note,
      data: { duplicateId: duplicate.record.id, duplicateReference: duplicate.record.reference },
      at: now,
    });
    tx.audit({ action: 'caseMerge', recordType: 'Case', recordId: duplicate.record.id, details: { originalId: original.record.id } });
    return { case: await tx.em.findOneByOrFail(Case, { id: original.record.id }) };
  });
}

