import { Arg, Args, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { AppContext } from '../../shared/context';
import { Access, AccessLevel } from '../../shared/auth/policy';
import { badUserInput } from '../../shared/errors';
import { Connection, ConnectionArgs, paginateArray, toConnection } from '../../shared/relay/connection';
import { idOf } from '../../shared/relay/global-id';
import { withUserErrors } from '../../shared/transaction';
import { registerNodeType } from '../node/node.registry';
import { Organization } from '../organization/organization.entity';
import { organizationsById } from '../organization/organization.loaders';
import { Relationship, RelationshipType } from './relationship.entity';
import { Network, RelationshipAnswerInput, RelationshipCreateInput, RelationshipEndInput, RelationshipPayload } from './relationship.inputs';
import { relationshipsById } from './relationship.loaders';
import { MAX_NETWORK_DEPTH, answerRelationship, createRelationship, endRelationship, findRelationship, isActive, walkNetwork } from './relationship.service';

const OrganizationConnection = Connection(Organization);
const RelationshipConnection = Connection(Relationship);

registerNodeType('Relationship', findRelationship);

@Resolver(() => Relationship)
export class RelationshipResolver {
  @Mutation(() => RelationshipPayload, {
    description:
      "Proposes a relation between two organisations: an ADMIN of either one. It is PROPOSED, and gives nothing, until an ADMIN of the other end accepts (`relationshipAccept`). A platform admin, or an ADMIN of both ends, records it ACCEPTED at once.",
  })
  @Access(AccessLevel.WRITE)
  relationshipCreate(@Ctx() ctx: AppContext, @Arg('input', { description: 'The relation.' }) input: RelationshipCreateInput) {
    return withUserErrors<RelationshipPayload>(() => createRelationship(ctx, input));
  }

  @Mutation(() => RelationshipPayload, { description: 'Accepts a PROPOSED relation: an ADMIN of the end that did not propose it, or a platform admin. It is then in force from its start date.' })
  @Access(AccessLevel.WRITE)
  relationshipAccept(@Ctx() ctx: AppContext, @Arg('input', { description: 'The proposal.' }) input: RelationshipAnswerInput) {
    return withUserErrors<RelationshipPayload>(() => answerRelationship(ctx, input, true));
  }

  @Mutation(() => RelationshipPayload, { description: "Declines a PROPOSED relation: an ADMIN of the other end, or a platform admin; the proposer's ADMIN may withdraw it the same way. Final." })
  @Access(AccessLevel.WRITE)
  relationshipDecline(@Ctx() ctx: AppContext, @Arg('input', { description: 'The proposal.' }) input: RelationshipAnswerInput) {
    return withUserErrors<RelationshipPayload>(() => answerRelationship(ctx, input, false));
  }

  @Mutation(() => RelationshipPayload, { description: 'Ends a relation; it stays on record with its end date. ADMINs of either organisation.' })
  @Access(AccessLevel.WRITE)
  relationshipEnd(@Ctx() ctx: AppContext, @Arg('input', { description: 'Which relation ends, and when.' }) input: RelationshipEndInput) {
    return withUserErrors<RelationshipPayload>(() => endRelationship(ctx, input));
  }

  @Query(() => Network, { nullable: true, description: 'Organisations and relations in force reachable from one organisation; null when the organisation is unknown.' })
  @Access(AccessLevel.SIGNED_IN)
  network(
    @Ctx() ctx: AppContext,
    @Arg('organizationId', () => ID, { description: 'Where to start.' }) organizationId: string,
    @Arg('depth', () => Int, { defaultValue: 2, description: `How many relations deep to walk, 1 to ${MAX_NETWORK_DEPTH}.` }) depth: number,
    @Arg('types', () => [RelationshipType], { nullable: true, description: 'Only walk relations of these types; default all.' }) types?: RelationshipType[],
  ) {
    if (!Number.isInteger(depth) || depth < 1 || depth > MAX_NETWORK_DEPTH) throw badUserInput(`depth must be between 1 and ${MAX_NETWORK_DEPTH}`);
    const id = idOf(organizationId, 'Organization');
    return id ? walkNetwork(ctx, id, depth, types ?? null) : null;
  }

  @FieldResolver(() => Organization, { description: 'Where the relation starts.' })
  from(@Root() relationship: Relationship, @Ctx() ctx: AppContext) {
    return organizationsById(ctx).load(relationship.fromOrganizationId);
  }

  @FieldResolver(() => Organization, { description: 'Where the relation points.' })
  to(@Root() relationship: Relationship, @Ctx() ctx: AppContext) {
    return organizationsById(ctx).load(relationship.toOrganizationId);
  }

  @FieldResolver(() => Organization, { nullable: true, description: 'The end whose ADMIN proposed the relation; null when it was recorded in force at once.' })
  proposedBy(@Root() relationship: Relationship, @Ctx() ctx: AppContext) {
    return relationship.proposedByOrganizationId ? organizationsById(ctx).load(relationship.proposedByOrganizationId) : null;
  }

  @FieldResolver(() => Boolean, { description: 'Whether the relation holds today: ACCEPTED and within its dates.' })
  active(@Root() relationship: Relationship) {
    return isActive(relationship);
  }
}

@Resolver(() => Network)
export class NetworkResolver {
  @FieldResolver(() => OrganizationConnection, { description: 'Reached organisations, nearest first, the root included.' })
  async organizations(@Root() network: Network, @Ctx() ctx: AppContext, @Args() page: ConnectionArgs) {
    const slice = paginateArray(network.organizationIds, page, (id) => id);
    const items = (await organizationsById(ctx).loadMany(slice.items)).filter((o): o is Organization => o instanceof Organization);
    return toConnection({ ...slice, items });
  }

  @FieldResolver(() => RelationshipConnection, { description: 'Relations in force between reached organisations.' })
  async relationships(@Root() network: Network, @Ctx() ctx: AppContext, @Args() page: ConnectionArgs) {
    const slice = paginateArray(network.relationshipIds, page, (id) => id);
    const items = (await relationshipsById(ctx).loadMany(slice.items)).filter((r): r is Relationship => r instanceof Relationship);
    return toConnection({ ...slice, items });
  }
}
