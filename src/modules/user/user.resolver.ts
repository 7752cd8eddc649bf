import { Arg, Args, Ctx, FieldResolver, Mutation, Resolver, Root } from 'type-graphql';
import type { AppContext } from '../../shared/context';
import { Access, AccessLevel } from '../../shared/auth/policy';
import { Connection, ConnectionArgs, paginateArray, toConnection } from '../../shared/relay/connection';
import { withUserErrors } from '../../shared/transaction';
import { Membership } from '../membership/membership.entity';
import { registerNodeType } from '../node/node.registry';
import { User } from './user.entity';
import { UserCreateInput, UserCreatePayload } from './user.inputs';
import { createUser, findUser, userEmail, visibleMemberships } from './user.service';

const MembershipConnection = Connection(Membership);

registerNodeType('User', findUser);

@Resolver(() => User)
export class UserResolver {
  @Mutation(() => UserCreatePayload, { description: 'Creates an account. Platform administrators only.' })
  @Access(AccessLevel.PLATFORM_ADMIN)
  userCreate(@Ctx() ctx: AppContext, @Arg('input', { description: 'The new account.' }) input: UserCreateInput) {
    return withUserErrors<UserCreatePayload>(() => createUser(ctx, input));
  }

  @FieldResolver(() => String, { nullable: true, description: "E-mail address; null unless you are the user, a platform admin, or an ADMIN of one of the user's organisations." })
  email(@Root() user: User, @Ctx() ctx: AppContext) {
    return userEmail(ctx, user);
  }

  @FieldResolver(() => MembershipConnection, { description: "The user's memberships that you may see: all of your own; others' only in organisations you belong to." })
  async memberships(@Root() user: User, @Ctx() ctx: AppContext, @Args() page: ConnectionArgs) {
    return toConnection(paginateArray(await visibleMemberships(ctx, user), page, (m) => m.id));
  }
}
