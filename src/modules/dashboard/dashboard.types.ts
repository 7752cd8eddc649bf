import { Field, Float, Int, ObjectType } from 'type-graphql';
import type { Area } from '../area/area.entity';
import { CaseCategory, CaseStatus } from '../case/case.entity';
import { valueObject, WHY } from '../../shared/relay/value-object';
import { ScreeningFigures } from '../screening/screening.inputs';

@ObjectType({ description: valueObject('Number of open cases of one category in one status.', WHY.computed) })
export class CaseCountByCategoryAndStatus {
  @Field(() => CaseCategory, { description: 'The category.' })
  category!: CaseCategory;

  @Field(() => CaseStatus, { description: 'The status.' })
  status!: CaseStatus;

  @Field(() => Int, { description: 'Number of cases.' })
  count!: number;
}

@ObjectType({ description: valueObject('Case figures of a jurisdiction. Duplicates merged into another case are not counted.', WHY.computed) })
export class CaseFigures {
  @Field(() => Int, { description: 'Open cases (REPORTED, TRIAGED, ASSIGNED, IN_PROGRESS, REOPENED).' })
  open!: number;

  @Field(() => [CaseCountByCategoryAndStatus], { description: 'Open cases by category and status (only non-zero buckets; at most 7 x 5).' })
  openByCategoryAndStatus!: CaseCountByCategoryAndStatus[];

  @Field(() => Int, { description: 'Open cases past their due date.' })
  overdue!: number;

  @Field(() => Int, { description: 'Open cases under public supervision (掛牌督辦).' })
  supervisedOpen!: number;

  @Field(() => Int, { description: 'Cases reported in the last 7 days.' })
  openedLast7Days!: number;

  @Field(() => Int, { description: 'Cases reported in the last 30 days.' })
  openedLast30Days!: number;

  @Field(() => Int, { description: 'Cases closed in the last 7 days.' })
  closedLast7Days!: number;

  @Field(() => Int, { description: 'Cases closed in the last 30 days.' })
  closedLast30Days!: number;

  @Field(() => Int, { description: 'Cases resolved in the last 30 days (the sample of the median below).' })
  resolvedLast30Days!: number;

  @Field(() => Float, { nullable: true, description: 'Median hours from report to resolution of the cases resolved in the last 30 days; null when there are none.' })
  medianHoursToResolve!: number | null;
}

@ObjectType({ description: valueObject('Patrol figures of a jurisdiction for today (China Standard Time).', WHY.computed) })
export class PatrolFigures {
  @Field(() => Int, { description: 'Patrols on duty now (ACTIVE).' })
  onDuty!: number;

  @Field(() => Int, { description: 'Patrols planned to start today (any status but CANCELLED).' })
  plannedToday!: number;

  @Field(() => Int, { description: "Checkpoints on the routes of today's patrols." })
  checkpointsPlannedToday!: number;

  @Field(() => Int, { description: 'Of those, checkpoints with at least one check-in today.' })
  checkpointsVisitedToday!: number;

  @Field(() => Float, { nullable: true, description: "Share of today's planned checkpoints visited, 0 to 1; null when none are planned." })
  checkpointCoverage!: number | null;
}

@ObjectType({ description: valueObject('Joint-meeting figures of a jurisdiction (counts only: meeting contents stay with their participants).', WHY.computed) })
export class MeetingFigures {
  @Field(() => Int, { description: 'Meetings in the area subtree scheduled to start in the next 30 days.' })
  upcomingNext30Days!: number;

  @Field(() => Int, { description: 'Action items of meetings in the area subtree that are still open past their due date.' })
  overdueActionItems!: number;

  @Field(() => Int, { description: 'Action items of meetings in the area subtree that are still open.' })
  openActionItems!: number;
}

@ObjectType({ description: valueObject('Contract figures of a jurisdiction (contracts with a scope area in the subtree).', WHY.computed) })
export class ContractFigures {
  @Field(() => Int, { description: 'ACTIVE contracts.' })
  active!: number;

  @Field(() => Int, { description: 'ACTIVE contracts whose term ends within the next 30 days.' })
  expiringWithin30Days!: number;
}

@ObjectType({ description: valueObject('The police-community liaison dashboard of a jurisdiction: everything in one query.', WHY.computed) })
export class JurisdictionDashboard {
  areaId!: string;

  area?: Area;

  @Field({ description: 'When the figures were computed.' })
  generatedAt!: Date;

  @Field(() => CaseFigures, { description: 'Cases in the area subtree.' })
  cases!: CaseFigures;

  @Field(() => PatrolFigures, { nullable: true, description: 'Patrols in the area subtree; null while the platform has no patrol module.' })
  patrols!: PatrolFigures | null;

  @Field(() => MeetingFigures, { nullable: true, description: 'Joint meetings and their action items; null while the platform has no meeting module.' })
  meetings!: MeetingFigures | null;

  @Field(() => ContractFigures, { nullable: true, description: 'Security contracts; null while the platform has no contract module.' })
  contracts!: ContractFigures | null;

  @Field(() => ScreeningFigures, { description: 'Dispute screening (每周一排查) over the last four complete weeks: returns due from every community, filed, nil returns, and the missing ones.' })
  screening!: ScreeningFigures;
}

@ObjectType({
  description: valueObject(
    'How one organisation performed on the cases of a jurisdiction in a period, as the responsible unit and as the dispatching office. Every rate comes with its sample size; open and unassigned cases count, so leaving a case open or unassigned never improves a figure.',
    WHY.computed,
  ),
})
export class UnitPerformance {
  organizationId!: string;

  @Field(() => Int, { description: 'Cases the organisation (as responsible unit) resolved in the period, by their latest resolution.' })
  casesHandled!: number;

  @Field(() => Int, { description: 'Of those, resolved by their due date.' })
  resolvedOnTime!: number;

  @Field(() => Float, { nullable: true, description: 'Median hours from report to resolution of the cases resolved in the period; null when none were.' })
  medianHoursToResolve!: number | null;

  @Field(() => Int, { description: 'Cases assigned to the organisation that were open at the end of the period (or now, if the period has not ended).' })
  openCases!: number;

  @Field(() => Int, { description: 'Of those, past their due date at that moment.' })
  overdueOpenCases!: number;

  @Field(() => Int, {
    description:
      'Cases nobody had been assigned at the end of the period, counted against the dispatching office: the organisation(s) holding the deepest jurisdiction over the case\'s area, who triage and assign it.',
  })
  unassignedCases!: number;

  @Field(() => Int, { description: 'Of those, past their due date at that moment.' })
  unassignedOverdueCases!: number;

  @Field(() => Int, { description: 'Cases first assigned in the period for which the organisation is the dispatching office (the sample of the median below).' })
  casesDispatched!: number;

  @Field(() => Float, { nullable: true, description: 'Median hours from report to first assignment of those cases; null when none.' })
  medianHoursToFirstDispatch!: number | null;

  @Field(() => Int, { description: "Resolutions recorded in the period on the organisation's cases (a case resolved twice counts twice); the sample of the reopen rate." })
  resolutions!: number;

  @Field(() => Int, { description: "Reopenings recorded in the period on the organisation's cases." })
  reopenings!: number;

  @Field(() => Float, { nullable: true, description: 'reopenings / resolutions; null when there were no resolutions.' })
  reopenRate!: number | null;

  @Field(() => Int, { description: 'Cases the on-time rate judges: resolved in the period + overdue open + overdue unassigned (the sample size of the ranking).' })
  casesJudged!: number;

  @Field(() => Float, {
    nullable: true,
    description: 'resolvedOnTime / casesJudged, 0 to 1: a case left open past its due date counts as late, whether assigned (against the responsible unit) or not (against the dispatching office). Null when no case is judged.',
  })
  onTimeRate!: number | null;

  @Field({ description: 'Whether casesJudged reaches the minimum; units below it are listed after the ranked ones, without a rank, so small samples do not skew the ranking.' })
  sufficientSample!: boolean;

  @Field(() => Int, { nullable: true, description: 'Position among units with a sufficient sample (by on-time rate, then median time to resolve, then cases judged); null for small samples.' })
  rank!: number | null;
}
