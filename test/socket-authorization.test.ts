import { randomUUID } from 'node:crypto';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { MemberRole } from '../src/shared/auth/roles';
import { toGlobalId } from '../src/shared/relay/global-id';
import { TOKEN_EXPIRED_CLOSE_REASON } from '../src/server/ws';
import { gql, sleep, wsClient } from './support/graphql';
import { startHarness, stopHarness, type Harness } from './support/harness';
import { scheduleMeeting } from './support/meetings';
import { subscribeListening } from './support/listening';

/**
 * Every operation on a socket is authorised when it runs, not when the socket
 * opened: a removed member, a revoked client and an expired token each keep
 * an open socket that then tries a query, a mutation and holds a subscription.
 */
let h: Harness;
beforeAll(async () => {
  h = await startHarness();
}, 120_000);
afterAll(() => stopHarness(h));

const MEMBERS = `query ($id: ID!) { organization(id: $id) { members(first: 5) { totalCount } } }`;
const ADD_ITEM = `mutation ($input: AgendaItemAddInput!) { agendaItemAdd(input: $input) { agendaItem { id } userErrors { code } } }`;
const AGENDA = `subscription ($meetingId: ID!) { meetingAgenda(meetingId: $meetingId) { type } }`;
const CONTRACTS = `{ contracts(first: 5) { totalCount } }`;
const REPORT = `mutation ($input: CaseReportInput!) { caseReport(input: $input) { case { id } userErrors { code } } }`;
const NETWORK = `subscription { networkChanges { type } }`;

type Result = { data?: any; errors?: { message: string; extensions?: { code?: string } }[] };

/** One query or mutation over the socket: its single result, or the error the server answered with. */
function overSocket(client: Client, query: string, variables: Record<string, unknown> = {}): Promise<Result> {
  return new Promise((resolve) => {
    let result: Result = {};
    client.subscribe({ query, variables }, { next: (value) => (result = value as Result), error: (error) => resolve({ errors: Array.isArray(error) ? error : [{ message: String((error as { reason?: string }).reason ?? error) }] }), complete: () => resolve(result) });
  });
}

/**
 * One socket for the whole test (not lazy: a lazy client would close it when
 * its last subscription ends and quietly open a new one, re-authenticated at
 * connect, which is not what is under test). `connections` counts the opens.
 */
function openSocket(token: string): { client: Client; connections: () => number; closed: () => { code: number; reason: string } | null } {
  let connections = 0;
  let closed: { code: number; reason: string } | null = null;
  const client = createClient({
    url: h.server.wsUrl,
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${token}` },
    lazy: false,
    // The expected 4403 would otherwise be printed as an error.
    onNonLazyError: () => {},
    retryAttempts: 0,
    on: {
      connected: () => (connections += 1),
      closed: (event) => (closed ??= { code: (event as { code: number }).code, reason: String((event as { reason?: string }).reason ?? '') }),
    },
  });
  return { client, connections: () => connections, closed: () => closed };
}

const codes = (result: Result) => (result.errors ?? []).map((e) => e.extensions?.code);

async function newMember(): Promise<{ userId: string; membershipId: string; token: string }> {
  const db = h.server.services.db;
  const [user] = await db.query(`INSERT INTO app_user (email, display_name, password_hash) VALUES ($1, 'socket member', 'x') RETURNING id`, [`socket-${randomUUID()}@m.test`]);
  const [membership] = await db.query(`INSERT INTO membership (user_id, organization_id, role) VALUES ($1, $2, $3) RETURNING id`, [user.id, h.world.orgs.community.id, MemberRole.MEMBER]);
  return { userId: user.id, membershipId: membership.id, token: h.server.services.tokens.issue(`user:${user.id}`).token };
}

/** Waits until `check` holds, for things that arrive over the socket after a change made over HTTP. */
async function eventually(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await sleep(50);
  }
}

describe('a removed member with an open socket', () => {
  test('given a member holding a meeting subscription, when an ADMIN removes the membership, then the socket reads and writes as HTTP does for that user and the subscription ends FORBIDDEN', async () => {
    const member = await newMember();
    const { meeting } = await scheduleMeeting(h, { title: `socket ${randomUUID()}` });
    const socket = openSocket(member.token);
    const client = socket.client;
    const agenda = await subscribeListening(h.server, client, AGENDA, { meetingId: meeting.id });

    const before = await overSocket(client, MEMBERS, { id: h.world.gid.org('community') });
    expect(before.data.organization.members.totalCount).toBeGreaterThan(0);
    const added = await overSocket(client, ADD_ITEM, { input: { meetingId: meeting.id, title: 'before removal' } });
    expect(added.data.agendaItemAdd.userErrors).toEqual([]);
    await agenda.waitFor(1);

    const removed = await gql(
      h.server.httpUrl,
      `mutation ($input: MembershipRemoveInput!) { membershipRemove(input: $input) { removedMembershipId userErrors { code } } }`,
      { input: { membershipId: toGlobalId('Membership', member.membershipId) } },
      h.world.tokens.communityAdmin,
    );
    expect(removed.body.data.membershipRemove.userErrors).toEqual([]);

    await eventually(() => agenda.received.some((r) => r.errors));
    expect(agenda.received.at(-1)!.errors!.map((e: any) => e.extensions?.code)).toEqual(['FORBIDDEN']);

    const after = await overSocket(client, MEMBERS, { id: h.world.gid.org('community') });
    const afterHttp = await gql(h.server.httpUrl, MEMBERS, { id: h.world.gid.org('community') }, member.token);
    expect(after.data).toEqual({ organization: { members: null } });
    expect(after.data).toEqual(afterHttp.body.data);
    const write = await overSocket(client, ADD_ITEM, { input: { meetingId: meeting.id, title: 'after removal' } });
    const writeHttp = await gql(h.server.httpUrl, ADD_ITEM, { input: { meetingId: meeting.id, title: 'after removal' } }, member.token);
    expect(write.data?.agendaItemAdd?.agendaItem ?? null).toBeNull();
    expect(write).toEqual(writeHttp.body);
    expect(socket.connections()).toBe(1);
    expect(socket.closed()).toBeNull();
    await client.dispose();
  });
});

describe('a revoked API client with an open socket', () => {
  test('given a READ_WRITE client holding networkChanges, when its ADMIN revokes it, then its query, its mutation and its subscription all end UNAUTHENTICATED', async () => {
    const [row] = await h.server.services.db.query(
      `INSERT INTO api_client (organization_id, name, client_key, secret_hash, scope) VALUES ($1, 'socket client', $2, 'x', 'READ_WRITE') RETURNING id`,
      [h.world.orgs.community.id, `gzc_${randomUUID()}`],
    );
    const token = h.server.services.tokens.issue(`client:${row.id}`).token;
    const socket = openSocket(token);
    const client = socket.client;
    const network = await subscribeListening(h.server, client, NETWORK);
    const report = (externalId: string) => ({ input: { areaId: h.world.gid.area('gridA'), externalId, title: 'Broken gate', description: 'East gate lock broken.', category: 'PUBLIC_SECURITY' } });

    expect(codes(await overSocket(client, CONTRACTS))).toEqual([]);
    const filed = await overSocket(client, REPORT, report(`before-${randomUUID()}`));
    expect(filed.data.caseReport.userErrors).toEqual([]);

    const revoked = await gql(h.server.httpUrl, `mutation ($input: ApiClientRevokeInput!) { apiClientRevoke(input: $input) { userErrors { code } } }`, { input: { id: toGlobalId('ApiClient', row.id) } }, h.world.tokens.communityAdmin);
    expect(revoked.body.data.apiClientRevoke.userErrors).toEqual([]);

    await eventually(() => network.received.some((r) => r.errors));
    expect(network.received.at(-1)!.errors!.map((e: any) => e.extensions?.code)).toEqual(['UNAUTHENTICATED']);
    expect(codes(await overSocket(client, CONTRACTS))).toEqual(['UNAUTHENTICATED']);
    const refused = await overSocket(client, REPORT, report(`after-${randomUUID()}`));
    expect(codes(refused)).toEqual(['UNAUTHENTICATED']);
    expect(refused.data).toBeUndefined();
    expect(socket.connections()).toBe(1);
    await client.dispose();
  });
});

describe('an expired token with an open socket', () => {
  test('given a token that expires in 3 s, when it expires, then the socket closes with 4403 and its subscription ends; before, query and mutation work', async () => {
    const member = await newMember();
    const { meeting } = await scheduleMeeting(h, { title: `expiry ${randomUUID()}` });
    const token = h.server.services.tokens.issue(`user:${member.userId}`, 3).token;
    const socket = openSocket(token);
    const client = socket.client;
    const agenda = await subscribeListening(h.server, client, AGENDA, { meetingId: meeting.id });
    const before = await overSocket(client, MEMBERS, { id: h.world.gid.org('community') });
    expect(before.data.organization.members.totalCount).toBeGreaterThan(0);
    const added = await overSocket(client, ADD_ITEM, { input: { meetingId: meeting.id, title: 'before expiry' } });
    expect(added.data.agendaItemAdd.userErrors).toEqual([]);

    await agenda.ended;
    expect(socket.closed()).toEqual({ code: 4403, reason: TOKEN_EXPIRED_CLOSE_REASON });
    expect(agenda.received.at(-1)!.errors).toBeDefined();

    // The same token on a new socket is refused at connect, as over HTTP.
    let again = 0;
    const second = wsClient(h.server.wsUrl, token, (code) => (again = code));
    const refused = await overSocket(second, MEMBERS, { id: h.world.gid.org('community') });
    expect(refused.data).toBeUndefined();
    expect(again).toBe(4403);
    expect((await gql(h.server.httpUrl, MEMBERS, { id: h.world.gid.org('community') }, token)).status).toBe(401);
    await client.dispose();
    await second.dispose();
  }, 30_000);

  test('given an identity cached for a socket, when its token expires, then the shared check refuses it at once (no wait for the cache)', async () => {
    // The per-operation check does not rely on the timer: an operation checks `exp` itself.
    const member = await newMember();
    const token = h.server.services.tokens.issue(`user:${member.userId}`, 2).token;
    const authenticated = await h.server.services.viewers.authenticate(`Bearer ${token}`, 'cached');
    expect('error' in authenticated).toBe(false);
    await sleep(2100);
    const later = await h.server.services.viewers.authenticate(`Bearer ${token}`, 'cached');
    expect(later).toEqual({ error: expect.stringContaining('invalid or expired') });
  });
});
