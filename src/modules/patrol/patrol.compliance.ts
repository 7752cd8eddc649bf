import { Field, Float, Int, ObjectType, registerEnumType } from 'type-graphql';
import { LocalDateResolver } from 'graphql-scalars';
import { badUserInput } from '../../shared/errors';
import { clock, isLocalDate, today } from '../../shared/clock';
import { defineLoader } from '../../shared/loaders';
import type { AppContext } from '../../shared/context';
import { ServiceLevelMetric, ServiceLevelPeriod } from '../contract/contract.entity';
import { valueObject, WHY } from '../../shared/relay/value-object';
import { ServiceLevelAssessment } from '../contract/contract.assessment';
import { serviceLevelAssessmentsByContractId } from '../contract/contract.loaders';

/** A compliance report covers at most this many days. */
export const MAX_COMPLIANCE_DAYS = 366;
const PATROL_METRICS = [ServiceLevelMetric.PATROLS_PER_DAY, ServiceLevelMetric.CHECKPOINT_COVERAGE];
/** Response time is judged by the 90th percentile (nearest rank): a target of 10 minutes holds when 9 responses in 10 take no longer. */
export const RESPONSE_PERCENTILE = 90;

export enum ComplianceMeasurement {
  COMPUTED = 'COMPUTED',
  MANUALLY_ASSESSED = 'MANUALLY_ASSESSED',
}

registerEnumType(ComplianceMeasurement, {
  name: 'ComplianceMeasurement',
  description: 'Where the figures of a service level come from.',
  valuesConfig: {
    COMPUTED: { description: "Computed from the records: the provider's patrols (PATROLS_PER_DAY, CHECKPOINT_COVERAGE) or the cases assigned to it (RESPONSE_MINUTES)." },
    MANUALLY_ASSESSED: { description: "Manually assessed: a CUSTOM level is checked by people; the figures are the client's assessment entries (`serviceLevelAssessmentRecord`)." },
  },
});

@ObjectType({ description: valueObject('Target against achievement of one service level over one period (China Standard Time calendar days).', WHY.computed) })
export class CompliancePeriod {
  @Field(() => LocalDateResolver, { description: 'First day of the period (clipped to the report range).' })
  startsOn!: string;

  @Field(() => LocalDateResolver, { description: 'Last day of the period (clipped to the report range).' })
  endsOn!: string;

  @Field(() => Float, { description: 'The target: completed patrols per day, percent of checkpoints visited, response minutes (a maximum), or the CUSTOM target.' })
  target!: number;

  @Field(() => Float, {
    nullable: true,
    description:
      `Achieved; null when there is nothing to show (RESPONSE_MINUTES with no case in the period, or a CUSTOM period the client has not assessed, or assessed without a figure). RESPONSE_MINUTES: the ${RESPONSE_PERCENTILE}th percentile (nearest rank) of minutes from report to start of work over the cases reported in the period (China Standard Time day of the report) in the scope areas whose responsible organisation is a PROVIDER party; a case not started yet counts with the minutes elapsed so far (or until it was resolved without a start), so leaving a case alone never improves the figure; merged duplicates are left out. CUSTOM: the figure of the latest assessment. PATROLS_PER_DAY: COMPLETED patrols of the provider in the scope areas with at least one proven check-in (an unflagged CHECKPOINT: token or position within the radius), by device start time, per day of the period (average when longer than a day); a patrol the team merely says it started and ended does not count. CHECKPOINT_COVERAGE: percent of the parties\' active checkpoints in the scope areas with an unflagged check-in by the provider during the period.`,
  })
  achieved!: number | null;

  @Field({ description: 'PATROLS_PER_DAY and CHECKPOINT_COVERAGE: achieved >= target. RESPONSE_MINUTES: achieved <= target (true with no case). CUSTOM: the latest assessment says so (false while unassessed).' })
  met!: boolean;

  @Field({ description: 'False while the period is still running (the figure can still grow).' })
  complete!: boolean;

  @Field(() => Int, { description: 'PATROLS_PER_DAY: completed patrols with a proven check-in counted; CHECKPOINT_COVERAGE: checkpoints visited; RESPONSE_MINUTES: cases measured; CUSTOM: assessment entries for the period.' })
  count!: number;

  @Field(() => Int, { nullable: true, description: 'RESPONSE_MINUTES: cases whose response took no longer than the target (a case not started yet counts only while within it); null otherwise.' })
  withinTargetCount!: number | null;

  @Field(() => ServiceLevelAssessment, { nullable: true, description: "CUSTOM: the client's latest assessment of the period; null while unassessed and for computed levels." })
  assessment!: ServiceLevelAssessment | null;

  @Field(() => Int, { nullable: true, description: 'CHECKPOINT_COVERAGE: checkpoints that had to be visited; null otherwise.' })
  outOf!: number | null;

  @Field(() => Int, {
    description:
      "PATROL metrics: events of the provider's patrols in the scope areas, received during the period, that were flagged (no proof of presence, far from the checkpoint, wrong token, device time in the future or outside the shift). They do not count above; list them with `patrol.events` to review. 0 for RESPONSE_MINUTES and CUSTOM.",
  })
  flaggedEventCount!: number;
}

@ObjectType({ description: valueObject('Compliance with one service level of a contract, computed or manually assessed.', WHY.computed) })
export class ServiceLevelCompliance {
  @Field(() => ServiceLevelMetric, { description: 'What is measured.' })
  metric!: ServiceLevelMetric;

  @Field(() => ComplianceMeasurement, { description: 'Computed from the records, or manually assessed by the client (CUSTOM).' })
  measurement!: ComplianceMeasurement;

  @Field(() => String, { nullable: true, description: 'What the level means, in words (always given for CUSTOM).' })
  description!: string | null;

  @Field(() => ServiceLevelPeriod, { description: 'Over which period it is assessed.' })
  period!: ServiceLevelPeriod;

  @Field(() => Float, { description: 'The target (a minimum).' })
  target!: number;

  @Field(() => [CompliancePeriod], { description: 'One entry per period in the range, oldest first.' })
  periods!: CompliancePeriod[];

  @Field(() => Int, { description: 'Complete periods whose target was met.' })
  periodsMet!: number;

  @Field(() => Int, { description: 'Complete periods assessed (for CUSTOM: complete periods with an assessment entry; an unassessed period is not counted as met or missed).' })
  periodsAssessed!: number;

  @Field(() => [ServiceLevelAssessment], { description: "CUSTOM: every assessment entry of the periods in the report, corrections included, oldest first; empty for computed levels." })
  assessments!: ServiceLevelAssessment[];
}

@ObjectType({ description: valueObject("A contract's service levels against what the provider achieved: computed from its patrols and cases, or assessed by the client.", WHY.computed) })
export class ContractCompliance {
  @Field(() => LocalDateResolver, { description: 'First day of the report (clipped to the contract term).' })
  from!: string;

  @Field(() => LocalDateResolver, { description: 'Last day of the report (clipped to the contract term).' })
  to!: string;

  @Field(() => [ServiceLevelCompliance], { description: 'Every service level of the terms in force, in order: PATROLS_PER_DAY, CHECKPOINT_COVERAGE and RESPONSE_MINUTES computed; CUSTOM manually assessed.' })
  serviceLevels!: ServiceLevelCompliance[];
}

const DAY_MS = 86_400_000;
const asDate = (s: string) => new Date(`${s}T00:00:00Z`);
const asString = (d: Date) => d.toISOString().slice(0, 10);
const addDays = (s: string, n: number) => asString(new Date(asDate(s).getTime() + n * DAY_MS));

/** Periods of the given kind intersecting [from, to], each clipped to it. Weeks run Monday to Sunday. */
export function periodsBetween(from: string, to: string, period: ServiceLevelPeriod): { startsOn: string; endsOn: string }[] {
  const result: { startsOn: string; endsOn: string }[] = [];
  let start = from;
  while (start <= to) {
    const d = asDate(start);
    let end: string;
    if (period === ServiceLevelPeriod.WEEK) end = addDays(start, (7 - ((d.getUTCDay() + 6) % 7)) - 1);
    else if (period === ServiceLevelPeriod.MONTH) end = asString(new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)));
    else if (period === ServiceLevelPeriod.QUARTER) end = asString(new Date(Date.UTC(d.getUTCFullYear(), Math.floor(d.getUTCMonth() / 3) * 3 + 3, 0)));
    else end = start;
    if (end > to) end = to;
    result.push({ startsOn: start, endsOn: end });
    start = addDays(end, 1);
  }
  return result;
}

interface ContractFacts {
  id: string;
  startsOn: string;
  endsOn: string;
  serviceLevels: { id: string; metric: ServiceLevelMetric; target: number; period: ServiceLevelPeriod; description: string | null }[];
}

export interface ComplianceKey {
  contract: ContractFacts;
  from: string;
  to: string;
}

/** Checks the range; the caller has already decided the viewer may see the contract. */
export function complianceKey(contract: ContractFacts, from: string, to: string): ComplianceKey {
  if (!isLocalDate(from) || !isLocalDate(to)) throw badUserInput('from and to must be dates (YYYY-MM-DD).');
  if (from > to) throw badUserInput('from must not lie after to.');
  if ((asDate(to).getTime() - asDate(from).getTime()) / DAY_MS + 1 > MAX_COMPLIANCE_DAYS) throw badUserInput(`A compliance report covers at most ${MAX_COMPLIANCE_DAYS} days.`);
  return { contract, from, to };
}

export const complianceByContractAndRange = defineLoader<ComplianceKey, ContractCompliance>(
  async (keys, ctx) => Promise.all(keys.map((key) => computeCompliance(ctx, key))),
  (k) => `${k.contract.id}|${k.from}|${k.to}`,
);

/**
 * Per service level and period, in the order of the terms: patrol levels from
 * the provider's recorded patrols in the contract's scope areas (subtrees; the
 * provider is the contract's PROVIDER parties, plus any team registered under
 * this contract), response time from the cases assigned to a PROVIDER party,
 * CUSTOM levels from the client's assessment entries.
 */
async function computeCompliance(ctx: AppContext, { contract, from, to }: ComplianceKey): Promise<ContractCompliance> {
  const start = from < contract.startsOn ? contract.startsOn : from;
  const end = to > contract.endsOn ? contract.endsOn : to;
  const report = Object.assign(new ContractCompliance(), { from: start, to: end, serviceLevels: [] as ServiceLevelCompliance[] });
  if (start > end || contract.serviceLevels.length === 0) return report;
  const todayString = today();
  for (const level of contract.serviceLevels) {
    const periods = periodsBetween(start, end, level.period);
    let result: CompliancePeriod[];
    let assessments: ServiceLevelAssessment[] = [];
    if (PATROL_METRICS.includes(level.metric)) result = await patrolPeriods(ctx, contract.id, level, periods, todayString);
    else if (level.metric === ServiceLevelMetric.RESPONSE_MINUTES) result = await responsePeriods(ctx, contract.id, level, periods, todayString);
    else {
      assessments = (await serviceLevelAssessmentsByContractId(ctx).load(contract.id)).filter((a) => a.serviceLevelId === level.id && a.startsOn <= end && a.endsOn >= start);
      result = periods.map((p) => {
        const entries = assessments.filter((a) => a.startsOn <= p.endsOn && a.endsOn >= p.startsOn);
        const latest = entries.length ? entries[entries.length - 1] : null;
        return Object.assign(new CompliancePeriod(), {
          ...p,
          target: level.target,
          achieved: latest?.achieved ?? null,
          met: latest?.met ?? false,
          complete: p.endsOn < todayString,
          count: entries.length,
          outOf: null,
          withinTargetCount: null,
          assessment: latest,
          flaggedEventCount: 0,
        });
      });
    }
    const manual = level.metric === ServiceLevelMetric.CUSTOM;
    const complete = result.filter((r) => r.complete && (!manual || r.assessment !== null));
    report.serviceLevels.push(
      Object.assign(new ServiceLevelCompliance(), {
        metric: level.metric,
        measurement: manual ? ComplianceMeasurement.MANUALLY_ASSESSED : ComplianceMeasurement.COMPUTED,
        description: level.description,
        period: level.period,
        target: level.target,
        periods: result,
        periodsMet: complete.filter((r) => r.met).length,
        periodsAssessed: complete.length,
        assessments,
      }),
    );
  }
  return report;
}

type Level = ContractFacts['serviceLevels'][number];
type Span = { startsOn: string; endsOn: string };

async function patrolPeriods(ctx: AppContext, contractId: string, level: Level, periods: Span[], todayString: string): Promise<CompliancePeriod[]> {
    const rows: { i: string; patrols: number; checkpoints: number; visited: number; flagged: number }[] = await ctx.app.db.query(
      `WITH x AS (SELECT * FROM unnest($2::date[], $3::date[]) WITH ORDINALITY AS x(starts_on, ends_on, i)),
            scope AS (SELECT a.path FROM contract_area ca JOIN area a ON a.id = ca.area_id WHERE ca.contract_id = $1),
            providers AS (SELECT organization_id FROM contract_party WHERE contract_id = $1 AND role = 'PROVIDER'),
            teams AS (SELECT t.id FROM patrol_team t WHERE t.organization_id IN (SELECT organization_id FROM providers) OR t.contract_id = $1),
            cps AS (SELECT c.id, c.retired_at FROM checkpoint c JOIN area ca ON ca.id = c.area_id
                     WHERE c.organization_id IN (SELECT organization_id FROM contract_party WHERE contract_id = $1)
                       AND EXISTS (SELECT 1 FROM scope s WHERE ca.path LIKE s.path || '%'))
       SELECT x.i::text AS i,
              (SELECT count(*) FROM patrol p JOIN area pa ON pa.id = p.area_id
                WHERE p.team_id IN (SELECT id FROM teams) AND p.status = 'COMPLETED'
                  AND (p.started_at AT TIME ZONE 'Asia/Shanghai')::date BETWEEN x.starts_on AND x.ends_on
                  AND EXISTS (SELECT 1 FROM scope s WHERE pa.path LIKE s.path || '%')
                  AND EXISTS (SELECT 1 FROM patrol_event pe WHERE pe.patrol_id = p.id AND pe.kind = 'CHECKPOINT' AND NOT pe.flagged))::int AS patrols,
              (SELECT count(*) FROM patrol_event e JOIN patrol p ON p.id = e.patrol_id JOIN area pa ON pa.id = p.area_id
                WHERE e.team_id IN (SELECT id FROM teams) AND e.flagged
                  AND (e.received_at AT TIME ZONE 'Asia/Shanghai')::date BETWEEN x.starts_on AND x.ends_on
                  AND EXISTS (SELECT 1 FROM scope s WHERE pa.path LIKE s.path || '%'))::int AS flagged,
              (SELECT count(*) FROM cps c
                WHERE c.retired_at IS NULL OR (c.retired_at AT TIME ZONE 'Asia/Shanghai')::date > x.ends_on)::int AS checkpoints,
              (SELECT count(DISTINCT e.checkpoint_id) FROM patrol_event e JOIN cps c ON c.id = e.checkpoint_id
                WHERE e.team_id IN (SELECT id FROM teams) AND e.kind = 'CHECKPOINT' AND NOT e.flagged
                  AND (e.device_time AT TIME ZONE 'Asia/Shanghai')::date BETWEEN x.starts_on AND x.ends_on
                  AND (c.retired_at IS NULL OR (c.retired_at AT TIME ZONE 'Asia/Shanghai')::date > x.ends_on))::int AS visited
         FROM x ORDER BY x.i`,
      [contractId, periods.map((p) => p.startsOn), periods.map((p) => p.endsOn)],
    );
  return periods.map((p, i) => {
    const row = rows.find((r) => Number(r.i) === i + 1)!;
    const days = (asDate(p.endsOn).getTime() - asDate(p.startsOn).getTime()) / DAY_MS + 1;
    const coverage = level.metric === ServiceLevelMetric.CHECKPOINT_COVERAGE;
    const achieved = coverage ? (row.checkpoints === 0 ? 0 : Math.round((row.visited / row.checkpoints) * 10000) / 100) : Math.round((row.patrols / days) * 100) / 100;
    return Object.assign(new CompliancePeriod(), {
      ...p,
      target: level.target,
      achieved,
      met: achieved >= level.target,
      complete: p.endsOn < todayString,
      count: coverage ? row.visited : row.patrols,
      outOf: coverage ? row.checkpoints : null,
      withinTargetCount: null,
      assessment: null,
      flaggedEventCount: row.flagged,
    });
  });
}

/**
 * Report to start of work of the cases assigned to the provider. A case not
 * started yet counts with the time elapsed so far (or until it was resolved
 * or closed without a recorded start): otherwise never starting would be the
 * fastest response.
 */
async function responsePeriods(ctx: AppContext, contractId: string, level: Level, periods: Span[], todayString: string): Promise<CompliancePeriod[]> {
  const rows: { i: string; minutes: number[] | null }[] = await ctx.app.db.query(
    `WITH x AS (SELECT * FROM unnest($2::date[], $3::date[]) WITH ORDINALITY AS x(starts_on, ends_on, i)),
          scope AS (SELECT a.path FROM contract_area ca JOIN area a ON a.id = ca.area_id WHERE ca.contract_id = $1)
     SELECT x.i::text AS i,
            (SELECT array_agg(extract(epoch FROM (coalesce(c.first_started_at, c.resolved_at, c.closed_at, $4::timestamptz) - c.reported_at)) / 60.0)
               FROM case_record c JOIN area ca ON ca.id = c.area_id
              WHERE c.responsible_organization_id IN (SELECT organization_id FROM contract_party WHERE contract_id = $1 AND role = 'PROVIDER')
                AND c.merged_into_id IS NULL
                AND (c.reported_at AT TIME ZONE 'Asia/Shanghai')::date BETWEEN x.starts_on AND x.ends_on
                AND EXISTS (SELECT 1 FROM scope s WHERE ca.path LIKE s.path || '%')) AS minutes
       FROM x ORDER BY x.i`,
    [contractId, periods.map((p) => p.startsOn), periods.map((p) => p.endsOn), clock.now()],
  );
  return periods.map((p, i) => {
    const minutes = (rows.find((r) => Number(r.i) === i + 1)?.minutes ?? []).map(Number).sort((a, b) => a - b);
    const rank = Math.ceil((RESPONSE_PERCENTILE / 100) * minutes.length);
    const achieved = minutes.length === 0 ? null : Math.round(minutes[rank - 1] * 10) / 10;
    return Object.assign(new CompliancePeriod(), {
      ...p,
      target: level.target,
      achieved,
      met: achieved === null || achieved <= level.target,
      complete: p.endsOn < todayString,
      count: minutes.length,
      outOf: null,
      withinTargetCount: minutes.filter((m) => m <= level.target).length,
      assessment: null,
      flaggedEventCount: 0,
    });
  });
}
