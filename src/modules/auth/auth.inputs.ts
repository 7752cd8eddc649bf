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

@ObjectType({
  description: valueObject(
    'A refresh token: exchange it with `authRefresh` for a new access token (and a new refresh token) without the password. Each one works once: keep only the newest. Presenting a used one again ends the whole session (it means someone else has a copy).',
    WHY.answer,
  ),
})
export class RefreshToken {
  @Field({ description: 'The opaque token (starts with gzr_). Only its hash is stored.' })
  token!: string;

  @Field({ description: 'When it stops working if not used (REFRESH_TTL_SECONDS after it was issued, 12 hours by default).' })
  expiresAt!: Date;
}

@ObjectType({ description: 'Result of `authLogin`.' })
export class AuthLoginPayload {
  @Field(() => AccessToken, { nullable: true, description: 'The token; null when the credentials were refused.' })
  accessToken?: AccessToken | null;

  @Field(() => RefreshToken, { nullable: true, description: 'Starts a session: use it with `authRefresh` before the access token expires, so the password need not be kept; null when refused.' })
  refreshToken?: RefreshToken | null;

  @Field(() => User, { nullable: true, description: 'The signed-in user.' })
  user?: User | null;

  @Field(() => [UserError], { description: 'INVALID_CREDENTIALS when the e-mail or password is wrong (which one is not said).' })
  userErrors!: UserError[];
}

@InputType({ description: 'A refresh token to exchange.' })
export class AuthRefreshInput {
  @Field({ description: 'The newest refresh token of the session.' })
  refreshToken!: string;
}

@ObjectType({ description: 'Result of `authRefresh`.' })
export class AuthRefreshPayload {
  @Field(() => AccessToken, { nullable: true, description: 'A new access token; null when refused.' })
  accessToken?: AccessToken | null;

  @Field(() => RefreshToken, { nullable: true, description: 'The refresh token to use next time; the one sent no longer works. Null when refused.' })
  refreshToken?: RefreshToken | null;

  @Field(() => User, { nullable: true, description: 'The signed-in user.' })
  user?: User | null;

  @Field(() => [UserError], { description: 'INVALID_CREDENTIALS when the refresh token is unknown, expired, revoked or already used (a used one also ends the session).' })
  userErrors!: UserError[];
}

@InputType({ description: 'The session to end.' })
export class AuthLogoutInput {
  @Field({ description: 'The newest (or any) refresh token of the session.' })
  refreshToken!: string;
}

@ObjectType({ description: 'Result of `authLogout`.' })
export class AuthLogoutPayload {
  @Field(() => Boolean, { nullable: true, description: 'True when this call ended the session; null when refused.' })
  loggedOut?: boolean | null;

  @Field(() => [UserError], { description: 'INVALID_CREDENTIALS for an unknown refresh token; ALREADY_DONE when the session had already ended.' })
  userErrors!: UserError[];
}

@ObjectType({ description: 'Result of `authTokenForClient`.' })
export class AuthTokenForClientPayload {
  @Field(() => AccessToken, { nullable: true, description: 'The token; null when the credentials were refused.' })
  accessToken?: AccessToken | null;

  @Field(() => ApiClient, { nullable: true, description: 'The client.' })
  apiClient?: ApiClient | null;

  @Field(() => [UserError], { description: 'INVALID_CREDENTIALS when the id or secret is wrong (a secret replaced by `apiClientRotateSecret` works only until its overlap ends) or the client is revoked.' })
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
