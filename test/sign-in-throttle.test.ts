import { randomUUID } from 'node:crypto';
import { startHarness, stopHarness, type Harness } from './support/harness';
import { startServerProcess, type ServerProcess } from './support/process';
import { wsClient } from './support/graphql';
import { WORLD_PASSWORD } from './support/world';

/**
 * Failed sign-ins are limited per account and per client address, counted in
 * PostgreSQL so that two server processes share the count. Each test signs in
 * from its own address (X-Forwarded-For, believed with TRUST_PROXY_HOPS=1) so
 * one test's failures do not spill into the next.
 */
const LIMITS = { SIGNIN_MAX_FAILURES_PER_ACCOUNT: '3', SIGNIN_MAX_FAILURES_PER_ADDRESS: '8', TRUST_PROXY_HOPS: '1' };
let h: Harness;
let other: ServerProcess;
beforeAll(async () => {
  h = await startHarness({ env: LIMITS });
  other = await startServerProcess(h.database.url, LIMITS);
}, 240_000);
afterAll(async () => {
  await other?.stop();
  await stopHarness(h);
});

const LOGIN = `mutation ($input: AuthLoginInput!) { authLogin(input: $input) { accessToken { token } userErrors { code } } }`;
const CLIENT = `mutation ($input: AuthTokenForClientInput!) { authTokenForClient(input: $input) { accessToken { token } userErrors { code } } }`;

interface Answer {
  status: number;
  retryAfter: string | null;
  body: { data?: any; errors?: { message: string; extensions?: { code?: string; retryAfterSeconds?: number } }[] };
}

async function post(url: string, address: string, query: string, variables: Record<string, unknown>, token?: string): Promise<Answer> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': address, ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, retryAfter: response.headers.get('retry-after'), body: (await response.json()) as Answer['body'] };
}

const newAddress = () => `10.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`;
const login = (url: string, address: string, email: string, password: string) => post(url, address, LOGIN, { input: { email, password } });
const outcome = (answer: Answer, field = 'authLogin') => answer.body.errors?.[0]?.extensions?.code ?? (answer.body.data?.[field]?.userErrors?.[0]?.code || 'OK');

describe('failed sign-ins per account', () => {
  test('given three wrong passwords spread over two server processes, when the right password comes next, then RATE_LIMITED with retryAfterSeconds', async () => {
    const address = newAddress();
    const email = h.world.users.communityMember.email;
    expect(outcome(await login(h.server.httpUrl, address, email, 'wrong 1'))).toBe('INVALID_CREDENTIALS');
    expect(outcome(await login(other.httpUrl, address, email, 'wrong 2'))).toBe('INVALID_CREDENTIALS');
    expect(outcome(await login(h.server.httpUrl, address, email, 'wrong 3'))).toBe('INVALID_CREDENTIALS');
    const refused = await login(other.httpUrl, address, email, WORLD_PASSWORD);
    expect(refused.body.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
    const retryAfterSeconds = refused.body.errors![0].extensions!.retryAfterSeconds!;
    expect(retryAfterSeconds).toBeGreaterThan(0);
    expect(retryAfterSeconds).toBeLessThanOrEqual(15 * 60);
    expect(refused.status).toBe(429);
    expect(Number(refused.retryAfter)).toBe(retryAfterSeconds);
    // The same account from another address is held too: the limit is the account's.
    expect(outcome(await login(h.server.httpUrl, newAddress(), email, WORLD_PASSWORD))).toBe('RATE_LIMITED');
    // Another account from the first address is not (its address allowance is not used up).
    expect(outcome(await login(h.server.httpUrl, address, h.world.users.policeAdmin.email, WORLD_PASSWORD))).toBe('OK');
  });

  test('given an unknown e-mail, then it is throttled exactly like a known one (no account oracle)', async () => {
    const address = newAddress();
    const email = `nobody-${randomUUID()}@m.test`;
    for (let i = 0; i < 3; i += 1) expect(outcome(await login(h.server.httpUrl, address, email, 'x'))).toBe('INVALID_CREDENTIALS');
    expect(outcome(await login(other.httpUrl, address, email, 'x'))).toBe('RATE_LIMITED');
  });

  test('given two wrong passwords and then the right one, then the count starts again (only failures count)', async () => {
    const address = newAddress();
    const email = h.world.users.securityAdmin.email;
    for (let round = 0; round < 2; round += 1) {
      expect(outcome(await login(h.server.httpUrl, address, email, 'wrong'))).toBe('INVALID_CREDENTIALS');
      expect(outcome(await login(other.httpUrl, address, email, 'wrong'))).toBe('INVALID_CREDENTIALS');
      expect(outcome(await login(h.server.httpUrl, address, email, WORLD_PASSWORD))).toBe('OK');
    }
  });
});

describe('failed sign-ins per address', () => {
  test('given eight failures for eight different accounts from one address over two processes, then the next sign-in from it is RATE_LIMITED, other addresses are not', async () => {
    const address = newAddress();
    for (let i = 0; i < 8; i += 1) {
      const url = i % 2 === 0 ? h.server.httpUrl : other.httpUrl;
      expect(outcome(await login(url, address, `spray-${i}-${randomUUID()}@m.test`, 'x'))).toBe('INVALID_CREDENTIALS');
    }
    expect(outcome(await login(h.server.httpUrl, address, h.world.users.outsider.email, WORLD_PASSWORD))).toBe('RATE_LIMITED');
    expect(outcome(await login(h.server.httpUrl, newAddress(), h.world.users.outsider.email, WORLD_PASSWORD))).toBe('OK');
  });
});

describe('API client secrets', () => {
  test('given three wrong secrets for a client id over two processes, then the right secret is RATE_LIMITED', async () => {
    const created = await post(
      h.server.httpUrl,
      newAddress(),
      `mutation ($input: ApiClientCreateInput!) { apiClientCreate(input: $input) { apiClient { clientKey } clientSecret } }`,
      { input: { organizationId: h.world.gid.org('security'), name: 'dispatch', scope: 'READ' } },
      h.world.tokens.securityAdmin,
    );
    const { apiClient, clientSecret } = created.body.data.apiClientCreate;
    const address = newAddress();
    const exchange = (url: string, secret: string) => post(url, address, CLIENT, { input: { clientId: apiClient.clientKey, clientSecret: secret } });
    expect(outcome(await exchange(h.server.httpUrl, 'gzs_wrong'), 'authTokenForClient')).toBe('INVALID_CREDENTIALS');
    expect(outcome(await exchange(other.httpUrl, 'gzs_wrong'), 'authTokenForClient')).toBe('INVALID_CREDENTIALS');
    expect(outcome(await exchange(h.server.httpUrl, 'gzs_wrong'), 'authTokenForClient')).toBe('INVALID_CREDENTIALS');
    expect(outcome(await exchange(other.httpUrl, clientSecret), 'authTokenForClient')).toBe('RATE_LIMITED');
  });
});

describe('one sign-in per request', () => {
  const BATCH = `mutation { a: authLogin(input: { email: "x@m.test", password: "1" }) { userErrors { code } } b: authLogin(input: { email: "x@m.test", password: "2" }) { userErrors { code } } }`;

  test('given two aliased authLogin in one request, then the request is refused before either runs', async () => {
    const answer = await post(h.server.httpUrl, newAddress(), BATCH, {});
    expect(answer.body.errors?.map((e) => e.message)).toEqual(['At most one sign-in mutation (authLogin, authTokenForClient, authRefresh) per request.']);
    expect(answer.body.data).toBeUndefined();
  });

  test('given a sign-in hidden in a fragment beside another, then refused too', async () => {
    const query = `mutation { authLogin(input: { email: "x@m.test", password: "1" }) { userErrors { code } } ...More } fragment More on Mutation { authTokenForClient(input: { clientId: "gzc_x", clientSecret: "y" }) { userErrors { code } } }`;
    const answer = await post(h.server.httpUrl, newAddress(), query, {});
    expect(answer.body.errors?.map((e) => e.extensions?.code)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(answer.body.data).toBeUndefined();
  });

  test('given the aliased batch over WebSocket, then refused the same way', async () => {
    const client = wsClient(h.server.wsUrl);
    const errors = await new Promise<unknown>((resolve) => client.subscribe({ query: BATCH }, { next: () => {}, error: resolve, complete: () => resolve(null) }));
    expect(JSON.stringify(errors)).toContain('At most one sign-in mutation');
    await client.dispose();
  });
});
