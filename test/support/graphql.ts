import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

export interface GraphQLResponse<T = any> {
  status: number;
  headers: Headers;
  body: { data?: T; errors?: { message: string; path?: string[]; extensions?: { code?: string } }[] };
  /** Number of SQL statements the request issued (X-SQL-Statements). */
  sqlStatements: number;
}

/** One GraphQL request over real HTTP. */
export async function gql<T = any>(url: string, query: string, variables: Record<string, unknown> = {}, token?: string | null): Promise<GraphQLResponse<T>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as GraphQLResponse<T>['body'];
  return { status: response.status, headers: response.headers, body, sqlStatements: Number(response.headers.get('x-sql-statements') ?? NaN) };
}

/**
 * The statement counts of requests that must cost the same: equal, and each
 * above zero, so a counter that stopped counting (0 = 0) cannot pass.
 */
export function expectSameStatementCount(...responses: GraphQLResponse[]): number {
  const counts = responses.map((r) => r.sqlStatements);
  for (const count of counts) expect(count).toBeGreaterThan(0);
  expect(new Set(counts).size).toBe(1);
  return counts[0];
}

export function errorCodes(response: GraphQLResponse): (string | undefined)[] {
  return (response.body.errors ?? []).map((e) => e.extensions?.code);
}

export interface Subscription<T = any> {
  /** Every result received so far. */
  received: { data?: T; errors?: unknown[] }[];
  /** Resolves once `count` results have arrived in total; rejects after `timeoutMs`. */
  waitFor(count: number, timeoutMs?: number): Promise<{ data?: T; errors?: unknown[] }[]>;
  /** Resolves when the server ends or rejects the subscription. */
  ended: Promise<unknown>;
  close(): Promise<void>;
}

/** A graphql-ws client authenticated with `token` in connection_init. */
export function wsClient(url: string, token?: string | null, onClose?: (code: number, reason: string) => void): Client {
  return createClient({
    url,
    webSocketImpl: WebSocket,
    connectionParams: token ? { authorization: `Bearer ${token}` } : {},
    retryAttempts: 0,
    lazy: true,
    on: { closed: (event) => onClose?.((event as { code: number }).code, String((event as { reason?: string }).reason ?? '')) },
  });
}

/** Subscribes over a real WebSocket and collects what arrives. */
export function subscribe<T = any>(client: Client, query: string, variables: Record<string, unknown> = {}): Subscription<T> {
  const received: { data?: T; errors?: unknown[] }[] = [];
  const waiters: (() => void)[] = [];
  let end!: (value: unknown) => void;
  const ended = new Promise((resolve) => (end = resolve));
  const dispose = client.subscribe<T>(
    { query, variables },
    {
      next: (value) => {
        received.push(value as { data?: T; errors?: unknown[] });
        waiters.splice(0).forEach((w) => w());
      },
      error: (error) => {
        received.push({ errors: Array.isArray(error) ? error : [error] });
        waiters.splice(0).forEach((w) => w());
        end(error);
      },
      complete: () => end('complete'),
    },
  );
  return {
    received,
    ended,
    waitFor(count, timeoutMs = 5000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`expected ${count} results, got ${received.length}: ${JSON.stringify(received)}`)), timeoutMs);
        timer.unref();
        const check = () => {
          if (received.length >= count) {
            clearTimeout(timer);
            resolve(received.slice(0, count));
          } else waiters.push(check);
        };
        check();
      });
    },
    async close() {
      dispose();
    },
  };
}

/** A pause that never keeps a finished test worker alive (a race may leave it pending). */
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms).unref());

/** A mutation's or query's payload at `field`, throwing on any top-level error or userError: for givens that must succeed. */
export async function okPayload(url: string, query: string, variables: Record<string, unknown>, token: string, field: string): Promise<any> {
  const response = await gql(url, query, variables, token);
  if (response.body.errors) throw new Error(JSON.stringify(response.body.errors));
  const payload = response.body.data[field];
  if (payload.userErrors?.length) throw new Error(JSON.stringify(payload.userErrors));
  return payload;
}
