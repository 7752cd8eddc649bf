import { Arg, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import type { AppContext } from '../../shared/context';
import { Access, AccessLevel } from '../../shared/auth/policy';
import { withUserErrors } from '../../shared/transaction';
import { AuthLoginInput, AuthLoginPayload, AuthTokenForClientInput, AuthTokenForClientPayload, ViewerInfo } from './auth.inputs';
import { describeViewer, login, tokenForClient } from './auth.service';

@Resolver()
export class AuthResolver {
  @Query(() => ViewerInfo, { description: 'Who you are, as the server sees your token. Works signed out too.' })
  @Access(AccessLevel.PUBLIC)
  viewer(@Ctx() ctx: AppContext) {
    return describeViewer(ctx);
  }

  @Mutation(() => AuthLoginPayload, { description: 'Signs in with e-mail and password and returns a short-lived access token.' })
  @Access(AccessLevel.PUBLIC)
  authLogin(@Ctx() ctx: AppContext, @Arg('input', { description: 'Credentials.' }) input: AuthLoginInput) {
    return withUserErrors<AuthLoginPayload>(() => login(ctx, input));
  }

  @Mutation(() => AuthTokenForClientPayload, { description: 'Exchanges API client credentials for a short-lived access token.' })
  @Access(AccessLevel.PUBLIC)
  authTokenForClient(@Ctx() ctx: AppContext, @Arg('input', { description: 'Client credentials.' }) input: AuthTokenForClientInput) {
    return withUserErrors<AuthTokenForClientPayload>(() => tokenForClient(ctx, input));
  }
}
