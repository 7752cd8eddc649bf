import type { AppContext } from '../../shared/context';
import { paginate, type ConnectionArgs, type Page } from '../../shared/relay/connection';
import { idOf, NO_MATCH } from '../../shared/relay/global-id';
import { clock } from '../../shared/clock';
import { forbidden, UserErrorCode } from '../../shared/errors';
import { fail, failIfAny, inTransaction, updateVersioned, type Tx } from '../../shared/transaction';
import { InputCheck } from '../../shared/validation';
import { Area } from '../area/area.entity';
import { areasById } from '../area/area.loaders';
import { jurisdictionOrganizationIdsByAreaId } from '../case/case.loaders';
import { findCase } from '../case/case.service';
import { overseerOrganizationIdsByOrganizationId } from '../contract/contract.loaders';
import { Organization } from '../organization/organization.entity';
import {
  LegalEducationActivity,
  LegalEducationCase,
  LegalEducationPlan,
  LegalEducationStatus,
  LegalEducationTarget,
} from './legal-education.entity';
import type {
  LegalEducationActivityCancelInput,
  LegalEducationActivityPlanInput,
  LegalEducationActivityReportInput,
  LegalEducationPlanSetInput,
} from './legal-education.inputs';
import { legalEducationActivitiesById } from './legal-education.loaders';
import { canOrganizeLegalEducation, canSeeLegalEducationPlan, canSetLegalEducationPlan } from './legal-education.policy';

export const EDUCATION_TOPIC = 'education';
const DAY_MS = 86_400_000;

/** Who hears of an activity: its organiser, the organisations that supervise or guide it, and those whose jurisdiction covers the venue. */
export async function activityAudience(ctx: AppContext, organizerOrganizationId: string, areaId: string): Promise<string[]> {
  const [overseers, jurisdiction] = await Promise.all([
    overseerOrganizationIdsByOrganizationId(ctx).load(organizerOrganizationId),
    jurisdictionOrganizationIdsByAreaId(ctx).load(areaId),
  ]);
  return [...new Set([organizerOrganizationId, ...overseers, ...jurisdiction])];
}

async function emitActivity(tx: Tx, activity: LegalEducationActivity, type: string, payload: Record<string, unknown>): Promise<void> {
  const area = await areasById(tx.ctx).load(activity.areaId);
  tx.emit({
    topic: EDUCATION_TOPIC,
    type,
    subjectId: activity.id,
    areaPath: area?.path ?? null,
    organizationIds: await activityAudience(tx.ctx, activity.organizerOrganizationId, activity.areaId),
    payload: { legalEducationActivityId: activity.id, organizerOrganizationId: activity.organizerOrganizationId, ...payload },
  });
}

/** Activities are public work: any signed-in viewer finds them; the signed-out public reads them only through the public board. */
export async function findActivity(ctx: AppContext, id: string | null): Promise<LegalEducationActivity | null> {
  if (!id || !ctx.viewer.signedIn) return null;
  return legalEducationActivitiesById(ctx).load(id);
}

export async function planActivity(ctx: AppContext, input: LegalEducationActivityPlanInput): Promise<{ activity: LegalEducationActivity }> {
  const check = new InputCheck();
  const organizerId = check.id('organizerOrganizationId', input.organizerOrganizationId, 'Organization', { required: true });
  const areaId = check.id('areaId', input.areaId, 'Area', { required: true });
  const topic = check.text('topic', input.topic, { max: 200, required: true });
  const venue = check.text('venue', input.venue, { max: 200 });
  if (input.laws.length > 10) check.add('laws', UserErrorCode.OUT_OF_RANGE, 'At most 10 laws.');
  const laws = input.laws.slice(0, 10).map((law, i) => check.text(`laws.${i}`, law, { max: 100, required: true })).filter((l): l is string => !!l);
  const startsAt = new Date(input.startsAt);
  const endsAt = new Date(input.endsAt);
  if (endsAt < startsAt) check.add('endsAt', UserErrorCode.DATE_ORDER, 'endsAt lies before startsAt.');
  else if (endsAt.getTime() - startsAt.getTime() > 31 * DAY_MS) check.add('endsAt', UserErrorCode.OUT_OF_RANGE, 'An activity lasts at most 31 days; plan a longer campaign as several activities.');
  failIfAny(check.errors);
  if (!canOrganizeLegalEducation(ctx.viewer, organizerId!)) throw forbidden('Only members who act for the organiser plan its activities (誰執法誰普法).');
  const [organizer, area] = await Promise.all([ctx.app.db.getRepository(Organization).findOneBy({ id: organizerId! }), areasById(ctx).load(areaId!)]);
  if (!organizer) fail('organizerOrganizationId', UserErrorCode.NOT_FOUND, 'No Organization with this id.');
  if (!area) fail('areaId', UserErrorCode.NOT_FOUND, 'No Area with this id.');
  return inTransaction(ctx, async (tx) => {
    const activity = tx.em.create(LegalEducationActivity, {
      organizerOrganizationId: organizer.id,
      form: input.form,
      topic: topic!,
      laws,
      legalDay: input.legalDay ?? null,
      caseCategory: input.caseCategory ?? null,
      areaId: area.id,
      venue,
      startsAt,
      endsAt,
      audienceGroups: [...new Set(input.audienceGroups)],
      status: LegalEducationStatus.PLANNED,
      createdByUserId: ctx.viewer.userId,
    });
    await tx.em.insert(LegalEducationActivity, activity);
    tx.audit({ action: 'legalEducationActivityPlan', recordType: 'LegalEducationActivity', recordId: activity.id, details: { form: input.form, topic, areaId: area.id, legalDay: input.legalDay ?? null } });
    await emitActivity(tx, activity, 'legalEducation.activityPlanned', { form: input.form, topic, legalDay: input.legalDay ?? null, startsAt: startsAt.toISOString() });
    return { activity: await tx.em.findOneByOrFail(LegalEducationActivity, { id: activity.id }) };
  });
}

async function lockActivity(tx: Tx, id: string): Promise<LegalEducationActivity> {
  const activity = await tx.em.findOne(LegalEducationActivity, { where: { id }, lock: { mode: 'pessimistic_write' } });
  if (!activity) fail('activityId', UserErrorCode.NOT_FOUND, 'No LegalEducationActivity with this id.');
  if (!canOrganizeLegalEducation(tx.ctx.viewer, activity.organizerOrganizationId)) throw forbidden('Only members who act for the organiser report or cancel its activities.');
  return activity;
}

/**
 * Records what a held activity did: attendance, materials, questions
 * answered and the real cases it explained (以案釋法). Only an activity that
 * has begun is reported; reporting a HELD one again corrects it (audited).
 */
export async function reportActivity(ctx: AppContext, input: LegalEducationActivityReportInput): Promise<{ activity: LegalEducationActivity }> {
  const check = new InputCheck();
  const id = check.id('activityId', input.activityId, 'LegalEducationActivity', { required: true });
  check.int('attendance', input.attendance, { min: 0, max: 1_000_000 });
  check.int('materialsHandedOut', input.materialsHandedOut, { min: 0, max: 1_000_000 });
  check.int('questionsAnswered', input.questionsAnswered, { min: 0, max: 100_000 });
  const report = check.text('report', input.report, { max: 5000 });
  const caseIds = check.ids('caseIds', input.caseIds, 'Case', { max: 20 });
  failIfAny(check.errors);
  for (const [i, caseId] of caseIds.entries()) {
    if (!(await findCase(ctx, caseId))) check.add(['input', 'caseIds', String(i)], UserErrorCode.NOT_FOUND, 'No Case with this id.');
  }
  failIfAny(check.errors);
  return inTransaction(ctx, async (tx) => {
    const activity = await lockActivity(tx, id!);
    if (activity.status === LegalEducationStatus.CANCELLED) fail('activityId', UserErrorCode.INVALID_TRANSITION, 'A cancelled activity is not reported.');
    if (activity.startsAt > clock.now()) fail('activityId', UserErrorCode.OUT_OF_RANGE, 'The activity has not begun yet.');
    const from = activity.status;
    await updateVersioned(tx, LegalEducationActivity, activity.id, input.expectedVersion ?? activity.version, {
      status: LegalEducationStatus.HELD,
      attendance: input.attendance,
      materialsHandedOut: input.materialsHandedOut,
      questionsAnswered: input.questionsAnswered,
      report,
      updatedAt: () => 'now()',
    }, 'activity');
    await tx.em.delete(LegalEducationCase, { activityId: activity.id });
    if (caseIds.length) await tx.em.insert(LegalEducationCase, caseIds.map((caseId) => ({ activityId: activity.id, caseId })));
    const figures = { attendance: input.attendance, materialsHandedOut: input.materialsHandedOut, questionsAnswered: input.questionsAnswered, casesExplained: caseIds.length };
    tx.audit({ action: 'legalEducationActivityReport', recordType: 'LegalEducationActivity', recordId: activity.id, details: { from, ...figures, caseIds } });
    await emitActivity(tx, activity, from === LegalEducationStatus.HELD ? 'legalEducation.activityCorrected' : 'legalEducation.activityHeld', figures);
    return { activity: await tx.em.findOneByOrFail(LegalEducationActivity, { id: activity.id }) };
  });
}

export async function cancelActivity(ctx: AppContext, input: LegalEducationActivityCancelInput): Promise<{ activity: LegalEducationActivity }> {
  const check = new InputCheck();
  const id = check.id('activityId', input.activityId, 'LegalEducationActivity', { required: true });
  const reason = check.text('reason', input.reason, { max: 1000, required: true });
  failIfAny(check.errors);
  return inTransaction(ctx, async (tx) => {
    const activity = await lockActivity(tx, id!);
    if (activity.status !== LegalEducationStatus.PLANNED) fail('activityId', UserErrorCode.INVALID_TRANSITION, `A ${activity.status} activity cannot be cancelled.`);
    await updateVersioned(tx, LegalEducationActivity, activity.id, activity.version, { status: LegalEducationStatus.CANCELLED, cancelReason: reason, updatedAt: () => 'now()' }, 'activity');
    tx.audit({ action: 'legalEducationActivityCancel', recordType: 'LegalEducationActivity', recordId: activity.id, details: { reason } });
    await emitActivity(tx, activity, 'legalEducation.activityCancelled', { reason });
    return { activity: await tx.em.findOneByOrFail(LegalEducationActivity, { id: activity.id }) };
  });
}

/** A plan, when the viewer may see it. */
export async function findPlan(ctx: AppContext, plan: LegalEducationPlan | null): Promise<LegalEducationPlan | null> {
  if (!plan) return null;
  const overseers = await overseerOrganizationIdsByOrganizationId(ctx).load(plan.organizationId);
  return canSeeLegalEducationPlan(ctx.viewer, plan.organizationId, overseers) ? plan : null;
}

export async function planOf(ctx: AppContext, organizationId: string, year: number): Promise<LegalEducationPlan | null> {
  return findPlan(ctx, await ctx.app.db.getRepository(LegalEducationPlan).findOneBy({ organizationId, year }));
}

export async function setPlan(ctx: AppContext, input: LegalEducationPlanSetInput): Promise<{ plan: LegalEducationPlan }> {
  const check = new InputCheck();
  const organizationId = check.id('organizationId', input.organizationId, 'Organization', { required: true });
  check.int('year', input.year, { min: 2000, max: 2100 });
  const note = check.text('note', input.note, { max: 2000 });
  if (!input.targets.length || input.targets.length > 50) check.add('targets', UserErrorCode.OUT_OF_RANGE, 'A plan has 1 to 50 targets.');
  const seen = new Set<string>();
  const targets: LegalEducationTarget[] = input.targets.slice(0, 50).map((t, i) => {
    const areaId = t.areaId ? check.id(`targets.${i}.areaId`, t.areaId, 'Area') : null;
    check.int(`targets.${i}.count`, t.count, { min: 0, max: 10_000 });
    const key = `${t.form}:${areaId ?? '*'}`;
    if (seen.has(key)) check.add(['input', 'targets', String(i)], UserErrorCode.DUPLICATE, 'One target per form and area.');
    seen.add(key);
    return Object.assign(new LegalEducationTarget(), { form: t.form, areaId, count: t.count });
  });
  failIfAny(check.errors);
  if (!canSetLegalEducationPlan(ctx.viewer, organizationId!)) throw forbidden("Only the organisation's ADMINs set its legal-education plan.");
  if (!(await ctx.app.db.getRepository(Organization).existsBy({ id: organizationId! }))) fail('organizationId', UserErrorCode.NOT_FOUND, 'No Organization with this id.');
  const areaIds = [...new Set(targets.map((t) => t.areaId).filter((a): a is string => !!a))];
  const areas = await areasById(ctx).loadMany(areaIds);
  targets.forEach((t, i) => {
    if (t.areaId && !(areas[areaIds.indexOf(t.areaId)] instanceof Area)) check.add(['input', 'targets', String(i), 'areaId'], UserErrorCode.NOT_FOUND, 'No Area with this id.');
  });
  failIfAny(check.errors);
  return inTransaction(ctx, async (tx) => {
    const [saved] = await tx.em.query(
      `INSERT INTO legal_education_plan (organization_id, year, targets, note, set_by_user_id) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (organization_id, year) DO UPDATE SET targets = EXCLUDED.targets, note = EXCLUDED.note, set_by_user_id = EXCLUDED.set_by_user_id, updated_at = now()
       RETURNING id`,
      [organizationId, input.year, JSON.stringify(targets), note, ctx.viewer.userId],
    );
    tx.audit({ action: 'legalEducationPlanSet', recordType: 'LegalEducationPlan', recordId: saved.id, details: { year: input.year, targets, note } });
    const overseers = await overseerOrganizationIdsByOrganizationId(ctx).load(organizationId!);
    tx.emit({
      topic: EDUCATION_TOPIC,
      type: 'legalEducation.planSet',
      organizationIds: [organizationId!, ...overseers],
      payload: { legalEducationPlanId: saved.id, organizationId, year: input.year, targetTotal: targets.reduce((s, t) => s + t.count, 0) },
    });
    return { plan: await tx.em.findOneByOrFail(LegalEducationPlan, { id: saved.id }) };
  });
}

/** Matches no row: an id of the wrong type filters everything out rather than nothing. */

export interface ActivityFilter {
  organizerOrganizationId?: string;
  areaId?: string;
  statuses?: LegalEducationStatus[];
  startsFrom?: Date;
  startsBefore?: Date;
}

/** Activities by start time, earliest first, filtered by organiser, area subtree, state and start. */
export async function listActivities(ctx: AppContext, filter: ActivityFilter, page: ConnectionArgs): Promise<Page<LegalEducationActivity>> {
  const qb = ctx.app.db.getRepository(LegalEducationActivity).createQueryBuilder('a');
  if (filter.organizerOrganizationId) qb.andWhere('a.organizer_organization_id = :org', { org: idOf(filter.organizerOrganizationId, 'Organization') ?? NO_MATCH });
  if (filter.areaId) {
    const areaId = idOf(filter.areaId, 'Area');
    const area = areaId ? await areasById(ctx).load(areaId) : null;
    qb.andWhere(`a.area_id IN (SELECT id FROM area WHERE path LIKE :path || '%')`, { path: area?.path ?? 'none' });
  }
  if (filter.statuses?.length) qb.andWhere('a.status IN (:...statuses)', { statuses: filter.statuses });
  if (filter.startsFrom) qb.andWhere('a.starts_at >= :from', { from: filter.startsFrom });
  if (filter.startsBefore) qb.andWhere('a.starts_at < :before', { before: filter.startsBefore });
  return paginate(qb, page, [{ sql: 'a.starts_at', value: (a) => a.startsAt.toISOString() }, { sql: 'a.id', value: (a) => a.id }]);
}
