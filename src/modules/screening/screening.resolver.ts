import { LocalDateResolver } from 'graphql-scalars';
import { Arg, Args, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { AppContext } from '../../shared/context';
import { Access, AccessLevel } from '../../shared/auth/policy';
import { Connection, ConnectionArgs, toConnection } from '../../shared/relay/connection';
import { idOf } from '../../shared/relay/global-id';
import { withUserErrors } from '../../shared/transaction';
import { Area } from '../area/area.entity';
import { areasById } from '../area/area.loaders';
import { Case, isMajorDispute } from '../case/case.entity';
import { findCase } from '../case/case.service';
import { registerNodeType } from '../node/node.registry';
import { Organization } from '../organization/organization.entity';
import { organizationsById } from '../organization/organization.loaders';
import { ScreeningRound, ScreeningSpecialPeriod } from './screening.entity';
import { ScreeningRoundPayload, ScreeningRoundRecordInput, ScreeningSlot, ScreeningSpecialPeriodDeclareInput, ScreeningSpecialPeriodPayload } from './screening.inputs';
import { caseIdsByScreeningRoundId } from './screening.loaders';
import { declareSpecialPeriod, findRound, findSpecialPeriod, listRounds, listSpecialPeriods, recordRound } from './screening.service';

const ScreeningRoundConnection = Connection(ScreeningRound);
const ScreeningSpecialPeriodConnection = Connection(ScreeningSpecialPeriod);

registerNodeType('ScreeningRound', (ctx, id) => findRound(ctx, id));
registerNodeType('ScreeningSpecialPeriod', (ctx, id) => findSpecialPeriod(ctx, id));

async function visibleCases(ctx: AppContext, round: ScreeningRound): Promise<Case[]> {
  const ids = await caseIdsByScreeningRoundId(ctx).load(round.id);
  return (await Promise.all(ids.map((id) => findCase(ctx, id)))).filter((c): c is Case => c !== null);
}

@Resolver(() => ScreeningRound)
export class ScreeningRoundResolver {
  @Query(() => ScreeningRoundConnection, {
    nullable: true,
    description: 'Dispute screening returns (矛盾糾紛排查) of the communities in an area subtree whose period overlaps [from, to], newest period first. Members of organisations whose jurisdiction covers the area, and platform admins; null otherwise. Missing returns are on `jurisdictionDashboard.screening`.',
  })
  @Access(AccessLevel.SIGNED_IN)
  async screeningRounds(
    @Ctx() ctx: AppContext,
    @Args() page: ConnectionArgs,
    @Arg('areaId', () => ID, { description: 'The area; its subtree counts.' }) areaId: string,
    @Arg('from', () => LocalDateResolver, { description: 'First day (China Standard Time).' }) from: string,
    @Arg('to', () => LocalDateResolver, { description: 'Last day, inclusive (at most 366 days after from).' }) to: string,
  ) {
    const result = await listRounds(ctx, idOf(areaId, 'Area'), String(from), String(to), page);
    return result ? toConnection(result) : null;
  }

  @Mutation(() => ScreeningRoundPayload, {
    description:
      'Files the screening return of one community for one week (每周一排查), or for one day of a special period: the DISPUTE cases found, or a nil return (零報告). One return per community and period. Members (not OBSERVERs) of an organisation whose jurisdiction covers the community.',
  })
  @Access(AccessLevel.WRITE)
  screeningRoundRecord(@Ctx() ctx: AppContext, @Arg('input', { description: 'The return.' }) input: ScreeningRoundRecordInput) {
    return withUserErrors<ScreeningRoundPayload>(() => recordRound(ctx, input));
  }

  @FieldResolver(() => Area, { description: 'The community screened.' })
  area(@Root() round: ScreeningRound, @Ctx() ctx: AppContext) {
    return areasById(ctx).load(round.areaId);
  }

  @FieldResolver(() => Organization, { description: 'The organisation that screened and filed the return.' })
  screenedBy(@Root() round: ScreeningRound, @Ctx() ctx: AppContext) {
    return organizationsById(ctx).load(round.screenedByOrganizationId);
  }

  @FieldResolver(() => [Case], { description: 'The disputes found, as far as the viewer may see them; empty for a nil return.' })
  disputesFound(@Root() round: ScreeningRound, @Ctx() ctx: AppContext) {
    return visibleCases(ctx, round);
  }

  @FieldResolver(() => Int, {
    description:
      'Major disputes found (HIGH or CRITICAL) that still lack a responsible unit, leader or handler: 五個一 and 三個不放過 ask that each has all three (定單位、定領導、定責任人). Counted over the cases the viewer may see.',
  })
  async majorDisputesWithoutResponsible(@Root() round: ScreeningRound, @Ctx() ctx: AppContext) {
    return (await visibleCases(ctx, round)).filter((c) => isMajorDispute(c.category, c.severity) && !(c.responsibleOrganizationId && c.leaderUserId && c.handlerUserId)).length;
  }
}

@Resolver(() => ScreeningSpecialPeriod)
export class ScreeningSpecialPeriodResolver {
  @Query(() => ScreeningSpecialPeriodConnection, {
    nullable: true,
    description: 'Special periods that apply to the area (declared for it or an area above it) or to part of its subtree, newest first. Same access as `screeningRounds`; null otherwise.',
  })
  @Access(AccessLevel.SIGNED_IN)
  async screeningSpecialPeriods(@Ctx() ctx: AppContext, @Args() page: ConnectionArgs, @Arg('areaId', () => ID, { description: 'The area.' }) areaId: string) {
    const result = await listSpecialPeriods(ctx, idOf(areaId, 'Area'), page);
    return result ? toConnection(result) : null;
  }

  @Mutation(() => ScreeningSpecialPeriodPayload, {
    description:
      'Declares a special period (重大節假日、社會敏感時期、特別防護期) for an area: every community in its subtree then owes a DAILY return for each of its days, on top of the weekly one. Members (not OBSERVERs) of an organisation whose jurisdiction covers the area.',
  })
  @Access(AccessLevel.WRITE)
  screeningSpecialPeriodDeclare(@Ctx() ctx: AppContext, @Arg('input', { description: 'The period.' }) input: ScreeningSpecialPeriodDeclareInput) {
    return withUserErrors<ScreeningSpecialPeriodPayload>(() => declareSpecialPeriod(ctx, input));
  }

  @FieldResolver(() => Area, { description: 'The area whose communities screen daily.' })
  area(@Root() period: ScreeningSpecialPeriod, @Ctx() ctx: AppContext) {
    return areasById(ctx).load(period.areaId);
  }

  @FieldResolver(() => Organization, { description: 'The organisation that declared it.' })
  declaredBy(@Root() period: ScreeningSpecialPeriod, @Ctx() ctx: AppContext) {
    return organizationsById(ctx).load(period.declaredByOrganizationId);
  }
}

@Resolver(() => ScreeningSlot)
export class ScreeningSlotResolver {
  @FieldResolver(() => Area, { description: 'The community that owes the return.' })
  area(@Root() slot: ScreeningSlot, @Ctx() ctx: AppContext) {
    return areasById(ctx).load(slot.areaId);
  }
}
