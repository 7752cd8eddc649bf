import { Arg, Ctx, ID, Query, Resolver } from 'type-graphql';
import type { AppContext } from '../../shared/context';
import { Access, AccessLevel } from '../../shared/auth/policy';
import { badUserInput } from '../../shared/errors';
import { fromGlobalId } from '../../shared/relay/global-id';
import { Node } from './node.type';
import { nodeFetcher } from './node.registry';

async function fetchNode(ctx: AppContext, globalId: string): Promise<object | null> {
  const parsed = fromGlobalId(globalId);
  const fetcher = parsed && nodeFetcher(parsed.type);
  return fetcher ? fetcher(ctx, parsed.id) : null;
}

@Resolver()
export class NodeResolver {
  @Query(() => Node, { nullable: true, description: 'Any object by global id; null when unknown or not visible to the viewer (the two look alike).' })
  @Access(AccessLevel.SIGNED_IN)
  node(@Ctx() ctx: AppContext, @Arg('id', () => ID, { description: 'Global id.' }) id: string) {
    return fetchNode(ctx, id);
  }

  @Query(() => [Node], { nullable: 'items', description: 'Several objects by global id, in the order asked; null for each unknown or invisible one.' })
  @Access(AccessLevel.SIGNED_IN)
  nodes(@Ctx() ctx: AppContext, @Arg('ids', () => [ID], { description: 'Global ids (at most 100).' }) ids: string[]) {
    if (ids.length > 100) throw badUserInput('nodes takes at most 100 ids');
    return Promise.all(ids.map((id) => fetchNode(ctx, id)));
  }
}
