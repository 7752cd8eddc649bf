import { Field, InputType, ObjectType } from 'type-graphql';
import { UserError } from '../../shared/errors';
import { ApiClient } from '../api-client/api-client.entity';
import { Organization } from '../organization/organization.entity';
import { User } from '../user/user.entity';
import { valueObject, WHY } from '../../shared/relay/value-object';

@InputType({ description: 'E-mail and password of an account.' })
export class AuthLoginInput {
  @Field({ description: 'E-mail address (case-insensitive).' })
  email!: string;

  @Field({ description: 'Password.' })
  password!: string;
}

@InputType({ description: 'Credentials of an API client.' })
export class AuthTokenForClientInput {
  @Field({ description: 'The public client id (`clientKey`, starts with gzc_).' })
  clientId!: string;

  @Field({ description: 'The secret shown when the client was created.' })
  clientSecret!: string;
}

@ObjectType({ description: valueObject('An access token: send it as `Authorization: Bearer <token>` or in the WebSocket `connection_init` payload as `authorization`.', WHY.answer) })
export class AccessToken {
  @Field({ description: 'The JWT.' })
  token!: string;

  @Field({ description: 'When the token stops working; sign in again before then.' })
  expiresAt!: Date;
}

@ObjectType({ description: 'Result of `authLogin`.' })
export class AuthLoginPayload {
  @Field(() => AccessToken, { nullable: true, description: 'The token; null when the credentials were refused.' })
  accessToken?: AccessToken | null;

  @Field(() => User, { nullable: true, description: 'The signed-in user.' })
  user?: User | null;

  @Field(() => [UserError], { description: 'INVALID_CREDENTIALS when the e-mail or password is wrong (which one is not said).' })
  userErrors!: UserError[];
}

@ObjectType({ description: 'Result of `authTokenForClient`.' })
export class AuthTokenForClientPayload {
  @Field(() => AccessToken, { nullable: true, description: 'The token; null when the credentials were refused.' })
  accessToken?: AccessToken | null;

  @Field(() => ApiClient, { nullable: true, description: 'The client.' })
  apiClient?: ApiClient | null;

  @Field(() => [UserError], { description: 'INVALID_CREDENTIALS when the id or secret is wrong or the client is revoked.' })
  userErrors!: UserError[];
}

@ObjectType({ description: valueObject('Who is asking.', WHY.answer) })
export class ViewerInfo {
  @Field({ description: 'Whether a valid token was sent.' })
  signedIn!: boolean;

  @Field({ description: 'Whether the viewer may change data (users; API clients with READ_WRITE scope).' })
  canWrite!: boolean;

  @Field({ description: 'Whether the viewer is a platform administrator.' })
  isPlatformAdmin!: boolean;

  @Field(() => User, { nullable: true, description: 'The signed-in user; null for API clients and signed-out viewers.' })
  user?: User | null;

  @Field(() => ApiClient, { nullable: true, description: 'The API client; null for people.' })
  apiClient?: ApiClient | null;

  @Field(() => [Organization], { description: 'Organisations the viewer acts for.' })
  organizations!: Organization[];
}
