import { Arg, Ctx, FieldResolver, Mutation, Resolver, Root } from 'type-graphql';
import type { AppContext } from '../../shared/context';
import { Access, AccessLevel } from '../../shared/auth/policy';
import { withUserErrors } from '../../shared/transaction';
import { registerNodeType } from '../node/node.registry';
import { planned, plannedPart } from '../../shared/read-plan/planned';
import { Organization } from '../organization/organization.entity';
import { organizationsById } from '../organization/organization.loaders';
import { User } from '../user/user.entity';
import { usersById } from '../user/user.loaders';
import { Membership } from './membership.entity';
import { MembershipAddInput, MembershipAddPayload, MembershipRemoveInput, MembershipRemovePayload } from './membership.inputs';
import { addMembership, findMembership, removeMembership } from './membership.service';

registerNodeType('Membership', findMembership);

@Resolver(() => Membership)
export class MembershipResolver {
  @Mutation(() => MembershipAddPayload, { description: "Adds a user to an organisation with a role. The organisation's ADMINs and platform admins only." })
  @Access(AccessLevel.WRITE)
  membershipAdd(@Ctx() ctx: AppContext, @Arg('input', { description: 'Who joins which organisation.' }) input: MembershipAddInput) {
    return withUserErrors<MembershipAddPayload>(() => addMembership(ctx, input));
  }

  @Mutation(() => MembershipRemovePayload, { description: "Ends a membership; the user loses the organisation's access at once. The last ADMIN cannot be removed." })
  @Access(AccessLevel.WRITE)
  membershipRemove(@Ctx() ctx: AppContext, @Arg('input', { description: 'The membership to end.' }) input: MembershipRemoveInput) {
    return withUserErrors<MembershipRemovePayload>(() => removeMembership(ctx, input));
  }

  @FieldResolver(() => User, { description: 'The member.' })
  user(@Root() membership: Membership, @Ctx() ctx: AppContext) {
    return plannedPart<User>(membership, 'user') ?? planned<User>(ctx, 'User', membership.userId) ?? usersById(ctx).load(membership.userId);
  }

  @FieldResolver(() => Organization, { description: 'The organisation.' })
  organization(@Root() membership: Membership, @Ctx() ctx: AppContext) {
    return planned<Organization>(ctx, 'Organization', membership.organizationId) ?? organizationsById(ctx).load(membership.organizationId);
  }
}
