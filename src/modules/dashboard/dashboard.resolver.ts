import { LocalDateResolver } from 'graphql-scalars';
import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Args, Ctx, FieldResolver, ID, Info, Int, Query, Resolver, Root } from 'type-graphql';
import type { AppContext } from '../../shared/context';
import { Access, AccessLevel } from '../../shared/auth/policy';
import { Connection, ConnectionArgs, toConnection } from '../../shared/relay/connection';
import { idOf } from '../../shared/relay/global-id';
import { Area } from '../area/area.entity';
import { areasById } from '../area/area.loaders';
import { Organization } from '../organization/organization.entity';
import { organizationsById } from '../organization/organization.loaders';
import { selectionOf } from './dashboard.figures';
import { jurisdictionDashboard, unitPerformance } from './dashboard.service';
import { JurisdictionDashboard, UnitPerformance } from './dashboard.types';

const UnitPerformanceConnection = Connection(UnitPerformance);

@Resolver(() => JurisdictionDashboard)
export class DashboardResolver {
  @Query(() => JurisdictionDashboard, {
    nullable: true,
    description: 'The police-community liaison dashboard of an area subtree in one query: cases, patrols, meetings, contracts. Members of organisations whose jurisdiction covers the area, and platform admins; null for anyone else and for an unknown area.',
  })
  @Access(AccessLevel.SIGNED_IN)
  jurisdictionDashboard(@Ctx() ctx: AppContext, @Info() info: GraphQLResolveInfo, @Arg('areaId', () => ID, { description: 'The area; its subtree counts.' }) areaId: string) {
    // Only the figures the operation selects are computed.
    return jurisdictionDashboard(ctx, idOf(areaId, 'Area'), selectionOf(info));
  }

  @Query(() => UnitPerformanceConnection, {
    nullable: true,
    description:
      'Per organisation, for the cases of the area subtree: as responsible unit, cases resolved in the period (on time or not), open and overdue at its end, and the reopen rate; as dispatching office, unassigned and overdue cases and time to first dispatch. The on-time rate counts overdue open and unassigned cases as late; each figure carries its sample size, and units judged on fewer cases than the minimum come last, unranked. Same access as the dashboard; null otherwise.',
  })
  @Access(AccessLevel.SIGNED_IN)
  async unitPerformance(
    @Ctx() ctx: AppContext,
    @Args() page: ConnectionArgs,
    @Arg('areaId', () => ID, { description: 'The area; its subtree counts.' }) areaId: string,
    @Arg('from', () => LocalDateResolver, { description: 'First day of the period (China Standard Time).' }) from: string,
    @Arg('to', () => LocalDateResolver, { description: 'Last day of the period, inclusive (at most two years after from).' }) to: string,
    @Arg('minimumSample', () => Int, { defaultValue: 5, description: 'Cases a unit must be judged on (casesJudged) to be ranked (1-1000).' }) minimumSample: number,
  ) {
    const result = await unitPerformance(ctx, { areaId: idOf(areaId, 'Area'), from, to, minimumSample }, page);
    return result ? toConnection(result) : null;
  }

  @FieldResolver(() => Area, { description: 'The area of the jurisdiction.' })
  area(@Root() dashboard: JurisdictionDashboard, @Ctx() ctx: AppContext) {
    // Read with the visibility check; the loader only for a dashboard built without it.
    return dashboard.area ?? areasById(ctx).load(dashboard.areaId);
  }
}

@Resolver(() => UnitPerformance)
export class UnitPerformanceResolver {
  @FieldResolver(() => Organization, { description: 'The responsible organisation.' })
  organization(@Root() unit: UnitPerformance, @Ctx() ctx: AppContext) {
    return organizationsById(ctx).load(unit.organizationId);
  }
}
