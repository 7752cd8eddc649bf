import { createClient, type Client } from 'graphql-sse';
import { gql, sleep } from './support/graphql';
import { startHarness, stopHarness, type Harness } from './support/harness';

let h: Harness;
let streamUrl: string;
beforeAll(async () => {
  h = await startHarness();
  streamUrl = `http://127.0.0.1:${h.server.port}/graphql/stream`;
}, 120_000);
afterAll(() => stopHarness(h));

const CASE_UPDATES = `subscription ($areaId: ID!, $after: String) { caseUpdates(areaId: $areaId, after: $after) { cursor type case { title } } }`;
const REPORT = `mutation ($input: CaseReportInput!) { caseReport(input: $input) { case { id } userErrors { code } } }`;

function sseClient(token: string | null): Client {
  return createClient({ url: streamUrl, singleConnection: false, retryAttempts: 0, headers: token ? { authorization: `Bearer ${token}` } : {} });
}

interface Stream {
  received: { data?: any; errors?: { message: string; extensions?: { code?: string } }[] }[];
  waitFor(count: number, timeoutMs?: number): Promise<void>;
  ended: Promise<unknown>;
  close(): void;
}

function listen(client: Client, query: string, variables: Record<string, unknown>): Stream {
  const received: Stream['received'] = [];
  const waiters = new Set<() => void>();
  let end!: (v: unknown) => void;
  const ended = new Promise((resolve) => (end = resolve));
  const dispose = client.subscribe(
    { query, variables },
    {
      next: (value) => {
        received.push(value as Stream['received'][number]);
        waiters.forEach((w) => w());
      },
      error: (error) => {
        received.push({ errors: Array.isArray(error) ? error : [{ message: String((error as Error)?.message ?? error) }] });
        waiters.forEach((w) => w());
        end(error);
      },
      complete: () => end('complete'),
    },
  );
  return {
    received,
    ended,
    close: dispose,
    waitFor: (count, timeoutMs = 10_000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          if (received.length < count) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(() => reject(new Error(`expected ${count} results, got ${JSON.stringify(received)}`)), timeoutMs);
        waiters.add(check);
        check();
      }),
  };
}

async function report(title: string): Promise<void> {
  const res = await gql(h.server.httpUrl, REPORT, { input: { areaId: h.world.gid.area('communityA'), title, description: '經SSE推送。' } }, h.world.tokens.communityMember);
  expect(res.body.data.caseReport.userErrors).toEqual([]);
}

describe('subscriptions over Server-Sent Events', () => {
  test('given an SSE subscription, when a case is reported, then it arrives live; after a disconnect, resubscribing with `after` replays exactly what was missed', async () => {
    const client = sseClient(h.world.tokens.policeLiaison);
    const live = listen(client, CASE_UPDATES, { areaId: h.world.gid.area('streetA') });
    await sleep(500);
    await report('SSE 即時');
    await live.waitFor(1);
    expect(live.received[0].data.caseUpdates).toMatchObject({ type: 'case.reported', case: { title: 'SSE 即時' } });
    const last = live.received[0].data.caseUpdates.cursor as string;
    live.close();

    await report('斷線期間一');
    await report('斷線期間二');
    const resumed = listen(client, CASE_UPDATES, { areaId: h.world.gid.area('streetA'), after: last });
    await resumed.waitFor(2);
    await sleep(300);
    expect(resumed.received.map((r) => r.data.caseUpdates.case.title)).toEqual(['斷線期間一', '斷線期間二']);
    expect(BigInt(resumed.received[0].data.caseUpdates.cursor)).toBeGreaterThan(BigInt(last));
    resumed.close();
    client.dispose();
  }, 60_000);

  test('given no token, then the subscription is refused UNAUTHENTICATED; given an invalid token, UNAUTHENTICATED too', async () => {
    for (const token of [null, 'not-a-token']) {
      const client = sseClient(token);
      const stream = listen(client, CASE_UPDATES, { areaId: h.world.gid.area('streetA') });
      await stream.waitFor(1);
      expect(stream.received[0].errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      client.dispose();
    }
  });

  test('given a document past the query limits or a mutation, then it is refused before it runs', async () => {
    const client = sseClient(h.world.tokens.policeLiaison);
    const deep = `subscription ($areaId: ID!) { caseUpdates(areaId: $areaId) { case { area { parent { parent { parent { parent { parent { parent { parent { parent { parent { parent { name } } } } } } } } } } } } } }`;
    const tooDeep = listen(client, deep, { areaId: h.world.gid.area('streetA') });
    await tooDeep.waitFor(1);
    expect(tooDeep.received[0].errors?.[0]?.extensions?.code).toBe('QUERY_TOO_COMPLEX');
    const mutation = listen(client, REPORT, { input: { areaId: h.world.gid.area('communityA'), title: 'x', description: 'x' } });
    await mutation.waitFor(1);
    expect(mutation.received[0].errors?.[0]?.extensions?.code).toBe('BAD_REQUEST');
    client.dispose();
  });
});
