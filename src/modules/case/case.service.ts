import { IsNull, Not, type SelectQueryBuilder } from 'typeorm';
import type { AppContext } from '../../shared/context';
import { UserErrorCode, forbidden } from '../../shared/errors';
import type { Viewer } from '../../shared/auth/viewer';
import { clock, isLocalDate, today } from '../../shared/clock';
import { type Tx, fail, failIfAny, inTransaction, updateVersioned } from '../../shared/transaction';
import { InputCheck } from '../../shared/validation';
import { paginate, type ConnectionArgs, type Page } from '../../shared/relay/connection';
import { Organization } from '../organization/organization.entity';
import { areasById } from '../area/area.loaders';
import { NamedParams, areaInSubtrees, caseScope, visibleCaseSql } from './case.scope';
import {
  Case,
  CaseCategory,
  CaseChannel,
  CaseEventType,
  CaseEventVisibility,
  CaseFollower,
  CaseSeverity,
  CaseStatus,
  ConstructionClassification,
  DisposalPhaseKind,
  DisposalPlanPhase,
  FoundHow,
  IllegalConstructionLedgerRecord,
  OPEN_STATUSES,
  isMajorDispute,
  type CaseAttachment,
} from './case.entity';
import { loadAudience, recordStep, type CaseAudience, type CaseStep } from './case.events';
import { STOP_ORDER_DAYS, addDays, classProblem, templateFor } from './case.construction';
import type {
  CaseAssignInput,
  CaseCloseInput,
  CaseCommentInput,
  CaseDisposalPhaseCompleteInput,
  CaseDisposalPlanSetInput,
  CaseLedgerSetInput,
  CaseMergeInput,
  CaseReopenInput,
  CaseReportInput,
  CaseResolveInput,
  CaseStepInput,
  CaseSuperviseInput,
  CaseTriageInput,
} from './case.inputs';
import { dueFrom, findByExternalId, insertCase, slaHours } from './case.intake';
import { caseFollowersByCaseId, casesById, jurisdictionOrganizationIdsByAreaId, ledgerRecordsByCaseId } from './case.loaders';
import {
  canCloseOrReopenCase,
  canComment,
  canDispatchCase,
  canWorkCase,
  caseAccess,
  type CaseAccess,
  type CaseFacts,
} from './case.policy';

/** Channels a person without an organisation may report by (完善群眾舉報和反饋制度: mailbox, phone, app, WeChat, in person). */
export const RESIDENT_CHANNELS: CaseChannel[] = [CaseChannel.HOTLINE, CaseChannel.MAILBOX, CaseChannel.MOBILE_APP, CaseChannel.WECHAT, CaseChannel.WALK_IN];
const NOTE_MAX = 2000;

// ---------- reading ----------

/** Facts the policy needs about one case, through the request's loaders. */
export async function caseFacts(ctx: AppContext, record: Case): Promise<CaseFacts> {
  const [jurisdiction, followers] = await Promise.all([
    jurisdictionOrganizationIdsByAreaId(ctx).load(record.areaId),
    caseFollowersByCaseId(ctx).load(record.id),
  ]);
  return {
    responsibleOrganizationId: record.responsibleOrganizationId,
    supervisingOrganizationId: record.supervisingOrganizationId,
    jurisdictionOrganizationIds: jurisdiction,
    reporterUserIds: [record.reporterUserId, ...followers.map((f) => f.userId)].filter((id): id is string => !!id),
    reporterOrganizationIds: [record.reporterOrganizationId, ...followers.map((f) => f.organizationId)].filter((id): id is string => !!id),
  };
}

export async function accessTo(ctx: AppContext, record: Case): Promise<CaseAccess> {
  return caseAccess(ctx.viewer, await caseFacts(ctx, record));
}

/** One case, or null when unknown or not visible to the viewer. */
export async function findCase(ctx: AppContext, id: string | null): Promise<Case | null> {
  if (!id) return null;
  const record = await casesById(ctx).load(id);
  if (!record) return null;
  return (await accessTo(ctx, record)) === 'NONE' ? null : record;
}

export { listCases, listMyQueue, type CaseFilter } from './case.lists';

/** Visible cases (alias `c`) as a query builder, through the indexed form of the visibility rule. */
async function visibleCases(ctx: AppContext, options?: { asReporter: boolean }): Promise<SelectQueryBuilder<Case>> {
  const params = new NamedParams('v');
  const sql = visibleCaseSql(await caseScope(ctx), params.bind, 'index', options);
  return ctx.app.db.getRepository(Case).createQueryBuilder('c').where(sql, params.values);
}

/** Only cases in the area's subtree, matched by area id against the subtree (the prefix bound as a value). */
async function withinArea(ctx: AppContext, qb: SelectQueryBuilder<Case>, areaId: string): Promise<void> {
  const area = await areasById(ctx).load(areaId);
  if (!area) {
    qb.andWhere('FALSE');
    return;
  }
  const params = new NamedParams('w');
  qb.andWhere(areaInSubtrees([area.path], params.bind, 'index'), params.values);
}

const NEWEST_FIRST = [
  { sql: '(-EXTRACT(EPOCH FROM c.reported_at))', value: (c: Case) => -c.reportedAt.getTime() / 1000 },
  { sql: 'c.id', value: (c: Case) => c.id },
];

/** Monday of the ISO week containing the date, and the Monday after, as instants in China Standard Time. */
export function weekBounds(weekOf: string): { start: Date; end: Date; startDate: string } {
  const day = new Date(`${weekOf}T00:00:00Z`);
  const offset = (day.getUTCDay() + 6) % 7;
  const monday = new Date(day.getTime() - offset * 86_400_000);
  const startDate = monday.toISOString().slice(0, 10);
  const start = new Date(`${startDate}T00:00:00+08:00`);
  return { start, end: new Date(start.getTime() + 7 * 86_400_000), startDate };
}

/** Open DISPUTE cases of the area subtree during the week (reported before its end, not closed before its start), major ones first. */
export async function listDisputeScreening(ctx: AppContext, areaId: string, weekOf: string, args: ConnectionArgs) {
  const { start, end } = weekBounds(weekOf);
  const qb = (await visibleCases(ctx))
    .andWhere('c.category = :dispute', { dispute: CaseCategory.DISPUTE })
    .andWhere('c.merged_into_id IS NULL')
    .andWhere('c.reported_at < :weekEnd', { weekEnd: end })
    .andWhere('(c.closed_at IS NULL OR c.closed_at >= :weekStart)', { weekStart: start })
    .andWhere(`(c.resolved_at IS NULL OR c.resolved_at >= :weekStart OR c.status NOT IN ('RESOLVED','CLOSED'))`);
  await withinArea(ctx, qb, areaId);
  return paginate(qb, args, [
    { sql: `(CASE WHEN c.severity IN ('HIGH','CRITICAL') THEN 0 ELSE 1 END)`, value: (c: Case) => (isMajorDispute(c.category, c.severity) ? 0 : 1) },
    ...NEWEST_FIRST,
  ]);
}

/** Ledger records of visible illegal-construction cases in the area subtree, newest case first. */
export async function listLedger(ctx: AppContext, areaId: string, args: ConnectionArgs): Promise<Page<IllegalConstructionLedgerRecord>> {
  const qb = (await visibleCases(ctx, { asReporter: false })).andWhere('c.category = :ic', { ic: CaseCategory.ILLEGAL_CONSTRUCTION }).andWhere('EXISTS (SELECT 1 FROM illegal_construction_ledger l WHERE l.case_id = c.id)');
  await withinArea(ctx, qb, areaId);
  const page = await paginate(qb, args, NEWEST_FIRST);
  const records = await ledgerRecordsByCaseId(ctx).loadMany(page.items.map((c) => c.id));
  return { ...page, items: records.filter((r): r is IllegalConstructionLedgerRecord => r instanceof IllegalConstructionLedgerRecord) };
}

// ---------- intake ----------

function checkAttachments(check: InputCheck, attachments: { url: string; mediaType: string }[] | null | undefined): CaseAttachment[] {
  if (!attachments) return [];
  if (attachments.length > 20) {
    check.add('attachments', UserErrorCode.OUT_OF_RANGE, 'At most 20 attachments.');
    return [];
  }
  return attachments.flatMap((a, i) => {
    let ok = true;
    try {
      const url = new URL(a.url);
      if (!['http:', 'https:'].includes(url.protocol) || a.url.length > 2000) ok = false;
    } catch {
      ok = false;
    }
    if (!ok) check.add(['input', 'attachments', String(i), 'url'], UserErrorCode.INVALID, 'An attachment needs an http(s) URL of at most 2,000 characters.');
    if (!/^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+$/i.test(a.mediaType) || a.mediaType.length > 100) {
      check.add(['input', 'attachments', String(i), 'mediaType'], UserErrorCode.INVALID, 'mediaType must look like type/subtype.');
      ok = false;
    }
    return ok ? [{ url: a.url, mediaType: a.mediaType.toLowerCase() }] : [];
  });
}

function checkCoordinate(check: InputCheck, field: string, value: number | null | undefined, limit: number): number | null {
  if (value === null || value === undefined) return null;
  if (!Number.isFinite(value) || Math.abs(value) > limit) {
    check.add(field, UserErrorCode.OUT_OF_RANGE, `${field} must be between -${limit} and ${limit}.`);
    return null;
  }
  return value;
}

/**
 * Reports a case. People report as themselves (or, e.g. staff taking a hotline
 * call, anonymously with an optional contact); partner systems report on
 * behalf of their organisation and may pass their own id, which makes the
 * call idempotent.
 */
export async function reportCase(ctx: AppContext, input: CaseReportInput): Promise<{ case: Case | null; replayed: boolean }> {
  const check = new InputCheck();
  const areaId = check.id('areaId', input.areaId, 'Area', { required: true });
  const title = check.text('title', input.title, { max: 200, required: true });
  const description = check.text('description', input.description, { max: 10_000, required: true });
  const address = check.text('address', input.address, { max: 500 });
  const contact = check.text('reporterContact', input.reporterContact, { max: 200 });
  const externalId = check.text('externalId', input.externalId, { max: 200 });
  const latitude = checkCoordinate(check, 'latitude', input.latitude, 90);
  const longitude = checkCoordinate(check, 'longitude', input.longitude, 180);
  const attachments = checkAttachments(check, input.attachments);
  if (input.category != null && !Object.values(CaseCategory).includes(input.category)) check.add('category', UserErrorCode.INVALID, 'Unknown category.');
  if (input.severity != null && !Object.values(CaseSeverity).includes(input.severity)) check.add('severity', UserErrorCode.INVALID, 'Unknown severity.');
  if (input.channel != null && !Object.values(CaseChannel).includes(input.channel)) check.add('channel', UserErrorCode.INVALID, 'Unknown channel.');
  const isClient = ctx.viewer.kind === 'client';
  // A resident (no organisation) reports through the public channels; drones, patrols, grid inspectors and the
  // urban platform are organisations' instruments, and a resident claiming one would misstate where a case came from.
  const resident = !isClient && !ctx.viewer.isPlatformAdmin && ctx.viewer.organizationIds.length === 0;
  if (resident && input.channel != null && !RESIDENT_CHANNELS.includes(input.channel)) {
    check.add('channel', UserErrorCode.NOT_PERMITTED_HERE, `Residents report by ${RESIDENT_CHANNELS.join(', ')}; ${input.channel} is used by the organisations that run it.`);
  }
  const anonymous = isClient || input.anonymous === true;
  if (contact && !anonymous) check.add('reporterContact', UserErrorCode.INVALID, 'A contact is kept only for anonymous reports; named reporters are reached through their account.');
  failIfAny(check.errors);
  const clientOrganizationId = isClient ? ctx.viewer.organizationIds[0] : null;
  const source = externalId ? (isClient ? `org:${clientOrganizationId}` : `user:${ctx.viewer.userId}`) : null;

  return inTransaction(ctx, async (tx) => {
    if (source && externalId) {
      const existing = await findByExternalId(tx, source, externalId);
      if (existing) return { case: existing, replayed: true };
    }
    const record = await insertCase(tx, {
      areaId: areaId!,
      category: input.category ?? CaseCategory.OTHER,
      severity: input.severity ?? CaseSeverity.MEDIUM,
      channel: input.channel ?? (isClient ? CaseChannel.URBAN_PLATFORM : CaseChannel.MOBILE_APP),
      title: title!,
      description: description!,
      latitude,
      longitude,
      address,
      reporterUserId: anonymous ? null : ctx.viewer.userId,
      reporterOrganizationId: clientOrganizationId,
      reporterContact: contact,
      externalSource: source,
      externalId,
      attachments,
    });
    return { case: record, replayed: false };
  });
}

// ---------- transitions ----------

interface Change {
  /** Column changes; null when the step leaves the case row as it is (comments). */
  changes: Partial<Case> | null;
  steps: Omit<CaseStep, 'at'>[];
  details?: Record<string, unknown>;
}

interface TransitionSpec {
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
async function lockVisibleCase(
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

// ---------- illegal-construction ledger ----------

export function setLedger(ctx: AppContext, input: CaseLedgerSetInput) {
  const check = new InputCheck();
  const structureType = check.text('structureType', input.structureType, { max: 200, required: true });
  const discoveredBy = check.text('discoveredBy', input.discoveredBy, { max: 200, required: true });
  if (!Number.isFinite(input.floorAreaM2) || input.floorAreaM2 <= 0 || input.floorAreaM2 >= 100_000_000) check.add('floorAreaM2', UserErrorCode.OUT_OF_RANGE, 'floorAreaM2 must be more than 0 and below 100,000,000.');
  if (!Object.values(FoundHow).includes(input.foundHow)) check.add('foundHow', UserErrorCode.INVALID, 'Unknown value.');
  if (!Object.values(ConstructionClassification).includes(input.classification)) check.add('classification', UserErrorCode.INVALID, 'Unknown classification.');
  const disposalClass = input.disposalClass ?? null;
  const problem = classProblem(input.classification, disposalClass, input.safetyHazard);
  if (problem) check.add('disposalClass', problem.code === 'REQUIRED' ? UserErrorCode.REQUIRED : UserErrorCode.INVALID, problem.message);
  return transition(ctx, input.caseId, null, {
    action: 'caseLedgerSet',
    from: Object.values(CaseStatus),
    allowed: canWorkCase,
    forbiddenMessage: 'Only the handling organisations keep the ledger.',
    apply: async (tx, record, now) => {
      if (record.category !== CaseCategory.ILLEGAL_CONSTRUCTION) fail('caseId', UserErrorCode.INVALID, 'Only ILLEGAL_CONSTRUCTION cases have a ledger record.');
      const values = {
        structureType: structureType!,
        floorAreaM2: Math.round(input.floorAreaM2 * 100) / 100,
        discoveredBy: discoveredBy!,
        foundHow: input.foundHow,
        classification: input.classification,
        safetyHazard: input.safetyHazard,
        disposalClass,
      };
      const updated = await tx.em
        .createQueryBuilder()
        .update(IllegalConstructionLedgerRecord)
        .set({ ...values, updatedAt: now, version: () => 'version + 1' })
        .where('case_id = :id', { id: record.id })
        .execute();
      if (!updated.affected) await tx.em.insert(IllegalConstructionLedgerRecord, { caseId: record.id, ...values, createdAt: now, updatedAt: now });
      const steps = [noteStep(CaseEventType.LEDGER_RECORDED, null, values)];
      // The track sets the plan of a case that has none yet: NEW is stopped at once with a short deadline, a class follows its own plan.
      const template = templateFor(input.classification, disposalClass);
      let changes: Partial<Case> = {};
      if (template && !(await tx.em.existsBy(DisposalPlanPhase, { caseId: record.id }))) {
        const on = today();
        const phases = template.map((t, i) => ({ caseId: record.id, ordinal: i + 1, kind: t.kind, title: t.title, dueOn: addDays(on, t.days), completedOn: null, note: null }));
        await tx.em.insert(DisposalPlanPhase, phases);
        steps.push(noteStep(CaseEventType.PLAN_SET, null, { phases: phases.map((p) => ({ kind: p.kind, title: p.title, dueOn: p.dueOn })), track: disposalClass ?? input.classification }));
        if (OPEN_STATUSES.includes(record.status)) {
          const planDue = new Date(`${phases[phases.length - 1].dueOn}T23:59:59.999+08:00`);
          const dueAt = input.classification === ConstructionClassification.NEW && record.dueAt < planDue ? record.dueAt : planDue;
          if (dueAt.getTime() !== record.dueAt.getTime()) changes = { dueAt, ...(dueAt > now ? { escalatedAt: null } : {}) };
        }
      }
      return { changes, steps, details: { ...values, ...(changes.dueAt ? { dueAt: changes.dueAt.toISOString() } : {}) } };
    },
  }, check);
}

export function setDisposalPlan(ctx: AppContext, input: CaseDisposalPlanSetInput) {
  const check = new InputCheck();
  if (!input.phases.length || input.phases.length > 20) check.add('phases', UserErrorCode.OUT_OF_RANGE, 'A plan has 1 to 20 open phases.');
  const phases = input.phases.map((p, i) => {
    const title = check.text(`phases.${i}.title`, p.title, { max: 200, required: true });
    if (!isLocalDate(p.dueOn)) check.add(['input', 'phases', String(i), 'dueOn'], UserErrorCode.INVALID, 'dueOn must be a date (YYYY-MM-DD).');
    return { title: title!, dueOn: p.dueOn, kind: p.kind ?? DisposalPhaseKind.OTHER };
  });
  return transition(ctx, input.caseId, null, {
    action: 'caseDisposalPlanSet',
    from: Object.values(CaseStatus).filter((s) => s !== CaseStatus.CLOSED),
    allowed: canWorkCase,
    forbiddenMessage: 'Only the handling organisations plan the disposal.',
    apply: async (tx, record) => {
      const ledger = await tx.em.findOneBy(IllegalConstructionLedgerRecord, { caseId: record.id });
      if (!ledger) fail('caseId', UserErrorCode.INVALID, 'Record the ledger entry of this case first (caseLedgerSet).');
      if (ledger.classification === ConstructionClassification.NEW) {
        // New building is stopped first: until a stop order is done, the plan opens with one, due within a day.
        const stopped = await tx.em.existsBy(DisposalPlanPhase, { caseId: record.id, kind: DisposalPhaseKind.STOP_ORDER, completedOn: Not(IsNull()) });
        if (!stopped && phases[0]?.kind !== DisposalPhaseKind.STOP_ORDER) fail(['input', 'phases', '0', 'kind'], UserErrorCode.INVALID, 'NEW construction is stopped at once: the plan opens with a STOP_ORDER.');
        if (!stopped && phases[0].dueOn > addDays(today(), STOP_ORDER_DAYS)) fail(['input', 'phases', '0', 'dueOn'], UserErrorCode.OUT_OF_RANGE, `The stop order is due within ${STOP_ORDER_DAYS} day.`);
      }
      await tx.em.query(`DELETE FROM disposal_plan_phase WHERE case_id = $1 AND completed_on IS NULL`, [record.id]);
      const [{ last }] = await tx.em.query(`SELECT coalesce(max(ordinal), 0)::int AS last FROM disposal_plan_phase WHERE case_id = $1`, [record.id]);
      if (last + phases.length > 50) fail('phases', UserErrorCode.OUT_OF_RANGE, 'A plan has at most 50 phases in all.');
      await tx.em.insert(DisposalPlanPhase, phases.map((p, i) => ({ caseId: record.id, ordinal: last + i + 1, kind: p.kind, title: p.title, dueOn: p.dueOn, completedOn: null, note: null })));
      return { changes: {}, steps: [noteStep(CaseEventType.PLAN_SET, null, { phases })], details: { phases } };
    },
  }, check);
}

export async function completeDisposalPhase(ctx: AppContext, input: CaseDisposalPhaseCompleteInput): Promise<{ case: Case }> {
  const check = new InputCheck();
  const phaseId = check.id('phaseId', input.phaseId, 'DisposalPlanPhase', { required: true });
  const note = check.text('note', input.note, { max: NOTE_MAX });
  const completedOn = input.completedOn ?? today();
  if (!isLocalDate(completedOn)) check.add('completedOn', UserErrorCode.INVALID, 'completedOn must be a date (YYYY-MM-DD).');
  else if (completedOn > today()) check.add('completedOn', UserErrorCode.OUT_OF_RANGE, 'completedOn must not lie in the future.');
  failIfAny(check.errors);
  return inTransaction(ctx, async (tx) => {
    const phase = await tx.em.findOne(DisposalPlanPhase, { where: { id: phaseId! }, lock: { mode: 'pessimistic_write' } });
    if (!phase) fail('phaseId', UserErrorCode.NOT_FOUND, 'No DisposalPlanPhase with this id.');
    // Phases are seen by those who see the whole case: to anyone else a phase id is as unknown as a made-up one.
    const { record, audience, facts } = await lockVisibleCase(tx, phase.caseId, 'phaseId', { message: 'No DisposalPlanPhase with this id.', need: 'FULL' });
    if (!canWorkCase(ctx.viewer, facts)) throw forbidden('Only the handling organisations complete disposal phases.');
    if (phase.completedOn) fail('phaseId', UserErrorCode.ALREADY_DONE, 'The phase is already completed.');
    await tx.em.update(DisposalPlanPhase, { id: phase.id }, { completedOn, note });
    await recordStep(tx, record, audience, {
      type: CaseEventType.PHASE_COMPLETED,
      visibility: CaseEventVisibility.INTERNAL,
      body: note,
      data: { phaseId: phase.id, ordinal: phase.ordinal, title: phase.title, completedOn },
      at: clock.now(),
    });
    tx.audit({ action: 'caseDisposalPhaseComplete', recordType: 'Case', recordId: record.id, details: { phaseId: phase.id, completedOn } });
    return { case: record };
  });
}
