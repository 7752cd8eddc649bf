import type { AppContext } from '../../shared/context';
import { clock } from '../../shared/clock';
import { toGlobalId } from '../../shared/relay/global-id';
import type { Area } from '../area/area.entity';
import { CaseEventType, type CaseCategory, type CaseStatus } from '../case/case.entity';
import { ServiceLevelMetric, ServiceLevelPeriod, type ContractStatus } from '../contract/contract.entity';
import { contractPartiesByContractId, contractServiceLevelsByContractId } from '../contract/contract.loaders';
import { publishedStatementsForArea } from '../fund/fund.statement';
import { organizationsById } from '../organization/organization.loaders';
import { complianceByContractAndRange, complianceKey } from '../patrol/patrol.compliance';
import {
  PublicArea,
  PublicBoard,
  PublicCaseStep,
  PublicContractResult,
  PublicFundStatement,
  PublicFundStatementLine,
  PublicLegalEducationActivity,
  PublicServiceLevelResult,
  PublicSupervisedCase,
} from './public.entity';

const TTL_MS = 30_000;
const MAX_ENTRIES = 1000;
const cache = new Map<string, { at: number; board: Promise<PublicBoard> }>();

/**
 * Boards are cached per area for 30 seconds in each process: the public may
 * ask often, and what it sees changes only when someone publishes. A
 * publication or withdrawal clears this process's cache at once; another
 * process serves its copy until it expires.
 */
export function clearBoardCache(): void {
  cache.clear();
}

export function publicArea(area: Area): PublicArea {
  return Object.assign(new PublicArea(), { areaId: toGlobalId('Area', area.id), name: area.name, kind: area.kind });
}

export function cachedBoard(ctx: AppContext, area: Area): Promise<PublicBoard> {
  const now = Date.now();
  const hit = cache.get(area.id);
  if (hit && now - hit.at < TTL_MS) return hit.board;
  const board = buildBoard(ctx, area);
  cache.set(area.id, { at: now, board });
  board.catch(() => cache.delete(area.id));
  if (cache.size > MAX_ENTRIES) cache.delete(cache.keys().next().value!);
  return board;
}

/** Public timeline steps: what happened and when, never who or what was written. */
const PUBLIC_STEPS = [CaseEventType.REPORTED, CaseEventType.TRIAGED, CaseEventType.ASSIGNED, CaseEventType.REASSIGNED, CaseEventType.STARTED, CaseEventType.SUPERVISED, CaseEventType.ESCALATED, CaseEventType.RESOLVED, CaseEventType.CLOSED, CaseEventType.REOPENED];

async function supervisedCases(ctx: AppContext, area: Area, now: Date): Promise<PublicSupervisedCase[]> {
  const rows: { id: string; reference: string; category: CaseCategory; status: CaseStatus; area_name: string; supervisor: string | null; due_at: Date | null; summary: string | null; published_at: Date }[] = await ctx.app.db.query(
    `SELECT c.id, c.reference, c.category, c.status, a.name AS area_name, o.name AS supervisor, c.due_at, p.summary, p.published_at
       FROM publication p JOIN case_record c ON c.id = p.record_id JOIN area a ON a.id = c.area_id LEFT JOIN organization o ON o.id = c.supervising_organization_id
      WHERE p.record_type = 'CASE' AND p.withdrawn_at IS NULL AND c.supervised_at IS NOT NULL AND a.path LIKE $1 || '%'
      ORDER BY p.published_at DESC, c.id LIMIT 50`,
    [area.path],
  );
  const steps: { case_id: string; type: CaseEventType; occurred_at: Date }[] = rows.length
    ? await ctx.app.db.query(
        `SELECT case_id, type, occurred_at FROM case_event WHERE case_id = ANY($1::uuid[]) AND visibility = 'PUBLIC' AND type = ANY($2::text[]) ORDER BY occurred_at, id`,
        [rows.map((r) => r.id), PUBLIC_STEPS],
      )
    : [];
  return rows.map((r) =>
    Object.assign(new PublicSupervisedCase(), {
      reference: r.reference,
      category: r.category,
      status: r.status,
      areaName: r.area_name,
      summary: r.summary,
      supervisorName: r.supervisor,
      dueAt: r.due_at,
      overdue: r.due_at !== null && r.due_at < now && !['RESOLVED', 'CLOSED'].includes(r.status),
      progress: steps.filter((s) => s.case_id === r.id).map((s) => Object.assign(new PublicCaseStep(), { at: s.occurred_at, step: s.type })),
      publishedAt: r.published_at,
    }),
  );
}

async function upcomingActivities(ctx: AppContext, area: Area, now: Date): Promise<PublicLegalEducationActivity[]> {
  const rows = await ctx.app.db.query(
    `SELECT l.topic, l.form, l.laws, l.legal_day, o.name AS organizer, a.name AS area_name, l.venue, l.starts_at, l.ends_at, l.audience_groups, p.summary
       FROM publication p JOIN legal_education_activity l ON l.id = p.record_id JOIN area a ON a.id = l.area_id JOIN organization o ON o.id = l.organizer_organization_id
      WHERE p.record_type = 'LEGAL_EDUCATION_ACTIVITY' AND p.withdrawn_at IS NULL AND l.status = 'PLANNED' AND l.ends_at >= $2 AND a.path LIKE $1 || '%'
      ORDER BY l.starts_at, l.id LIMIT 50`,
    [area.path, now],
  );
  return rows.map((r: any) =>
    Object.assign(new PublicLegalEducationActivity(), {
      topic: r.topic,
      form: r.form,
      laws: r.laws,
      legalDay: r.legal_day,
      organizerName: r.organizer,
      areaName: r.area_name,
      venue: r.venue,
      startsAt: r.starts_at,
      endsAt: r.ends_at,
      audienceGroups: r.audience_groups,
      summary: r.summary,
    }),
  );
}

const COMPUTED = [ServiceLevelMetric.PATROLS_PER_DAY, ServiceLevelMetric.CHECKPOINT_COVERAGE, ServiceLevelMetric.RESPONSE_MINUTES];

/** The last three complete calendar months (China Standard Time). */
function lastThreeMonths(now: Date): { from: string; to: string } {
  const local = new Date(now.getTime() + 8 * 3_600_000);
  const y = local.getUTCFullYear();
  const m = local.getUTCMonth();
  const from = new Date(Date.UTC(y, m - 3, 1)).toISOString().slice(0, 10);
  const to = new Date(Date.UTC(y, m, 0)).toISOString().slice(0, 10);
  return { from, to };
}

async function contractResults(ctx: AppContext, area: Area, now: Date): Promise<PublicContractResult[]> {
  const rows: { id: string; title: string; status: ContractStatus; starts_on: string; ends_on: string; summary: string | null }[] = await ctx.app.db.query(
    `SELECT c.id, c.title, c.status, c.starts_on::text, c.ends_on::text, p.summary
       FROM publication p JOIN contract c ON c.id = p.record_id JOIN area a ON a.id = p.area_id
      WHERE p.record_type = 'CONTRACT' AND p.withdrawn_at IS NULL AND a.path LIKE $1 || '%'
      ORDER BY p.published_at DESC, c.id LIMIT 20`,
    [area.path],
  );
  const { from, to } = lastThreeMonths(now);
  const results: PublicContractResult[] = [];
  for (const r of rows) {
    const [parties, levels] = await Promise.all([contractPartiesByContractId(ctx).load(r.id), contractServiceLevelsByContractId(ctx).load(r.id)]);
    const names = async (role: string) =>
      (await organizationsById(ctx).loadMany(parties.filter((p) => p.role === role).map((p) => p.organizationId))).flatMap((o) => (o && !(o instanceof Error) ? [o.name] : []));
    const computed = levels.filter((l) => COMPUTED.includes(l.metric));
    const lines: PublicServiceLevelResult[] = [];
    if (computed.length && r.starts_on <= to && r.ends_on >= from) {
      // Every level judged per calendar month, whatever its contractual period: one public yardstick.
      const key = complianceKey({ id: r.id, startsOn: r.starts_on, endsOn: r.ends_on, serviceLevels: computed.map((l) => ({ id: l.id, metric: l.metric, target: Number(l.target), period: ServiceLevelPeriod.MONTH, description: l.description })) }, from, to);
      const report = await complianceByContractAndRange(ctx).load(key);
      for (const level of report.serviceLevels) {
        for (const period of level.periods.filter((p) => p.complete)) {
          lines.push(Object.assign(new PublicServiceLevelResult(), { metric: level.metric, description: level.description, month: `${period.startsOn.slice(0, 7)}-01`, target: period.target, achieved: period.achieved, met: period.met }));
        }
      }
    }
    results.push(Object.assign(new PublicContractResult(), {
      title: r.title,
      clientNames: await names('CLIENT'),
      providerNames: await names('PROVIDER'),
      status: r.status,
      startsOn: r.starts_on,
      endsOn: r.ends_on,
      summary: r.summary,
      results: lines,
      met: lines.filter((l) => l.met).length,
    }));
  }
  return results;
}

async function fundStatements(ctx: AppContext, area: Area): Promise<PublicFundStatement[]> {
  const rows = await publishedStatementsForArea(ctx.app.db.manager, area.id, 50);
  return rows.map((s) =>
    Object.assign(new PublicFundStatement(), {
      fundName: s.fundName,
      organizationName: s.organizationName,
      currency: s.currency,
      periodStart: s.periodStart,
      periodEnd: s.periodEnd,
      openingBalanceMinor: s.openingBalanceMinor,
      contributionsMinor: s.contributionsMinor,
      payoutsMinor: s.payoutsMinor,
      closingBalanceMinor: s.closingBalanceMinor,
      lines: s.lines.map((l) => Object.assign(new PublicFundStatementLine(), { kind: String(l.kind), category: String(l.category), amountMinor: l.amountMinor, entryCount: l.entryCount })),
      publishedAt: s.publishedAt,
    }),
  );
}

async function buildBoard(ctx: AppContext, area: Area): Promise<PublicBoard> {
  const now = clock.now();
  const [cases, activities, contracts, statements] = await Promise.all([supervisedCases(ctx, area, now), upcomingActivities(ctx, area, now), contractResults(ctx, area, now), fundStatements(ctx, area)]);
  return Object.assign(new PublicBoard(), { area: publicArea(area), supervisedCases: cases, upcomingActivities: activities, contractResults: contracts, fundStatements: statements, generatedAt: now });
}
