import { type SelectQueryBuilder } from 'typeorm';
import type { AppContext } from '../../shared/context';
import { UserErrorCode } from '../../shared/errors';
import { failIfAny, inTransaction } from '../../shared/transaction';
import { InputCheck } from '../../shared/validation';
import { paginate, type ConnectionArgs, type Page } from '../../shared/relay/connection';
import { areasById } from '../area/area.loaders';
import { NamedParams, areaInSubtrees, caseScope, visibleCaseSql } from './case.scope';
import { Case, CaseCategory, CaseChannel, CaseSeverity, IllegalConstructionLedgerRecord, isMajorDispute, type CaseAttachment, type CaseFollower } from './case.entity';
import { planned } from '../../shared/read-plan/planned';
import type { CaseReportInput } from './case.inputs';
import { findByExternalId, insertCase } from './case.intake';
import { caseFollowersByCaseId, casesById, jurisdictionOrganizationIdsByAreaId, ledgerRecordsByCaseId } from './case.loaders';
import { caseAccess, type CaseAccess, type CaseFacts } from './case.policy';

/** Channels a person without an organisation may report by (完善群眾舉報和反饋制度: mailbox, phone, app, WeChat, in person). */
export const RESIDENT_CHANNELS: CaseChannel[] = [CaseChannel.HOTLINE, CaseChannel.MAILBOX, CaseChannel.MOBILE_APP, CaseChannel.WECHAT, CaseChannel.WALK_IN];
export const NOTE_MAX = 2000;

// ---------- reading ----------

/** Facts the policy needs about one case, through the request's loaders. */
export async function caseFacts(ctx: AppContext, record: Case): Promise<CaseFacts> {
  const [jurisdiction, followers] = await Promise.all([
    jurisdictionOrganizationIdsByAreaId(ctx).load(record.areaId),
    caseFollowersByCaseId(ctx).load(record.id),
  ]);
  return factsOf(record, jurisdiction, followers);
}

/** The facts of a case from what the two fact loaders (or a planned read of the same rows) give. */
export function factsOf(record: Case, jurisdiction: readonly string[], followers: readonly CaseFollower[]): CaseFacts {
  return {
    responsibleOrganizationId: record.responsibleOrganizationId,
    supervisingOrganizationId: record.supervisingOrganizationId,
    jurisdictionOrganizationIds: jurisdiction,
    reporterUserIds: [record.reporterUserId, ...followers.map((f) => f.userId)].filter((id): id is string => !!id),
    reporterOrganizationIds: [record.reporterOrganizationId, ...followers.map((f) => f.organizationId)].filter((id): id is string => !!id),
  };
}

export async function accessTo(ctx: AppContext, record: Case): Promise<CaseAccess> {
  return knownAccess(ctx, record) ?? caseAccess(ctx.viewer, await caseFacts(ctx, record));
}

/**
 * The viewer's access when it needs no read: a platform admin (the rule's
 * first clause, before any fact), or a case whose facts a planned read of
 * this request holds. Null otherwise (ask `accessTo`). Lets guarded fields
 * of a planned page answer without a promise per field.
 */
export function knownAccess(ctx: AppContext, record: Case): CaseAccess | null {
  if (ctx.viewer.isPlatformAdmin) return 'FULL';
  const facts = planned<CaseFacts>(ctx, 'Case.facts', record.id);
  return facts ? caseAccess(ctx.viewer, facts) : null;
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

