import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { INVALID_TOKEN, MALFORMED_AUTHORIZATION } from '../src/shared/auth/jwt';
import { CSRF_BLOCKED } from '../src/server/errors';
import { startHarness, stopHarness, type Harness } from './support/harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => stopHarness(h));

const VIEWER = '{ viewer { signedIn } }';

/** A POST with exactly the Authorization header given (or none). */
async function post(authorization?: string) {
  const response = await fetch(h.server.httpUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(authorization !== undefined ? { authorization } : {}) },
    body: JSON.stringify({ query: VIEWER }),
  });
  return { status: response.status, body: (await response.json()) as any };
}

/** Opens a graphql-ws connection with this connection_init payload; resolves with the first result or the close. */
function connect(payload: Record<string, unknown>): Promise<{ data?: unknown; close?: { code: number; reason: string } }> {
  return new Promise((resolve) => {
    const client = createClient({
      url: h.server.wsUrl,
      webSocketImpl: WebSocket,
      connectionParams: payload,
      retryAttempts: 0,
      lazy: true,
      on: { closed: (event) => resolve({ close: { code: (event as { code: number }).code, reason: (event as { reason: string }).reason } }) },
    });
    client.subscribe(
      { query: VIEWER },
      {
        next: (value) => {
          resolve({ data: value.data });
          void client.dispose();
        },
        error: () => {},
        complete: () => {},
      },
    );
  });
}

describe('one Authorization rule for HTTP', () => {
  test('given a raw token without "Bearer ", when querying over HTTP, then 401 says what is expected', async () => {
    const response = await post(h.world.tokens.policeAdmin);
    expect(response.status).toBe(401);
    expect(response.body.errors).toEqual([{ message: MALFORMED_AUTHORIZATION, extensions: { code: 'UNAUTHENTICATED' } }]);
    expect(MALFORMED_AUTHORIZATION).toContain('"Bearer <access token>"');
  });

  test.each([['Basic dXNlcjpwYXNz'], ['Bearer'], ['Bearer two words'], ['garbage']])('given Authorization "%s", when querying over HTTP, then 401 malformed', async (header) => {
    const response = await post(header);
    expect(response.status).toBe(401);
    expect(response.body.errors[0].message).toBe(MALFORMED_AUTHORIZATION);
  });

  test('given "Bearer <garbage>", when querying over HTTP, then 401 says the token is invalid', async () => {
    const response = await post('Bearer not-a-token');
    expect(response.status).toBe(401);
    expect(response.body.errors).toEqual([{ message: INVALID_TOKEN, extensions: { code: 'UNAUTHENTICATED' } }]);
  });

  test('given no Authorization, when querying over HTTP, then the viewer is signed out', async () => {
    const response = await post();
    expect(response).toEqual({ status: 200, body: { data: { viewer: { signedIn: false } } } });
  });

  test('given "Bearer <token>" (any case of "bearer"), when querying over HTTP, then the viewer is signed in', async () => {
    const response = await post(`bearer ${h.world.tokens.policeAdmin}`);
    expect(response.body.data.viewer.signedIn).toBe(true);
  });
});

describe('the same Authorization rule for WebSocket connection_init', () => {
  test('given a raw token without "Bearer ", when connecting, then the socket closes 4403 with the HTTP message', async () => {
    const result = await connect({ authorization: h.world.tokens.policeAdmin });
    expect(result.close).toEqual({ code: 4403, reason: MALFORMED_AUTHORIZATION });
  });

  test('given a non-string authorization, when connecting, then 4403 malformed', async () => {
    const result = await connect({ authorization: 42 });
    expect(result.close).toEqual({ code: 4403, reason: MALFORMED_AUTHORIZATION });
  });

  test('given "Bearer <garbage>", when connecting, then 4403 says the token is invalid', async () => {
    const result = await connect({ authorization: 'Bearer not-a-token' });
    expect(result.close).toEqual({ code: 4403, reason: INVALID_TOKEN });
  });

  test('given "Bearer <token>", when connecting, then operations see the signed-in viewer', async () => {
    const result = await connect({ authorization: `Bearer ${h.world.tokens.policeAdmin}` });
    expect(result.data).toEqual({ viewer: { signedIn: true } });
  });

  test('given no authorization, when connecting, then operations see a signed-out viewer', async () => {
    const result = await connect({});
    expect(result.data).toEqual({ viewer: { signedIn: false } });
  });
});

describe('CSRF prevention: the documented GET rule', () => {
  const url = () => `${h.server.httpUrl}?query=${encodeURIComponent(VIEWER)}`;

  test('given a GET query without a preflight header, when sent, then 400 names the header and POST', async () => {
    const response = await fetch(url());
    const body = (await response.json()) as any;
    expect(response.status).toBe(400);
    expect(body.errors).toEqual([{ message: CSRF_BLOCKED, extensions: { code: 'BAD_REQUEST' } }]);
    expect(CSRF_BLOCKED).toContain('apollo-require-preflight: true');
    expect(CSRF_BLOCKED).toContain('POST with "Content-Type: application/json"');
  });

  test('given a GET query with "apollo-require-preflight: true", when sent, then it runs', async () => {
    const response = await fetch(url(), { headers: { 'apollo-require-preflight': 'true' } });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ data: { viewer: { signedIn: false } } });
  });

  test('given a form POST (a simple cross-site request), when sent, then it is blocked with the same message', async () => {
    const response = await fetch(h.server.httpUrl, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ query: VIEWER }) });
    expect(response.status).toBe(400);
    expect(((await response.json()) as any).errors[0].message).toBe(CSRF_BLOCKED);
  });

  test('given a mutation as GET with the preflight header, when sent, then it is refused: mutations are POST only', async () => {
    const mutation = 'mutation { authLogin(input: { email: "a@b.c", password: "x" }) { userErrors { code } } }';
    const response = await fetch(`${h.server.httpUrl}?query=${encodeURIComponent(mutation)}`, { headers: { 'apollo-require-preflight': 'true' } });
    expect(response.status).toBe(405);
  });
});
