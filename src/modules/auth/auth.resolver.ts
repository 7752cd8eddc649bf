import { Arg, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import type { AppContext } from '../../shared/context';
import { Access, AccessLevel } from '../../shared/auth/policy';
import { withUserErrors } from '../../shared/transaction';
import { AuthLoginInput, AuthLoginPayload, AuthLogoutInput, AuthLogoutPayload, AuthRefreshInput, AuthRefreshPayload, AuthTokenForClientInput, AuthTokenForClientPayload, ViewerInfo } from './auth.inputs';
import { describeViewer, login, tokenForClient } from './auth.service';
import { endSession, refreshSession } from './auth.sessions';
import './auth.jobs';

@Resolver()
export class AuthResolver {
  @Query(() => ViewerInfo, { description: 'Who you are, as the server sees your token. Works signed out too.' })
  @Access(AccessLevel.PUBLIC)
  viewer(@Ctx() ctx: AppContext) {
    return describeViewer(ctx);
  }

  @Mutation(() => AuthLoginPayload, { description: 'Signs in with e-mail and password and returns a short-lived access token and a refresh token that keeps the session going without the password.' })
  @Access(AccessLevel.PUBLIC)
  authLogin(@Ctx() ctx: AppContext, @Arg('input', { description: 'Credentials.' }) input: AuthLoginInput) {
    return withUserErrors<AuthLoginPayload>(() => login(ctx, input));
  }

  @Mutation(() => AuthRefreshPayload, {
    description: 'Exchanges the newest refresh token of a session for a new access token and a new refresh token (rotation). A refresh token that was already used ends the whole session.',
  })
  @Access(AccessLevel.PUBLIC)
  authRefresh(@Ctx() ctx: AppContext, @Arg('input', { description: 'The refresh token.' }) input: AuthRefreshInput) {
    return withUserErrors<AuthRefreshPayload>(() => refreshSession(ctx, input));
  }

  @Mutation(() => AuthLogoutPayload, { description: 'Ends a session: every refresh token of it stops working. Access tokens already issued expire on their own (JWT_TTL_SECONDS at most).' })
  @Access(AccessLevel.PUBLIC)
  authLogout(@Ctx() ctx: AppContext, @Arg('input', { description: 'A refresh token of the session.' }) input: AuthLogoutInput) {
    return withUserErrors<AuthLogoutPayload>(() => endSession(ctx, input));
  }

  @Mutation(() => AuthTokenForClientPayload, { description: 'Exchanges API client credentials for a short-lived access token.' })
  @Access(AccessLevel.PUBLIC)
  authTokenForClient(@Ctx() ctx: AppContext, @Arg('input', { description: 'Client credentials.' }) input: AuthTokenForClientInput) {
    return withUserErrors<AuthTokenForClientPayload>(() => tokenForClient(ctx, input));
  }
}
