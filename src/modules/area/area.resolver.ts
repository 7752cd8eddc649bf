import { Arg, Args, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { AppContext } from '../../shared/context';
import { Access, AccessLevel } from '../../shared/auth/policy';
import { Connection, ConnectionArgs, toConnection } from '../../shared/relay/connection';
import { filterId, idOf } from '../../shared/relay/global-id';
import { withUserErrors } from '../../shared/transaction';
import { Area, AreaKind } from './area.entity';
import { AreaCreateInput, AreaCreatePayload, AreaUpdateInput, AreaUpdatePayload } from './area.inputs';
import { areaChildrenByParentId, areasById } from './area.loaders';
import { createArea, findArea, listAreas, pathIds, updateArea } from './area.service';
import { registerNodeType } from '../node/node.registry';
import { planned } from '../../shared/read-plan/planned';

const AreaConnection = Connection(Area);

// Areas implemented Node but node(id:) did not know them; every signed-in viewer sees every area.
registerNodeType('Area', (ctx, id) => findArea(ctx, id));

@Resolver(() => Area)
export class AreaResolver {
  @Query(() => AreaConnection, { description: 'Areas, by name. Without filters: every area.' })
  @Access(AccessLevel.SIGNED_IN)
  async areas(
    @Ctx() ctx: AppContext,
    @Args() page: ConnectionArgs,
    @Arg('parentId', () => ID, { nullable: true, description: 'Only the direct children of this area.' }) parentId?: string,
    @Arg('withinAreaId', () => ID, { nullable: true, description: 'Only this area and everything below it.' }) withinAreaId?: string,
    @Arg('kind', () => AreaKind, { nullable: true, description: 'Only areas of this level.' }) kind?: AreaKind,
    @Arg('search', () => String, { nullable: true, description: 'Only areas whose name contains this text.' }) search?: string,
    @Arg('rootsOnly', () => Boolean, { nullable: true, description: 'Only areas without a parent.' }) rootsOnly?: boolean,
  ) {
    return toConnection(
      await listAreas(
        ctx,
        {
          parentId: filterId(parentId, 'Area'),
          withinAreaId: filterId(withinAreaId, 'Area'),
          kind,
          search,
          rootsOnly,
        },
        page,
      ),
    );
  }

  @Query(() => Area, { nullable: true, description: 'One area; null when the id is unknown.' })
  @Access(AccessLevel.SIGNED_IN)
  area(@Ctx() ctx: AppContext, @Arg('id', () => ID, { description: 'Global id of the area.' }) id: string) {
    return findArea(ctx, idOf(id, 'Area'));
  }

  @Mutation(() => AreaCreatePayload, { description: 'Adds an area to the tree. Platform administrators only.' })
  @Access(AccessLevel.PLATFORM_ADMIN)
  areaCreate(@Ctx() ctx: AppContext, @Arg('input', { description: 'The new area.' }) input: AreaCreateInput) {
    return withUserErrors<AreaCreatePayload>(() => createArea(ctx, input));
  }

  @Mutation(() => AreaUpdatePayload, { description: 'Renames or moves an area (with its subtree). Platform administrators only.' })
  @Access(AccessLevel.PLATFORM_ADMIN)
  areaUpdate(@Ctx() ctx: AppContext, @Arg('input', { description: 'What to change.' }) input: AreaUpdateInput) {
    return withUserErrors<AreaUpdatePayload>(() => updateArea(ctx, input));
  }

  @FieldResolver(() => Area, { nullable: true, description: 'The enclosing area; null for a root.' })
  parent(@Root() area: Area, @Ctx() ctx: AppContext) {
    if (!area.parentId) return null;
    return planned<Area>(ctx, 'Area', area.parentId) ?? areasById(ctx).load(area.parentId);
  }

  @FieldResolver(() => [Area], { description: 'Enclosing areas from the root down, without this one.' })
  async ancestors(@Root() area: Area, @Ctx() ctx: AppContext) {
    const ids = pathIds(area).slice(0, -1);
    return (await areasById(ctx).loadMany(ids)).filter((a): a is Area => a instanceof Area);
  }

  @FieldResolver(() => AreaConnection, { description: 'Direct children, by name.' })
  async children(@Root() area: Area, @Ctx() ctx: AppContext, @Args() page: ConnectionArgs) {
    return toConnection(await areaChildrenByParentId(ctx, area.id, page));
  }
}
