import jwt from 'jsonwebtoken';
import { errorCodes, gql, wsClient } from './support/graphql';
import { startHarness, stopHarness, type Harness } from './support/harness';
import { TEST_JWT_SECRET } from './support/server';
import { WORLD_PASSWORD } from './support/world';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => stopHarness(h));

const LOGIN = `mutation ($input: AuthLoginInput!) { authLogin(input: $input) { accessToken { token expiresAt } user { displayName } userErrors { field code message } } }`;
const VIEWER = `{ viewer { signedIn user { displayName } organizations { name } } }`;

function sign(claims: object, secret = TEST_JWT_SECRET, options: jwt.SignOptions = {}): string {
  return jwt.sign(claims, secret, { algorithm: 'HS256', issuer: 'gongzhi', audience: 'gongzhi-api', expiresIn: 600, ...options });
}

describe('authLogin', () => {
  test('given the right password, when logging in, then a token comes back that signs the user in', async () => {
    const login = await gql(h.server.httpUrl, LOGIN, { input: { email: h.world.users.communityAdmin.email.toUpperCase(), password: WORLD_PASSWORD } });
    expect(login.body.data.authLogin.userErrors).toEqual([]);
    expect(new Date(login.body.data.authLogin.accessToken.expiresAt).getTime()).toBeGreaterThan(Date.now());
    const viewer = await gql(h.server.httpUrl, VIEWER, {}, login.body.data.authLogin.accessToken.token);
    expect(viewer.body.data.viewer).toEqual({ signedIn: true, user: { displayName: 'communityAdmin' }, organizations: [{ name: '三板橋社區居委會' }] });
  });

  test('given a wrong password, when logging in, then INVALID_CREDENTIALS and no token', async () => {
    const login = await gql(h.server.httpUrl, LOGIN, { input: { email: h.world.users.communityAdmin.email, password: 'wrong password!' } });
    expect(login.body.data.authLogin).toMatchObject({ accessToken: null, userErrors: [{ code: 'INVALID_CREDENTIALS' }] });
  });

  test('given an unknown e-mail, when logging in, then the same INVALID_CREDENTIALS answer', async () => {
    const login = await gql(h.server.httpUrl, LOGIN, { input: { email: 'nobody@test.gongzhi', password: WORLD_PASSWORD } });
    expect(login.body.data.authLogin).toMatchObject({ accessToken: null, userErrors: [{ code: 'INVALID_CREDENTIALS', message: 'E-mail or password is wrong.' }] });
  });
});

describe('token checks', () => {
  const sub = () => `user:${h.world.users.communityAdmin.id}`;

  test('given an expired token, then 401 UNAUTHENTICATED', async () => {
    const token = sign({ sub: sub() }, TEST_JWT_SECRET, { expiresIn: -60 });
    const response = await gql(h.server.httpUrl, VIEWER, {}, token);
    expect(response.status).toBe(401);
    expect(errorCodes(response)).toEqual(['UNAUTHENTICATED']);
  });

  test('given a correctly signed token without exp, then 401 UNAUTHENTICATED over HTTP and close 4403 over WebSocket', async () => {
    const token = jwt.sign({ sub: sub() }, TEST_JWT_SECRET, { algorithm: 'HS256', issuer: 'gongzhi', audience: 'gongzhi-api' });
    const response = await gql(h.server.httpUrl, VIEWER, {}, token);
    expect(response.status).toBe(401);
    let closeCode = 0;
    const client = wsClient(h.server.wsUrl, token, (code) => (closeCode = code));
    await new Promise<void>((resolve) => client.subscribe({ query: '{ viewer { signedIn } }' }, { next: () => {}, error: () => resolve(), complete: () => resolve() }));
    expect(closeCode).toBe(4403);
    await client.dispose();
  });

  test('given a correctly signed token living longer than the server issues (a day, not 15 minutes), then 401 UNAUTHENTICATED', async () => {
    const response = await gql(h.server.httpUrl, VIEWER, {}, sign({ sub: sub() }, TEST_JWT_SECRET, { expiresIn: 86400 }));
    expect(response.status).toBe(401);
    expect(errorCodes(response)).toEqual(['UNAUTHENTICATED']);
  });

  test('given a correctly signed token issued in the future so its exp lies beyond the maximum, then 401 UNAUTHENTICATED', async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = jwt.sign({ sub: sub(), iat: now + 3600, exp: now + 3600 + 600 }, TEST_JWT_SECRET, { algorithm: 'HS256', issuer: 'gongzhi', audience: 'gongzhi-api' });
    const response = await gql(h.server.httpUrl, VIEWER, {}, token);
    expect(response.status).toBe(401);
  });

  test('given a token signed with another secret, then 401 UNAUTHENTICATED', async () => {
    const response = await gql(h.server.httpUrl, VIEWER, {}, sign({ sub: sub() }, 'another-secret-another-secret-another-secret'));
    expect(response.status).toBe(401);
    expect(errorCodes(response)).toEqual(['UNAUTHENTICATED']);
  });

  test('given an alg:none token, then 401 UNAUTHENTICATED', async () => {
    const encode = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const now = Math.floor(Date.now() / 1000);
    const token = `${encode({ alg: 'none', typ: 'JWT' })}.${encode({ sub: sub(), iss: 'gongzhi', aud: 'gongzhi-api', iat: now, exp: now + 600 })}.`;
    const response = await gql(h.server.httpUrl, VIEWER, {}, token);
    expect(response.status).toBe(401);
    expect(errorCodes(response)).toEqual(['UNAUTHENTICATED']);
  });

  test('given a token for another audience, then 401 UNAUTHENTICATED', async () => {
    const response = await gql(h.server.httpUrl, VIEWER, {}, sign({ sub: sub() }, TEST_JWT_SECRET, { audience: 'someone-else' }));
    expect(response.status).toBe(401);
  });

  test('given a tampered payload, then 401 UNAUTHENTICATED', async () => {
    const [header, , signature] = h.world.tokens.communityAdmin.split('.');
    const forged = Buffer.from(JSON.stringify({ sub: `user:${h.world.users.platformAdmin.id}`, iss: 'gongzhi', aud: 'gongzhi-api', exp: 9999999999 })).toString('base64url');
    const response = await gql(h.server.httpUrl, VIEWER, {}, `${header}.${forged}.${signature}`);
    expect(response.status).toBe(401);
  });
});

describe('API clients', () => {
  test('given a READ client, when exchanging its secret, then it reads but may not write, and after revocation its token stops working', async () => {
    const created = await gql(
      h.server.httpUrl,
      `mutation ($input: ApiClientCreateInput!) { apiClientCreate(input: $input) { apiClient { id clientKey scope } clientSecret userErrors { code } } }`,
      { input: { organizationId: h.world.gid.org('security'), name: 'dispatch', scope: 'READ' } },
      h.world.tokens.securityAdmin,
    );
    const { apiClient, clientSecret } = created.body.data.apiClientCreate;
    expect(clientSecret).toMatch(/^gzs_/);
    const [stored] = await h.server.services.db.query(`SELECT secret_hash FROM api_client WHERE client_key = $1`, [apiClient.clientKey]);
    expect(stored.secret_hash).not.toContain(clientSecret);

    const exchange = await gql(
      h.server.httpUrl,
      `mutation ($input: AuthTokenForClientInput!) { authTokenForClient(input: $input) { accessToken { token } userErrors { code } } }`,
      { input: { clientId: apiClient.clientKey, clientSecret } },
    );
    const token = exchange.body.data.authTokenForClient.accessToken.token;
    const read = await gql(h.server.httpUrl, `{ viewer { canWrite apiClient { scope } organizations { name } } }`, {}, token);
    expect(read.body.data.viewer).toEqual({ canWrite: false, apiClient: { scope: 'READ' }, organizations: [{ name: '沙市保安服務公司' }] });
    const write = await gql(h.server.httpUrl, `mutation { organizationUpdate(input: { id: "${h.world.gid.org('security')}", description: "x" }) { userErrors { code } } }`, {}, token);
    expect(errorCodes(write)).toEqual(['FORBIDDEN']);

    await gql(h.server.httpUrl, `mutation ($input: ApiClientRevokeInput!) { apiClientRevoke(input: $input) { apiClient { revokedAt } userErrors { code } } }`, { input: { id: apiClient.id } }, h.world.tokens.securityAdmin);
    const after = await gql(h.server.httpUrl, VIEWER, {}, token);
    expect(after.status).toBe(401);
  });

  test('given a wrong client secret, then INVALID_CREDENTIALS', async () => {
    const response = await gql(
      h.server.httpUrl,
      `mutation { authTokenForClient(input: { clientId: "gzc_nope", clientSecret: "gzs_nope" }) { accessToken { token } userErrors { code } } }`,
    );
    expect(response.body.data.authTokenForClient).toEqual({ accessToken: null, userErrors: [{ code: 'INVALID_CREDENTIALS' }] });
  });
});

describe('WebSocket authentication', () => {
  test('given a valid token in connection_init, then a query over the socket sees the user', async () => {
    const client = wsClient(h.server.wsUrl, h.world.tokens.policeAdmin);
    const result = await new Promise<any>((resolve, reject) => {
      client.subscribe({ query: '{ viewer { signedIn user { displayName } } }' }, { next: resolve, error: reject, complete: () => {} });
    });
    expect(result.data.viewer).toEqual({ signedIn: true, user: { displayName: 'policeAdmin' } });
    await client.dispose();
  });

  test('given a bad token in connection_init, then the socket closes with 4403', async () => {
    let closeCode = 0;
    const client = wsClient(h.server.wsUrl, 'not-a-token', (code) => (closeCode = code));
    await new Promise<void>((resolve) => {
      client.subscribe({ query: '{ viewer { signedIn } }' }, { next: () => {}, error: () => resolve(), complete: () => resolve() });
    });
    expect(closeCode).toBe(4403);
    await client.dispose();
  });
});
