import type { AppContext } from '../../shared/context';
import { UserErrorCode, badUserInput, forbidden } from '../../shared/errors';
import { isLocalDate, today } from '../../shared/clock';
import { fail, failIfAny, inTransaction } from '../../shared/transaction';
import { InputCheck } from '../../shared/validation';
import { paginateArray, type ConnectionArgs, type Page } from '../../shared/relay/connection';
import { Area, AreaKind } from '../area/area.entity';
import { areasById } from '../area/area.loaders';
import { escapeLike } from '../area/area.service';
import { CaseCategory } from '../case/case.entity';
import { jurisdictionOrganizationIdsByAreaId } from '../case/case.loaders';
import { accessTo, findCase } from '../case/case.service';
import { ScreeningFrequency, ScreeningRound, ScreeningRoundCase, ScreeningSpecialPeriod } from './screening.entity';
import { MAX_CASES_PER_ROUND, ScreeningFigures, ScreeningSlot, type ScreeningRoundRecordInput, type ScreeningSpecialPeriodDeclareInput } from './screening.inputs';
import { canSeeScreening, screeningActor, screeningAudience } from './screening.policy';

const DAY = 86_400_000;
const COMMUNITY_KINDS: string[] = [AreaKind.COMMUNITY, AreaKind.VILLAGE];
/** Complete weeks before the current one that the dashboard looks back over. */
export const SCREENING_WINDOW_WEEKS = 4;
const MISSING_LISTED = 50;

export function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY).toISOString().slice(0, 10);
}

/** Monday of the week holding the date (weeks run Monday to Sunday). */
export function mondayOf(date: string): string {
  const d = new Date(`${date}T00:00:00Z`);
  return addDays(date, -((d.getUTCDay() + 6) % 7));
}

// ---------------------------------------------------------------- reading

/** The area, if the viewer may see its jurisdiction's screening (members of covering organisations, platform admins). */
async function visibleJurisdiction(ctx: AppContext, areaId: string | null): Promise<Area | null> {
  if (!areaId) return null;
  const [area, covering] = await Promise.all([areasById(ctx).load(areaId), jurisdictionOrganizationIdsByAreaId(ctx).load(areaId)]);
  return area && canSeeScreening(ctx.viewer, covering) ? area : null;
}

export async function findRound(ctx: AppContext, id: string | null): Promise<ScreeningRound | null> {
  if (!id) return null;
  const round = await ctx.app.db.getRepository(ScreeningRound).findOneBy({ id });
  if (!round) return null;
  const covering = await jurisdictionOrganizationIdsByAreaId(ctx).load(round.areaId);
  return canSeeScreening(ctx.viewer, covering, round.screenedByOrganizationId) ? round : null;
}

export async function findSpecialPeriod(ctx: AppContext, id: string | null): Promise<ScreeningSpecialPeriod | null> {
  if (!id) return null;
  const period = await ctx.app.db.getRepository(ScreeningSpecialPeriod).findOneBy({ id });
  if (!period) return null;
  const covering = await jurisdictionOrganizationIdsByAreaId(ctx).load(period.areaId);
  if (canSeeScreening(ctx.viewer, covering, period.declaredByOrganizationId)) return period;
  // The communities inside the area owe its daily returns, so they see it too.
  if (!ctx.viewer.signedIn || !ctx.viewer.organizationIds.length) return null;
  const [inside] = await ctx.app.db.query(
    `SELECT 1 FROM organization_jurisdiction j JOIN area a ON a.id = j.area_id, area p
      WHERE p.id = $1 AND j.organization_id = ANY($2::uuid[]) AND a.path LIKE p.path || '%' LIMIT 1`,
    [period.areaId, ctx.viewer.organizationIds],
  );
  return inside ? period : null;
}

function checkRange(from: string, to: string): void {
  if (!isLocalDate(from) || !isLocalDate(to)) throw badUserInput('from and to must be dates (YYYY-MM-DD).');
  if (from > to) throw badUserInput('from must not lie after to.');
  if (Date.parse(to) - Date.parse(from) > 366 * DAY) throw badUserInput('The range covers at most 367 days.');
}

/** Returns filed for communities of the area subtree whose period overlaps [from, to], newest period first; null when the viewer may not see the jurisdiction. */
export async function listRounds(ctx: AppContext, areaId: string | null, from: string, to: string, args: ConnectionArgs): Promise<Page<ScreeningRound> | null> {
  checkRange(from, to);
  const area = await visibleJurisdiction(ctx, areaId);
  if (!area) return null;
  const rows = await ctx.app.db
    .getRepository(ScreeningRound)
    .createQueryBuilder('r')
    .innerJoin(Area, 'a', 'a.id = r.area_id')
    .where(`a.path LIKE :path || '%'`, { path: area.path })
    .andWhere('r.period_starts_on <= :to AND r.period_ends_on >= :from', { from, to })
    .orderBy('r.period_starts_on', 'DESC')
    .addOrderBy('r.frequency', 'ASC')
    .addOrderBy('r.id', 'ASC')
    .limit(5000)
    .getMany();
  return paginateArray(rows, args, (r) => r.id);
}

/** Special periods that apply to the area (declared for it or an area above it) or to part of it, newest first; null when the viewer may not see the jurisdiction. */
export async function listSpecialPeriods(ctx: AppContext, areaId: string | null, args: ConnectionArgs): Promise<Page<ScreeningSpecialPeriod> | null> {
  const area = await visibleJurisdiction(ctx, areaId);
  if (!area) return null;
  const rows = await ctx.app.db
    .getRepository(ScreeningSpecialPeriod)
    .createQueryBuilder('s')
    .innerJoin(Area, 'a', 'a.id = s.area_id')
    .where(`(a.path LIKE :path || '%' OR :path LIKE a.path || '%')`, { path: area.path })
    .orderBy('s.starts_on', 'DESC')
    .addOrderBy('s.id', 'ASC')
    .limit(1000)
    .getMany();
  return paginateArray(rows, args, (s) => s.id);
}

/** The screening window that ends the day before `on`: the last four complete weeks and the days since. */
export function screeningWindow(on: string = today()): { windowStartsOn: string; windowEndsOn: string } {
  return { windowStartsOn: addDays(mondayOf(on), -7 * SCREENING_WINDOW_WEEKS), windowEndsOn: addDays(on, -1) };
}

/** What the screening figures are computed from: communities, special periods and returns of the window, as JSON. */
export interface ScreeningRows {
  communities: { id: string; path: string }[];
  specials: { path: string; starts_on: string; ends_on: string }[];
  filed: { area_id: string; frequency: string; starts_on: string; nil_return: boolean; cases: string[] | null }[];
}

/**
 * The three JSON columns of ScreeningRows, to be selected from `communities`
 * (a CTE the caller defines with screeningCommunitiesSql), so that the
 * dashboard can read them in its own single statement.
 */
export function screeningRowsSql(bind: (value: unknown) => string, area: Pick<Area, 'path'>, window: { windowStartsOn: string; windowEndsOn: string }): string {
  const from = bind(window.windowStartsOn);
  const to = bind(window.windowEndsOn);
  // The subtree as a bound prefix (the area-path index serves it), its ancestors as the ids of its path.
  return `SELECT (SELECT coalesce(json_agg(json_build_object('id', c.id, 'path', c.path) ORDER BY c.path), '[]') FROM communities c) AS communities,
              (SELECT coalesce(json_agg(json_build_object('path', a.path, 'starts_on', to_char(s.starts_on, 'YYYY-MM-DD'), 'ends_on', to_char(s.ends_on, 'YYYY-MM-DD'))), '[]')
                 FROM screening_special_period s JOIN area a ON a.id = s.area_id
                WHERE s.starts_on <= ${to}::date AND s.ends_on >= ${from}::date AND (a.path LIKE ${bind(`${escapeLike(area.path)}%`)} OR a.id = ANY(${bind(area.path.split('/').filter(Boolean))}::uuid[]))) AS specials,
              (SELECT coalesce(json_agg(json_build_object('area_id', r.area_id, 'frequency', r.frequency, 'starts_on', to_char(r.period_starts_on, 'YYYY-MM-DD'), 'nil_return', r.nil_return,
                        'cases', (SELECT array_agg(rc.case_id) FROM screening_round_case rc WHERE rc.round_id = r.id))), '[]')
                 FROM screening_round r WHERE r.area_id IN (SELECT id FROM communities) AND r.period_starts_on BETWEEN ${from}::date AND ${to}::date) AS filed`;
}

/** The `communities` CTE of screeningRowsSql: the subtree's communities and villages. */
export function screeningCommunitiesSql(bind: (value: unknown) => string, area: Pick<Area, 'path'>): string {
  return `communities AS (SELECT id, path FROM area WHERE path LIKE ${bind(`${escapeLike(area.path)}%`)} AND kind = ANY(${bind(COMMUNITY_KINDS)}))`;
}

/**
 * Every return due from the communities of the subtree for periods that
 * ended within the window, and which of them were filed, from their rows
 * (see screeningRowsSql). A weekly return is due for each week ending in the
 * window; a daily one for each day of a special period declared for the
 * community or an area above it.
 */
export function screeningFiguresOf({ communities, specials, filed }: ScreeningRows, { windowStartsOn, windowEndsOn }: { windowStartsOn: string; windowEndsOn: string }): ScreeningFigures {
  const filedBySlot = new Map(filed.map((f) => [`${f.area_id}|${f.frequency}|${f.starts_on}`, f]));
  const due: ScreeningSlot[] = [];
  for (const community of communities) {
    for (let monday = windowStartsOn; addDays(monday, 6) <= windowEndsOn; monday = addDays(monday, 7)) {
      due.push(Object.assign(new ScreeningSlot(), { areaId: community.id, frequency: ScreeningFrequency.WEEKLY, startsOn: monday, endsOn: addDays(monday, 6) }));
    }
    const days = new Set<string>();
    for (const s of specials.filter((s) => community.path.startsWith(s.path))) {
      for (let day = s.starts_on < windowStartsOn ? windowStartsOn : s.starts_on; day <= s.ends_on && day <= windowEndsOn; day = addDays(day, 1)) days.add(day);
    }
    for (const day of [...days].sort()) due.push(Object.assign(new ScreeningSlot(), { areaId: community.id, frequency: ScreeningFrequency.DAILY, startsOn: day, endsOn: day }));
  }
  const returned = due.map((slot) => filedBySlot.get(`${slot.areaId}|${slot.frequency}|${slot.startsOn}`));
  const missing = due.filter((_, i) => !returned[i]).sort((a, b) => a.startsOn.localeCompare(b.startsOn) || a.frequency.localeCompare(b.frequency));
  const present = returned.filter((r): r is NonNullable<typeof r> => !!r);
  return Object.assign(new ScreeningFigures(), {
    windowStartsOn,
    windowEndsOn,
    communities: communities.length,
    returnsDue: due.length,
    returnsFiled: present.length,
    nilReturns: present.filter((r) => r.nil_return).length,
    disputesFound: new Set(present.flatMap((r) => r.cases ?? [])).size,
    missingCount: missing.length,
    missing: missing.slice(0, MISSING_LISTED),
  });
}

// ---------------------------------------------------------------- changes

async function actingOrganization(ctx: AppContext, check: InputCheck, areaId: string, requested: string | null | undefined): Promise<{ organizationId: string; covering: string[] }> {
  const requestedId = check.id('organizationId', requested, 'Organization');
  failIfAny(check.errors);
  const covering = await jurisdictionOrganizationIdsByAreaId(ctx).load(areaId);
  const actor = screeningActor(ctx.viewer, covering, requestedId);
  if (actor.ambiguous) fail('organizationId', UserErrorCode.REQUIRED, 'You act for several organisations covering this area: say which one.');
  if (!actor.organizationId) throw forbidden('Only members of an organisation whose jurisdiction covers the area may do this.');
  return { organizationId: actor.organizationId, covering };
}

/** Files the return of one community for one week (or special-period day): the disputes found, or a nil return. */
export async function recordRound(ctx: AppContext, input: ScreeningRoundRecordInput): Promise<{ round: ScreeningRound }> {
  const check = new InputCheck();
  const areaId = check.id('areaId', input.areaId, 'Area', { required: true });
  const caseIds = check.ids('caseIds', input.caseIds, 'Case', { max: MAX_CASES_PER_ROUND });
  const screeners = check.text('screeners', input.screeners, { max: 500 });
  const note = check.text('note', input.note, { max: 4000 });
  const periodOf = String(input.periodOf);
  if (!isLocalDate(periodOf)) check.add('periodOf', UserErrorCode.INVALID, 'periodOf must be a date (YYYY-MM-DD).');
  const screenedOn = input.screenedOn ? String(input.screenedOn) : today();
  if (!isLocalDate(screenedOn)) check.add('screenedOn', UserErrorCode.INVALID, 'screenedOn must be a date (YYYY-MM-DD).');
  if (input.nilReturn && caseIds.length) check.add('caseIds', UserErrorCode.INVALID, 'A nil return (零報告) lists no dispute.');
  if (!input.nilReturn && !caseIds.length) check.add('caseIds', UserErrorCode.REQUIRED, 'List the disputes found, or file a nil return (零報告).');
  failIfAny(check.errors);

  const area = await areasById(ctx).load(areaId!);
  if (!area) fail('areaId', UserErrorCode.NOT_FOUND, 'No Area with this id.');
  if (!COMMUNITY_KINDS.includes(area.kind)) fail('areaId', UserErrorCode.INVALID, 'Returns are filed per community: pick a COMMUNITY or VILLAGE area.');
  const { organizationId, covering } = await actingOrganization(ctx, check, area.id, input.organizationId);

  const weekly = input.frequency === ScreeningFrequency.WEEKLY;
  const startsOn = weekly ? mondayOf(periodOf) : periodOf;
  const endsOn = weekly ? addDays(startsOn, 6) : periodOf;
  if (startsOn > today()) fail('periodOf', UserErrorCode.OUT_OF_RANGE, 'The period has not begun.');
  if (screenedOn < startsOn || screenedOn > today()) fail('screenedOn', UserErrorCode.OUT_OF_RANGE, 'screenedOn lies between the start of the period and today.');

  // Only disputes of this community the viewer sees in full: a return cannot point at what its filer may not see.
  for (const [i, caseId] of caseIds.entries()) {
    const record = await findCase(ctx, caseId);
    const at = ['input', 'caseIds', String(i)];
    if (!record || (await accessTo(ctx, record)) !== 'FULL') fail(at, UserErrorCode.NOT_FOUND, 'No Case with this id.');
    if (record.category !== CaseCategory.DISPUTE) fail(at, UserErrorCode.INVALID, 'Only DISPUTE cases are found by a screening round.');
    const caseArea = await areasById(ctx).load(record.areaId);
    if (!caseArea?.path.startsWith(area.path)) fail(at, UserErrorCode.INVALID, 'The case lies outside the community screened.');
  }

  return inTransaction(ctx, async (tx) => {
    if (!weekly) {
      const [special] = await tx.em.query(
        `SELECT 1 FROM screening_special_period s JOIN area a ON a.id = s.area_id WHERE $1 LIKE a.path || '%' AND $2::date BETWEEN s.starts_on AND s.ends_on LIMIT 1`,
        [area.path, startsOn],
      );
      if (!special) fail('frequency', UserErrorCode.INVALID, 'No special period covers this community on that day: daily returns are for special periods; file the weekly one.');
    }
    const taken = await tx.em.findOneBy(ScreeningRound, { areaId: area.id, frequency: input.frequency, periodStartsOn: startsOn });
    if (taken) fail('periodOf', UserErrorCode.DUPLICATE, 'This community already has a return for that period.');
    const round = tx.em.create(ScreeningRound, {
      areaId: area.id,
      frequency: input.frequency,
      periodStartsOn: startsOn,
      periodEndsOn: endsOn,
      screenedOn,
      screenedByOrganizationId: organizationId,
      screenedByUserId: ctx.viewer.userId,
      screeners,
      nilReturn: input.nilReturn,
      note,
    });
    await tx.em.insert(ScreeningRound, round);
    if (caseIds.length) await tx.em.insert(ScreeningRoundCase, caseIds.map((caseId) => ({ roundId: round.id, caseId })));
    tx.audit({ action: 'screeningRoundRecord', recordType: 'ScreeningRound', recordId: round.id, details: { areaId: area.id, frequency: input.frequency, startsOn, nilReturn: input.nilReturn, caseIds } });
    tx.emit({
      topic: 'screening',
      type: 'screening.roundRecorded',
      subjectId: round.id,
      areaPath: area.path,
      organizationIds: screeningAudience(covering, organizationId),
      payload: { screeningRoundId: round.id, areaId: area.id, frequency: input.frequency, periodStartsOn: startsOn, nilReturn: input.nilReturn, caseIds },
    });
    return { round: await tx.em.findOneByOrFail(ScreeningRound, { id: round.id }) };
  });
}

/** Declares a special period: every community of the area subtree then owes a return for each of its days. */
export async function declareSpecialPeriod(ctx: AppContext, input: ScreeningSpecialPeriodDeclareInput): Promise<{ specialPeriod: ScreeningSpecialPeriod }> {
  const check = new InputCheck();
  const areaId = check.id('areaId', input.areaId, 'Area', { required: true });
  const name = check.text('name', input.name, { max: 200, required: true });
  const startsOn = String(input.startsOn);
  const endsOn = String(input.endsOn);
  if (!isLocalDate(startsOn)) check.add('startsOn', UserErrorCode.INVALID, 'startsOn must be a date (YYYY-MM-DD).');
  if (!isLocalDate(endsOn)) check.add('endsOn', UserErrorCode.INVALID, 'endsOn must be a date (YYYY-MM-DD).');
  else if (endsOn < startsOn) check.add('endsOn', UserErrorCode.DATE_ORDER, 'endsOn lies before startsOn.');
  else if (Date.parse(endsOn) - Date.parse(startsOn) > 91 * DAY) check.add('endsOn', UserErrorCode.OUT_OF_RANGE, 'A special period lasts at most 92 days.');
  failIfAny(check.errors);
  const area = await areasById(ctx).load(areaId!);
  if (!area) fail('areaId', UserErrorCode.NOT_FOUND, 'No Area with this id.');
  const { organizationId, covering } = await actingOrganization(ctx, check, area.id, input.organizationId);
  return inTransaction(ctx, async (tx) => {
    const period = tx.em.create(ScreeningSpecialPeriod, { areaId: area.id, name: name!, startsOn, endsOn, declaredByOrganizationId: organizationId, declaredByUserId: ctx.viewer.userId });
    await tx.em.insert(ScreeningSpecialPeriod, period);
    tx.audit({ action: 'screeningSpecialPeriodDeclare', recordType: 'ScreeningSpecialPeriod', recordId: period.id, details: { areaId: area.id, name, startsOn, endsOn } });
    tx.emit({
      topic: 'screening',
      type: 'screening.specialPeriodDeclared',
      subjectId: null,
      areaPath: area.path,
      organizationIds: screeningAudience(covering, organizationId),
      payload: { screeningSpecialPeriodId: period.id, areaId: area.id, name, startsOn, endsOn },
    });
    return { specialPeriod: await tx.em.findOneByOrFail(ScreeningSpecialPeriod, { id: period.id }) };
  });
}
