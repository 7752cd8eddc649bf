import { Arg, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import type { AppContext } from '../../shared/context';
import { Access, AccessLevel } from '../../shared/auth/policy';
import { idOf } from '../../shared/relay/global-id';
import { withUserErrors } from '../../shared/transaction';
import { areasById } from '../area/area.loaders';
import { cachedBoard } from './public.board';
import { PublicArea, PublicBoard, PublicationPayload, PublicationPublishInput, PublicationWithdrawInput } from './public.entity';
import { listPublicAreas, publish, withdraw } from './public.service';
import { publicGate } from './public.throttle';

@Resolver()
export class PublicBoardResolver {
  @Query(() => PublicBoard, {
    nullable: true,
    description:
      "The public board of an area (村務公開、財務公開), for residents and anyone signed out: published supervised cases, published fund statements, upcoming published legal-education activities and published contracts' service-level results, in the area's subtree. Nothing else, and no names or phones. Rate-limited per client address (RATE_LIMITED, HTTP 429); cached for up to 30 seconds. Null for an unknown area.",
  })
  @Access(AccessLevel.PUBLIC)
  async publicBoard(@Ctx() ctx: AppContext, @Arg('areaId', () => ID, { description: 'Global id of the area (see publicAreas).' }) areaId: string) {
    await publicGate(ctx);
    const id = idOf(areaId, 'Area');
    const area = id ? await areasById(ctx).load(id) : null;
    return area ? cachedBoard(ctx, area) : null;
  }

  @Query(() => [PublicArea], { description: 'Areas for the public board: the top-level areas, or the children of one, by name. Rate-limited like publicBoard.' })
  @Access(AccessLevel.PUBLIC)
  async publicAreas(@Ctx() ctx: AppContext, @Arg('parentId', () => ID, { nullable: true, description: 'The parent; the top-level areas when left out.' }) parentId?: string) {
    await publicGate(ctx);
    return listPublicAreas(ctx, parentId);
  }

  @Mutation(() => PublicationPayload, {
    description:
      'Puts a record on the public board: a case under public supervision (ADMINs, COORDINATORs, LIAISON_OFFICERs of the supervising organisation or of one whose jurisdiction covers it), a planned legal-education activity still to come (the same roles of its organiser), or a signed contract\'s service-level results (an ADMIN of a client). Audited.',
  })
  @Access(AccessLevel.WRITE)
  publicationPublish(@Ctx() ctx: AppContext, @Arg('input', { description: 'The record and its public wording.' }) input: PublicationPublishInput) {
    return withUserErrors<PublicationPayload>(() => publish(ctx, input));
  }

  @Mutation(() => PublicationPayload, { description: 'Takes a record off the public board, with a reason kept in the audit trail. Whoever may publish it, the organisation that published it, or a platform admin.' })
  @Access(AccessLevel.WRITE)
  publicationWithdraw(@Ctx() ctx: AppContext, @Arg('input', { description: 'The record and why.' }) input: PublicationWithdrawInput) {
    return withUserErrors<PublicationPayload>(() => withdraw(ctx, input));
  }
}

export const publicResolvers = [PublicBoardResolver] as const;
