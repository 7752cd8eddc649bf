import type { AppContext } from '../../shared/context';
import { UserErrorCode } from '../../shared/errors';
import { DUMMY_PASSWORD_HASH, clientSecretMatches, verifyPassword } from '../../shared/auth/password';
import { Viewer } from '../../shared/auth/viewer';
import { fail, inTransaction } from '../../shared/transaction';
import { ApiClient } from '../api-client/api-client.entity';
import { apiClientsById } from '../api-client/api-client.loaders';
import { Organization } from '../organization/organization.entity';
import { organizationsById } from '../organization/organization.loaders';
import { User } from '../user/user.entity';
import { usersById } from '../user/user.loaders';
import type { AccessToken, AuthLoginInput, AuthTokenForClientInput, RefreshToken, ViewerInfo } from './auth.inputs';
import { issueRefreshToken } from './auth.sessions';

const INVALID = 'E-mail or password is wrong.';

export async function login(ctx: AppContext, input: AuthLoginInput): Promise<{ accessToken: AccessToken; refreshToken: RefreshToken; user: User }> {
  const email = String(input.email ?? '').trim().toLowerCase();
  const user = email && email.length <= 254 ? await ctx.app.db.getRepository(User).findOneBy({ email }) : null;
  const password = String(input.password ?? '').slice(0, 1024);
  // Counted before the password is checked, for unknown e-mails alike: the answer must not tell which accounts exist.
  await ctx.app.throttle.attempt(`email:${email}`, ctx.clientAddress ?? null);
  // Always hash, so the answer takes as long for an unknown e-mail as for a wrong password.
  const ok = await verifyPassword(password, user?.passwordHash ?? DUMMY_PASSWORD_HASH);
  if (!user || !ok || user.disabledAt) {
    ctx.log.info({ email: email.slice(0, 254) }, 'login refused');
    fail('password', UserErrorCode.INVALID_CREDENTIALS, INVALID);
  }
  await ctx.app.throttle.succeeded(`email:${email}`, ctx.clientAddress ?? null);
  const accessToken = ctx.app.tokens.issue(`user:${user.id}`);
  const refreshToken = await inTransaction({ ...ctx, viewer: Viewer.user(user.id, user.isPlatformAdmin, new Map()) }, async (tx) => {
    tx.audit({ action: 'authLogin', recordType: 'User', recordId: user.id, details: { userId: user.id } });
    return issueRefreshToken(ctx, tx.em, user.id, null);
  });
  return { accessToken, refreshToken, user };
}

export async function tokenForClient(ctx: AppContext, input: AuthTokenForClientInput): Promise<{ accessToken: AccessToken; apiClient: ApiClient }> {
  const clientKey = String(input.clientId ?? '').trim();
  await ctx.app.throttle.attempt(`client:${clientKey}`, ctx.clientAddress ?? null);
  const client = clientKey && clientKey.length < 100 ? await ctx.app.db.getRepository(ApiClient).findOneBy({ clientKey }) : null;
  const secret = String(input.clientSecret ?? '');
  // During a rotation's overlap the replaced secret works too, so a partner can switch without downtime.
  const previousStillValid = (c: ApiClient) => c.previousSecretHash !== null && c.previousSecretExpiresAt !== null && c.previousSecretExpiresAt.getTime() > Date.now() && clientSecretMatches(secret, c.previousSecretHash);
  if (!client || client.revokedAt || !(clientSecretMatches(secret, client.secretHash) || previousStillValid(client))) {
    fail('clientSecret', UserErrorCode.INVALID_CREDENTIALS, 'Client id or secret is wrong, or the client was revoked.');
  }
  await ctx.app.throttle.succeeded(`client:${clientKey}`, ctx.clientAddress ?? null);
  const accessToken = ctx.app.tokens.issue(`client:${client.id}`);
  await inTransaction({ ...ctx, viewer: Viewer.client(client.id, client.organizationId, client.scope) }, async (tx) => {
    tx.audit({ action: 'authTokenForClient', recordType: 'ApiClient', recordId: client.id });
  });
  return { accessToken, apiClient: client };
}

export async function describeViewer(ctx: AppContext): Promise<ViewerInfo> {
  const { viewer } = ctx;
  const organizations = (await organizationsById(ctx).loadMany(viewer.organizationIds)).filter((o): o is Organization => o instanceof Organization);
  return {
    signedIn: viewer.signedIn,
    canWrite: viewer.canWrite,
    isPlatformAdmin: viewer.isPlatformAdmin,
    user: viewer.userId ? await usersById(ctx).load(viewer.userId) : null,
    apiClient: viewer.clientId ? await apiClientsById(ctx).load(viewer.clientId) : null,
    organizations: organizations.sort((a, b) => a.name.localeCompare(b.name)),
  };
}
