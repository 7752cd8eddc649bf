import { Field, ID, InputType, ObjectType } from 'type-graphql';
import { UserError } from '../../shared/errors';
import { MemberRole } from '../../shared/auth/roles';
import { Membership } from './membership.entity';

@InputType({ description: 'Adds a user to an organisation.' })
export class MembershipAddInput {
  @Field(() => ID, { description: 'The organisation.' })
  organizationId!: string;

  @Field(() => ID, { description: 'The user to add.' })
  userId!: string;

  @Field(() => MemberRole, { description: 'Role in the organisation.' })
  role!: MemberRole;
}

@InputType({ description: 'Removes a membership.' })
export class MembershipRemoveInput {
  @Field(() => ID, { description: 'The membership to end.' })
  membershipId!: string;
}

@ObjectType({ description: 'Result of `membershipAdd`.' })
export class MembershipAddPayload {
  @Field(() => Membership, { nullable: true, description: 'The new membership; null when refused.' })
  membership?: Membership | null;

  @Field(() => [UserError], { description: 'Why the input was refused; empty on success.' })
  userErrors!: UserError[];
}

@ObjectType({ description: 'Result of `membershipRemove`.' })
export class MembershipRemovePayload {
  @Field(() => ID, { nullable: true, description: 'Global id of the removed membership; null when refused.' })
  removedMembershipId?: string | null;

  @Field(() => [UserError], { description: 'Why the input was refused; empty on success.' })
  userErrors!: UserError[];
}
