import { errorCodes, gql, sleep } from './support/graphql';
import { startHarness, stopHarness, type Harness } from './support/harness';
import { WORLD_PASSWORD } from './support/world';

/** Sessions without stored passwords: rotating refresh tokens, reuse detection, logout, and API-client secret rotation. */
let h: Harness;
beforeAll(async () => {
  h = await startHarness();
}, 120_000);
afterAll(() => stopHarness(h));

const LOGIN = `mutation ($input: AuthLoginInput!) { authLogin(input: $input) { accessToken { token } refreshToken { token expiresAt } userErrors { code } } }`;
const REFRESH = `mutation ($input: AuthRefreshInput!) { authRefresh(input: $input) { accessToken { token expiresAt } refreshToken { token expiresAt } user { displayName } userErrors { code } } }`;
const LOGOUT = `mutation ($input: AuthLogoutInput!) { authLogout(input: $input) { loggedOut userErrors { code } } }`;
const VIEWER = `{ viewer { signedIn user { displayName } } }`;

async function signIn(): Promise<{ access: string; refresh: string }> {
  const response = await gql(h.server.httpUrl, LOGIN, { input: { email: h.world.users.communityMember.email, password: WORLD_PASSWORD } });
  const payload = response.body.data.authLogin;
  expect(payload.userErrors).toEqual([]);
  return { access: payload.accessToken.token, refresh: payload.refreshToken.token };
}

const refresh = (token: string) => gql(h.server.httpUrl, REFRESH, { input: { refreshToken: token } });

describe('refresh tokens', () => {
  test('given a signed-in user, when refreshing, then a new access token and a new refresh token come back, and only a hash is stored', async () => {
    const session = await signIn();
    const answer = (await refresh(session.refresh)).body.data.authRefresh;
    expect(answer.userErrors).toEqual([]);
    expect(answer.user).toEqual({ displayName: 'communityMember' });
    expect(answer.refreshToken.token).toMatch(/^gzr_/);
    expect(answer.refreshToken.token).not.toBe(session.refresh);
    const viewer = await gql(h.server.httpUrl, VIEWER, {}, answer.accessToken.token);
    expect(viewer.body.data.viewer).toEqual({ signedIn: true, user: { displayName: 'communityMember' } });
    const [{ stored }] = await h.server.services.db.query(`SELECT count(*)::int AS stored FROM refresh_token WHERE token_hash IN ($1, $2)`, [session.refresh, answer.refreshToken.token]);
    expect(stored).toBe(0);
  });

  test('given a rotated refresh token, when it is presented again, then it is refused and the whole session (the newer token too) is revoked', async () => {
    const session = await signIn();
    const second = (await refresh(session.refresh)).body.data.authRefresh.refreshToken.token;
    const reuse = await refresh(session.refresh);
    expect(reuse.body.data.authRefresh).toMatchObject({ accessToken: null, refreshToken: null, userErrors: [{ code: 'INVALID_CREDENTIALS' }] });
    const newer = await refresh(second);
    expect(newer.body.data.authRefresh.userErrors).toEqual([{ code: 'INVALID_CREDENTIALS' }]);
  });

  test('given two sessions of one user, when one is revoked for reuse, then the other goes on', async () => {
    const stolen = await signIn();
    const other = await signIn();
    await refresh(stolen.refresh);
    await refresh(stolen.refresh);
    expect((await refresh(other.refresh)).body.data.authRefresh.userErrors).toEqual([]);
  });

  test('given a session, when logging out, then its refresh token stops working and a second logout says ALREADY_DONE', async () => {
    const session = await signIn();
    const out = await gql(h.server.httpUrl, LOGOUT, { input: { refreshToken: session.refresh } });
    expect(out.body.data.authLogout).toEqual({ loggedOut: true, userErrors: [] });
    expect((await refresh(session.refresh)).body.data.authRefresh.userErrors).toEqual([{ code: 'INVALID_CREDENTIALS' }]);
    const again = await gql(h.server.httpUrl, LOGOUT, { input: { refreshToken: session.refresh } });
    expect(again.body.data.authLogout).toEqual({ loggedOut: null, userErrors: [{ code: 'ALREADY_DONE' }] });
  });

  test('given a disabled account, when refreshing, then refused', async () => {
    const session = await signIn();
    await h.server.services.db.query(`UPDATE app_user SET disabled_at = now() WHERE id = $1`, [h.world.users.communityMember.id]);
    try {
      expect((await refresh(session.refresh)).body.data.authRefresh.userErrors).toEqual([{ code: 'INVALID_CREDENTIALS' }]);
    } finally {
      await h.server.services.db.query(`UPDATE app_user SET disabled_at = NULL WHERE id = $1`, [h.world.users.communityMember.id]);
    }
  });
});

describe('API client secret rotation', () => {
  const CREATE = `mutation ($input: ApiClientCreateInput!) { apiClientCreate(input: $input) { apiClient { id clientKey } clientSecret userErrors { code } } }`;
  const ROTATE = `mutation ($input: ApiClientRotateSecretInput!) { apiClientRotateSecret(input: $input) { apiClient { previousSecretExpiresAt } clientSecret userErrors { code } } }`;
  const EXCHANGE = `mutation ($input: AuthTokenForClientInput!) { authTokenForClient(input: $input) { accessToken { token } userErrors { code } } }`;
  const exchange = async (clientId: string, clientSecret: string) =>
    (await gql(h.server.httpUrl, EXCHANGE, { input: { clientId, clientSecret } })).body.data.authTokenForClient.userErrors.map((e: { code: string }) => e.code);

  async function newClient() {
    const created = await gql(h.server.httpUrl, CREATE, { input: { organizationId: h.world.gid.org('security'), name: 'dispatch', scope: 'READ' } }, h.world.tokens.securityAdmin);
    return created.body.data.apiClientCreate as { apiClient: { id: string; clientKey: string }; clientSecret: string };
  }

  test('given a rotation with a 2 s overlap, then both secrets work during it and only the new one after it', async () => {
    const { apiClient, clientSecret: old } = await newClient();
    const rotated = await gql(h.server.httpUrl, ROTATE, { input: { id: apiClient.id, overlapSeconds: 2 } }, h.world.tokens.securityAdmin);
    const { clientSecret: fresh, apiClient: after } = rotated.body.data.apiClientRotateSecret;
    expect(fresh).toMatch(/^gzs_/);
    expect(new Date(after.previousSecretExpiresAt).getTime()).toBeGreaterThan(Date.now());
    expect(await exchange(apiClient.clientKey, old)).toEqual([]);
    expect(await exchange(apiClient.clientKey, fresh)).toEqual([]);
    await sleep(2100);
    expect(await exchange(apiClient.clientKey, old)).toEqual(['INVALID_CREDENTIALS']);
    expect(await exchange(apiClient.clientKey, fresh)).toEqual([]);
  });

  test('given a rotation with no overlap (a leaked secret), then the old secret is refused at once', async () => {
    const { apiClient, clientSecret: old } = await newClient();
    const rotated = await gql(h.server.httpUrl, ROTATE, { input: { id: apiClient.id, overlapSeconds: 0 } }, h.world.tokens.securityAdmin);
    expect(rotated.body.data.apiClientRotateSecret.userErrors).toEqual([]);
    expect(await exchange(apiClient.clientKey, old)).toEqual(['INVALID_CREDENTIALS']);
  });

  test('given a client token, when the client tries to rotate its own secret, then it may not (a leaked secret cannot renew itself)', async () => {
    const { apiClient, clientSecret } = await newClient();
    const token = (await gql(h.server.httpUrl, EXCHANGE, { input: { clientId: apiClient.clientKey, clientSecret } })).body.data.authTokenForClient.accessToken.token;
    const response = await gql(h.server.httpUrl, ROTATE, { input: { id: apiClient.id } }, token);
    // A READ client fails the WRITE rule first; either way no secret comes back.
    expect(errorCodes(response)).toEqual(['FORBIDDEN']);
  });
});
