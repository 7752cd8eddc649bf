import { Field, InputType, ObjectType } from 'type-graphql';
import { UserError } from '../../shared/errors';
import { User } from './user.entity';

@InputType({ description: 'A new account.' })
export class UserCreateInput {
  @Field({ description: 'E-mail address used to sign in; unique, case-insensitive.' })
  email!: string;

  @Field({ description: 'Name shown to others (1-100 characters).' })
  displayName!: string;

  @Field({ description: 'Initial password, 10 to 200 characters.' })
  password!: string;

  @Field(() => Boolean, { nullable: true, description: 'Make the user a platform administrator.' })
  isPlatformAdmin?: boolean | null;
}

@ObjectType({ description: 'Result of `userCreate`.' })
export class UserCreatePayload {
  @Field(() => User, { nullable: true, description: 'The new user; null when refused.' })
  user?: User | null;

  @Field(() => [UserError], { description: 'Why the input was refused; empty on success.' })
  userErrors!: UserError[];
}
