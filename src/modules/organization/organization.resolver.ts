import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Args, Ctx, FieldResolver, ID, Info, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { AppContext } from '../../shared/context';
import { Access, AccessLevel, canSeeApiClients, canSeeMembers, canSeeRelationship } from '../../shared/auth/policy';
import { Connection, ConnectionArgs, paginateArray, toConnection } from '../../shared/relay/connection';
import { filterId, idOf } from '../../shared/relay/global-id';
import { withUserErrors } from '../../shared/transaction';
import { Area } from '../area/area.entity';
import { areasById } from '../area/area.loaders';
import { ApiClient } from '../api-client/api-client.entity';
import { apiClientsByOrganizationId } from '../api-client/api-client.loaders';
import { Membership } from '../membership/membership.entity';
import { membershipsByOrganizationId } from '../membership/membership.loaders';
import { registerNodeType } from '../node/node.registry';
import { Relationship, RelationshipStatus } from '../relationship/relationship.entity';
import { relationshipsByOrganizationId } from '../relationship/relationship.loaders';
import { isActive } from '../relationship/relationship.service';
import { Organization, OrganizationJurisdiction, OrganizationKind } from './organization.entity';
import { grantJurisdiction, revokeJurisdiction } from './organization.jurisdiction';
import { JurisdictionGrantInput, JurisdictionPayload, JurisdictionRevokeInput, OrganizationCreateInput, OrganizationCreatePayload, OrganizationUpdateInput, OrganizationUpdatePayload } from './organization.inputs';
import { jurisdictionAreaIdsByOrganizationId, jurisdictionGrantsByOrganizationId, organizationsById } from './organization.loaders';
import { plannedPageKey, readOrganizationsPlanned } from './organization.read-plan';
import { planned } from '../../shared/read-plan/planned';
import type { Page } from '../../shared/relay/connection';
import { createOrganization, findOrganization, listOrganizations, updateOrganization } from './organization.service';

const ApiClientConnection = Connection(ApiClient);
const MembershipConnection = Connection(Membership);
const OrganizationConnection = Connection(Organization);
const RelationshipConnection = Connection(Relationship);

registerNodeType('Organization', (ctx, id) => findOrganization(ctx, id));

@Resolver(() => Organization)
export class OrganizationResolver {
  @Query(() => OrganizationConnection, { description: 'The organisation directory, by name. Open to every signed-in viewer.' })
  @Access(AccessLevel.SIGNED_IN)
  async organizations(
    @Ctx() ctx: AppContext,
    @Args() page: ConnectionArgs,
    @Arg('kinds', () => [OrganizationKind], { nullable: true, description: 'Only organisations of these kinds.' }) kinds?: OrganizationKind[],
    @Arg('withinAreaId', () => ID, { nullable: true, description: 'Only organisations based in this area or below it.' }) withinAreaId?: string,
    @Arg('search', () => String, { nullable: true, description: 'Only organisations whose name contains this text.' }) search?: string,
    @Arg('parentId', () => ID, { nullable: true, description: 'Only direct sub-units of this organisation.' }) parentId?: string,
    @Info() info?: GraphQLResolveInfo,
  ) {
    const filter = {
      kinds,
      search,
      withinAreaId: filterId(withinAreaId, 'Area'),
      parentId: filterId(parentId, 'Organization'),
    };
    return toConnection((info && (await readOrganizationsPlanned(ctx, filter, page, info))) || (await listOrganizations(ctx, filter, page)));
  }

  @Query(() => Organization, { nullable: true, description: 'One organisation; null when the id is unknown.' })
  @Access(AccessLevel.SIGNED_IN)
  organization(@Ctx() ctx: AppContext, @Arg('id', () => ID, { description: 'Global id.' }) id: string) {
    return findOrganization(ctx, idOf(id, 'Organization'));
  }

  @Mutation(() => OrganizationCreatePayload, { description: 'Registers an organisation. Platform admins, or ADMINs of the parent organisation (who then become ADMINs of the new one).' })
  @Access(AccessLevel.WRITE)
  organizationCreate(@Ctx() ctx: AppContext, @Arg('input', { description: 'The new organisation.' }) input: OrganizationCreateInput) {
    return withUserErrors<OrganizationCreatePayload>(() => createOrganization(ctx, input));
  }

  @Mutation(() => OrganizationUpdatePayload, { description: "Changes an organisation. Its ADMINs and platform admins." })
  @Access(AccessLevel.WRITE)
  organizationUpdate(@Ctx() ctx: AppContext, @Arg('input', { description: 'What to change.' }) input: OrganizationUpdateInput) {
    return withUserErrors<OrganizationUpdatePayload>(() => updateOrganization(ctx, input));
  }

  @Mutation(() => JurisdictionPayload, {
    description:
      "Delegates an area to a child organisation. An ADMIN of the parent organisation, for an area within the parent's own jurisdiction; or a platform admin, for any area and organisation. Dated, audited and pushed on networkChanges (jurisdiction.granted).",
  })
  @Access(AccessLevel.WRITE)
  jurisdictionGrant(@Ctx() ctx: AppContext, @Arg('input', { description: 'Which area, to which organisation.' }) input: JurisdictionGrantInput) {
    return withUserErrors<JurisdictionPayload>(() => grantJurisdiction(ctx, input));
  }

  @Mutation(() => JurisdictionPayload, {
    description:
      "Takes an area back. An ADMIN of the organisation that granted it, an ADMIN of the holder (giving it up), or a platform admin. What the holder delegated from it goes too. Audited and pushed on networkChanges (jurisdiction.revoked).",
  })
  @Access(AccessLevel.WRITE)
  jurisdictionRevoke(@Ctx() ctx: AppContext, @Arg('input', { description: 'Which area, from which organisation.' }) input: JurisdictionRevokeInput) {
    return withUserErrors<JurisdictionPayload>(() => revokeJurisdiction(ctx, input));
  }

  @FieldResolver(() => [OrganizationJurisdiction], { description: 'The grants behind `jurisdiction`: each area with who granted it and when.' })
  jurisdictionGrants(@Root() organization: Organization, @Ctx() ctx: AppContext) {
    return jurisdictionGrantsByOrganizationId(ctx).load(organization.id);
  }

  @FieldResolver(() => Area, { description: 'Where the organisation is based.' })
  homeArea(@Root() organization: Organization, @Ctx() ctx: AppContext) {
    return planned<Area>(ctx, 'Area', organization.homeAreaId) ?? areasById(ctx).load(organization.homeAreaId);
  }

  @FieldResolver(() => Organization, { nullable: true, description: 'The organisation this one is a unit of.' })
  parent(@Root() organization: Organization, @Ctx() ctx: AppContext) {
    if (!organization.parentId) return null;
    return planned<Organization>(ctx, 'Organization', organization.parentId) ?? organizationsById(ctx).load(organization.parentId);
  }

  @FieldResolver(() => [Area], { description: 'Areas the organisation is responsible for; the subtree of each counts.' })
  async jurisdiction(@Root() organization: Organization, @Ctx() ctx: AppContext) {
    const ids = await jurisdictionAreaIdsByOrganizationId(ctx).load(organization.id);
    return (await areasById(ctx).loadMany(ids)).filter((a): a is Area => a instanceof Area);
  }

  @FieldResolver(() => MembershipConnection, { nullable: true, description: 'Members, oldest first; null unless you are a member or a platform admin.' })
  members(@Root() organization: Organization, @Ctx() ctx: AppContext, @Args() page: ConnectionArgs) {
    if (!canSeeMembers(ctx.viewer, organization.id)) return null;
    const kept = planned<Page<Membership>>(ctx, 'Organization.members', plannedPageKey(organization.id, page));
    return kept ? toConnection(kept) : membershipsByOrganizationId(ctx, organization.id, page).then(toConnection);
  }

  @FieldResolver(() => RelationshipConnection, { description: 'Relations from or to this organisation, oldest first.' })
  async relationships(
    @Root() organization: Organization,
    @Ctx() ctx: AppContext,
    @Args() page: ConnectionArgs,
    @Arg('includeEnded', () => Boolean, { defaultValue: false, description: 'Also list relations that no longer hold (and, for the two ends, declined proposals).' }) includeEnded: boolean,
    @Arg('includeProposed', () => Boolean, { defaultValue: false, description: 'Also list proposals awaiting an answer; shown only to members of the two ends and platform admins.' }) includeProposed: boolean,
  ) {
    const all = (await relationshipsByOrganizationId(ctx).load(organization.id)).filter((r) => canSeeRelationship(ctx.viewer, r));
    const listed = all.filter((r) => isActive(r) || (includeProposed && r.status === RelationshipStatus.PROPOSED) || (includeEnded && r.status !== RelationshipStatus.PROPOSED));
    return toConnection(paginateArray(listed, page, (r) => r.id));
  }

  @FieldResolver(() => ApiClientConnection, { nullable: true, description: "The organisation's API clients; null unless you are its ADMIN or a platform admin." })
  async apiClients(@Root() organization: Organization, @Ctx() ctx: AppContext, @Args() page: ConnectionArgs) {
    if (!canSeeApiClients(ctx.viewer, organization.id)) return null;
    return toConnection(await apiClientsByOrganizationId(ctx, organization.id, page));
  }
}

@Resolver(() => OrganizationJurisdiction)
export class JurisdictionGrantResolver {
  @FieldResolver(() => Area, { description: 'The area; its subtree counts too.' })
  area(@Root() grant: OrganizationJurisdiction, @Ctx() ctx: AppContext) {
    return areasById(ctx).load(grant.areaId);
  }

  @FieldResolver(() => Organization, { nullable: true, description: 'The organisation that delegated the area; null when a platform admin granted it.' })
  grantedBy(@Root() grant: OrganizationJurisdiction, @Ctx() ctx: AppContext) {
    return grant.grantedByOrganizationId ? organizationsById(ctx).load(grant.grantedByOrganizationId) : null;
  }
}
