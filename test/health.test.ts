import { formatError } from '../src/server/errors';
import { createLogger } from '../src/shared/logger';
import { errorCodes, gql } from './support/graphql';
import { startHarness, stopHarness, type Harness } from './support/harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => stopHarness(h));

describe('operations endpoints', () => {
  test('given a running server, /healthz and /readyz answer ok', async () => {
    const base = h.server.httpUrl.replace('/graphql', '');
    const health = await fetch(`${base}/healthz`);
    const ready = await fetch(`${base}/readyz`);
    expect(health.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready' });
  });

  test('given malformed JSON, the answer is a JSON 400, not an HTML page', async () => {
    const response = await fetch(h.server.httpUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query": ' });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { errors: { extensions: { code: string } }[] };
    expect(body.errors[0].extensions.code).toBe('BAD_REQUEST');
  });

  test('given a signed-out viewer, viewer says signedIn false', async () => {
    const response = await gql(h.server.httpUrl, '{ viewer { signedIn canWrite user { id } } }');
    expect(response.body.data.viewer).toEqual({ signedIn: false, canWrite: false, user: null });
    expect(errorCodes(response)).toEqual([]);
  });

  test('given a simple cross-site POST (text/plain, no preflight header), then CSRF prevention refuses it', async () => {
    const response = await fetch(h.server.httpUrl, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ query: '{ viewer { signedIn } }' }) });
    expect(response.status).toBe(400);
  });

  test('given an internal failure, then the client sees a generic message and no details', async () => {
    const formatted = formatError(createLogger('silent'))({ message: 'relation "secret_table" does not exist', path: ['x'] }, new Error('relation "secret_table" does not exist'));
    expect(formatted).toEqual({ message: 'Internal server error', path: ['x'], extensions: { code: 'INTERNAL_SERVER_ERROR' } });
  });
});
