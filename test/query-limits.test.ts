import { getIntrospectionQuery } from 'graphql';
import { loadConfig } from '../src/shared/config';
import { gql, subscribe, wsClient } from './support/graphql';
import { startHarness, stopHarness, type Harness } from './support/harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => stopHarness(h));

const ALIASED_TYPENAMES = `{ ${Array.from({ length: 101 }, (_, i) => `t${i}: __typename`).join(' ')} }`;
const DUPLICATED_FIELDS = `{ viewer { ${'signedIn '.repeat(500)}} }`;
const DIRECTIVES = `{ viewer { signedIn ${'@include(if: true) '.repeat(50)}} }`;
const ALIASED_SCHEMAS = `{ a: __schema { queryType { name } } b: __schema { queryType { name } } }`;

/** Posts a document with the given Accept header and returns status, content type and body. */
async function post(query: string, accept: string, variables: Record<string, unknown> = {}) {
  const response = await fetch(h.server.httpUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept, authorization: `Bearer ${h.world.tokens.communityMember}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: unknown; errors?: { message: string; extensions?: { code?: string } }[] };
  return { status: response.status, contentType: response.headers.get('content-type'), body, codes: (body.errors ?? []).map((e) => e.extensions?.code) };
}

/** Runs a document over a real WebSocket and returns its first result. */
async function overWebSocket(query: string) {
  const client = wsClient(h.server.wsUrl, h.world.tokens.communityMember);
  try {
    const [result] = await subscribe(client, query).waitFor(1);
    return result;
  } finally {
    await client.dispose();
  }
}

describe('query limits hold for `__` fields, on HTTP and WebSocket alike', () => {
  test.each([
    ['101 aliases of __typename', ALIASED_TYPENAMES, 'Aliases limit of 30 exceeded'],
    ['500 duplicated fields', DUPLICATED_FIELDS, 'selects 501 fields'],
    ['50 directives', DIRECTIVES, 'Directives limit of 10 exceeded'],
    ['two aliased __schema selections', ALIASED_SCHEMAS, '__schema may be selected once'],
  ])('given %s over HTTP, then QUERY_TOO_COMPLEX and nothing runs', async (_name, query, message) => {
    const response = await post(query, 'application/json');
    expect(response.body.data).toBeUndefined();
    expect(response.codes).toContain('QUERY_TOO_COMPLEX');
    expect(JSON.stringify(response.body.errors)).toContain(message);
  });

  test.each([
    ['101 aliases of __typename', ALIASED_TYPENAMES],
    ['500 duplicated fields', DUPLICATED_FIELDS],
    ['50 directives', DIRECTIVES],
    ['two aliased __schema selections', ALIASED_SCHEMAS],
  ])('given %s over WebSocket, then QUERY_TOO_COMPLEX and nothing runs', async (_name, query) => {
    const result = await overWebSocket(query);
    expect(result.data).toBeUndefined();
    expect(JSON.stringify(result.errors)).toContain('QUERY_TOO_COMPLEX');
  });

  test('given the standard introspection query of IDEs, then it is answered once, in full', async () => {
    const response = await post(getIntrospectionQuery(), 'application/json');
    expect(response.codes).toEqual([]);
    expect(JSON.stringify(response.body).length).toBeGreaterThan(10_000);
  });

  test('given connections whose `first` comes from variables, then they are charged at the most a variable may ask (100)', async () => {
    const query = `query ($a: Int, $b: Int) { organizations(first: $a) { nodes { members(first: $b) { nodes { user { memberships(first: 3) { nodes { id } } } } } } } }`;
    const response = await post(query, 'application/json', { a: 1, b: 1 });
    expect(response.codes).toEqual(['QUERY_TOO_COMPLEX']);
  });

  test('given a document past the token limit, then a parse error, not a server error', async () => {
    const response = await post(`{ viewer { ${'signedIn '.repeat(1200)}} }`, 'application/json');
    expect(response.status).toBe(200);
    expect(response.codes).toEqual(['GRAPHQL_PARSE_FAILED']);
    expect(response.body.errors?.[0].message).toMatch(/more tha[nt] 1000 tokens/);
  });
});

describe('GraphQL over HTTP status codes', () => {
  test.each([
    ['a syntax error', '{ viewer { ', {}, 'GRAPHQL_PARSE_FAILED'],
    ['an unknown field', '{ viewer { signedInn } }', {}, 'GRAPHQL_VALIDATION_FAILED'],
    ['a variable of the wrong type', 'query ($n: Int) { organizations(first: $n) { totalCount } }', { n: 'many' }, 'BAD_USER_INPUT'],
    ['a broken limit', ALIASED_TYPENAMES, {}, 'QUERY_TOO_COMPLEX'],
  ])('given %s, then 200 under application/json and 400 under application/graphql-response+json', async (_name, query, variables, code) => {
    const legacy = await post(query, 'application/json', variables);
    const modern = await post(query, 'application/graphql-response+json', variables);
    expect([legacy.status, legacy.contentType, legacy.codes[0]]).toEqual([200, 'application/json; charset=utf-8', code]);
    expect([modern.status, modern.contentType, modern.codes[0]]).toEqual([400, 'application/graphql-response+json; charset=utf-8', code]);
  });

  test('given a client that prefers application/graphql-response+json by quality, then it gets that media type', async () => {
    const response = await post('{ viewer { signedIn } }', 'application/json;q=0.5, application/graphql-response+json');
    expect([response.status, response.contentType]).toEqual([200, 'application/graphql-response+json; charset=utf-8']);
  });
});

describe('field suggestions', () => {
  test('given the development default, then a mistyped field gets a suggestion', async () => {
    const response = await post('{ viewer { signedInn } }', 'application/json');
    expect(response.body.errors?.[0].message).toContain('Did you mean');
  });

  test('given suggestions blocked (the production default), then neither HTTP nor WebSocket errors suggest fields', async () => {
    expect(loadConfig({ NODE_ENV: 'production', DATABASE_URL: 'postgres://x/y', JWT_SECRET: 'x'.repeat(32) }).limits.blockFieldSuggestions).toBe(true);
    const blocked = await startHarness({ limits: { ...loadConfig({ NODE_ENV: 'test' }).limits, blockFieldSuggestions: true } });
    try {
      const http = await gql(blocked.server.httpUrl, '{ viewer { signedInn } }', {}, blocked.world.tokens.communityMember);
      const client = wsClient(blocked.server.wsUrl, blocked.world.tokens.communityMember);
      const [ws] = await subscribe(client, '{ viewer { signedInn } }').waitFor(1);
      await client.dispose();
      for (const errors of [http.body.errors, ws.errors]) {
        expect(JSON.stringify(errors)).toContain('Cannot query field');
        expect(JSON.stringify(errors)).not.toContain('Did you mean');
      }
    } finally {
      await stopHarness(blocked);
    }
  });
});
