import { Field, Float, Int, ObjectType } from 'type-graphql';
import { LocalDateResolver } from 'graphql-scalars';
import { badUserInput } from '../../shared/errors';
import { isLocalDate, today } from '../../shared/clock';
import { defineLoader } from '../../shared/loaders';
import type { AppContext } from '../../shared/context';
import { ServiceLevelMetric, ServiceLevelPeriod } from '../contract/contract.entity';
import { valueObject, WHY } from '../../shared/relay/value-object';

/** A compliance report covers at most this many days. */
export const MAX_COMPLIANCE_DAYS = 366;
const COMPUTED = [ServiceLevelMetric.PATROLS_PER_DAY, ServiceLevelMetric.CHECKPOINT_COVERAGE];

@ObjectType({ description: valueObject('Target against achievement of one service level over one period (China Standard Time calendar days).', WHY.computed) })
export class CompliancePeriod {
  @Field(() => LocalDateResolver, { description: 'First day of the period (clipped to the report range).' })
  startsOn!: string;

  @Field(() => LocalDateResolver, { description: 'Last day of the period (clipped to the report range).' })
  endsOn!: string;

  @Field(() => Float, { description: 'The target: completed patrols per day, or percent of checkpoints visited.' })
  target!: number;

  @Field(() => Float, {
    description:
      'Achieved. PATROLS_PER_DAY: COMPLETED patrols of the provider in the scope areas with at least one proven check-in (an unflagged CHECKPOINT: token or position within the radius), by device start time, per day of the period (average when longer than a day); a patrol the team merely says it started and ended does not count. CHECKPOINT_COVERAGE: percent of the parties\' active checkpoints in the scope areas with an unflagged check-in by the provider during the period.',
  })
  achieved!: number;

  @Field({ description: 'achieved >= target.' })
  met!: boolean;

  @Field({ description: 'False while the period is still running (the figure can still grow).' })
  complete!: boolean;

  @Field(() => Int, { description: 'PATROLS_PER_DAY: completed patrols with a proven check-in counted; CHECKPOINT_COVERAGE: checkpoints visited.' })
  count!: number;

  @Field(() => Int, { nullable: true, description: 'CHECKPOINT_COVERAGE: checkpoints that had to be visited; null otherwise.' })
  outOf!: number | null;

  @Field(() => Int, {
    description:
      "Events of the provider's patrols in the scope areas, received during the period, that were flagged (no proof of presence, far from the checkpoint, wrong token, device time in the future or outside the shift). They do not count above; list them with `patrol.events` to review.",
  })
  flaggedEventCount!: number;
}

@ObjectType({ description: valueObject('Compliance with one computable service level of a contract.', WHY.computed) })
export class ServiceLevelCompliance {
  @Field(() => ServiceLevelMetric, { description: 'What is measured (PATROLS_PER_DAY or CHECKPOINT_COVERAGE).' })
  metric!: ServiceLevelMetric;

  @Field(() => ServiceLevelPeriod, { description: 'Over which period it is assessed.' })
  period!: ServiceLevelPeriod;

  @Field(() => Float, { description: 'The target (a minimum).' })
  target!: number;

  @Field(() => [CompliancePeriod], { description: 'One entry per period in the range, oldest first.' })
  periods!: CompliancePeriod[];

  @Field(() => Int, { description: 'Complete periods whose target was met.' })
  periodsMet!: number;

  @Field(() => Int, { description: 'Complete periods assessed.' })
  periodsAssessed!: number;
}

@ObjectType({ description: valueObject("A contract's patrol service levels against what the provider's recorded patrols achieved.", WHY.computed) })
export class ContractCompliance {
  @Field(() => LocalDateResolver, { description: 'First day of the report (clipped to the contract term).' })
  from!: string;

  @Field(() => LocalDateResolver, { description: 'Last day of the report (clipped to the contract term).' })
  to!: string;

  @Field(() => [ServiceLevelCompliance], { description: 'PATROLS_PER_DAY and CHECKPOINT_COVERAGE service levels; other metrics are not computed from patrols and are left out.' })
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
  serviceLevels: { metric: ServiceLevelMetric; target: number; period: ServiceLevelPeriod }[];
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
 * Per service level and period: the provider's recorded patrols in the
 * contract's scope areas (subtrees). The provider is the contract's PROVIDER
 * parties, plus any team registered under this contract.
 */
async function computeCompliance(ctx: AppContext, { contract, from, to }: ComplianceKey): Promise<ContractCompliance> {
  const start = from < contract.startsOn ? contract.startsOn : from;
  const end = to > contract.endsOn ? contract.endsOn : to;
  const report = Object.assign(new ContractCompliance(), { from: start, to: end, serviceLevels: [] as ServiceLevelCompliance[] });
  const levels = contract.serviceLevels.filter((l) => COMPUTED.includes(l.metric));
  if (start > end || levels.length === 0) return report;
  const todayString = today();
  for (const level of levels) {
    const periods = periodsBetween(start, end, level.period);
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
      [contract.id, periods.map((p) => p.startsOn), periods.map((p) => p.endsOn)],
    );
    const result = periods.map((p, i) => {
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
        flaggedEventCount: row.flagged,
      });
    });
    const complete = result.filter((r) => r.complete);
    report.serviceLevels.push(
      Object.assign(new ServiceLevelCompliance(), {
        metric: level.metric,
        period: level.period,
        target: level.target,
        periods: result,
        periodsMet: complete.filter((r) => r.met).length,
        periodsAssessed: complete.length,
      }),
    );
  }
  return report;
}
