import { registry } from '../src/shared/metrics';
import { toGlobalId } from '../src/shared/relay/global-id';
import { gql, wsClient } from './support/graphql';
import { subscribeListening } from './support/listening';
import { tokenForEmail, type Harness } from './support/harness';
import type { TestServer } from './support/server';
import { startServerPair, stopServerPair } from './support/server-pair';

/**
 * Compiled execution (COMPILED_EXECUTION, graphql-jit) must answer exactly as
 * graphql-js does: the harness's server interprets, a second server on the
 * same demo database compiles, and every document is asked of both by viewers
 * of each kind, the signed-out one included. Status, data and errors must be
 * byte for byte the same, and the compiled server must really have compiled.
 */
let h: Harness;
let compiled: TestServer;
const tokens: Record<string, string | null> = { signedOut: null };
const ids: Record<string, string> = {};

beforeAll(async () => {
  // Compiled is the default: the harness's server is told to interpret, whatever TEST_COMPILED_EXECUTION says.
  ({ h, other: compiled } = await startServerPair({ compiledExecution: true }, { compiledExecution: false }));
  tokens.platformAdmin = h.world.tokens.platformAdmin;
  tokens.outsider = h.world.tokens.outsider;
  tokens.resident = h.world.tokens.resident;
  tokens.liaison = await tokenForEmail(h, 'liaison@gongzhi.demo');
  tokens.coordinator = await tokenForEmail(h, 'coordinator@gongzhi.demo');
  const db = h.server.services.db;
  const [meeting] = await db.query(`SELECT id FROM meeting ORDER BY created_at LIMIT 1`);
  const [area] = await db.query(`SELECT area_id AS id FROM patrol ORDER BY planned_start LIMIT 1`);
  const [organization] = await db.query(`SELECT id FROM organization ORDER BY name LIMIT 1`);
  ids.meeting = toGlobalId('Meeting', meeting.id);
  ids.area = toGlobalId('Area', area.id);
  ids.organization = toGlobalId('Organization', organization.id);
}, 240_000);
afterAll(() => stopServerPair({ h, other: compiled }), 120_000);

const VIEWERS = ['platformAdmin', 'liaison', 'coordinator', 'outsider', 'resident', 'signedOut'];

async function executions(): Promise<Record<string, number>> {
  const metric = (await registry.getSingleMetric('gongzhi_graphql_compiled_executions_total')!.get()).values;
  return Object.fromEntries(['compiled', 'interpreted'].map((executor) => [executor, metric.find((v) => v.labels.executor === executor)?.value ?? 0]));
}

/** Asks both servers; returns both answers and how the compiled server ran the request. */
async function askBoth(document: string, variables: Record<string, unknown>, token: string | null) {
  const before = await executions();
  const [interpreted, jit] = await Promise.all([gql(h.server.httpUrl, document, variables, token), gql(compiled.httpUrl, document, variables, token)]);
  const after = await executions();
  const ran = after.compiled > before.compiled ? 'compiled' : after.interpreted > before.interpreted ? 'interpreted' : 'not executed';
  return { interpreted, jit, ran };
}

const NESTED = `query ($first: Int!) {
  organizations(first: $first) {
    totalCount pageInfo { hasNextPage endCursor }
    nodes { __typename id name kind homeArea { name parent { name } } members(first: 10) { totalCount nodes { role user { displayName email } } } }
  }
}`;

const READ_PATHS = `query ($meeting: ID!, $area: ID!) {
  cases(first: 20) { nodes { reference title status severity overdue area { name } leader { displayName } handler { displayName } responsibleOrganization { name } } }
  meeting(id: $meeting) {
    title status area { name } convener { name }
    agendaItems(first: 20) { nodes { position title plannedMinutes status presenter { name } } }
    participants(first: 50) { nodes { isConvener rsvp organization { name } } }
  }
  patrolsOnDuty(areaId: $area, first: 20) { nodes { status area { name } team { name kind organization { name } } route { name checkpoints { name kind } } } }
}`;

const DASHBOARD = `query ($area: ID!) {
  jurisdictionDashboard(areaId: $area) {
    area { name }
    cases { open overdue supervisedOpen openByCategoryAndStatus { category status count } }
    patrols { onDuty plannedToday }
  }
}`;

const NODES = `query ($ids: [ID!]!) { nodes(ids: $ids) { __typename id ... on Organization { name } ... on Area { name } ... on Meeting { title } } }`;

describe('compiled execution answers as graphql-js does', () => {
  test('given the reference server, when asked alone, then it runs graphql-js (no compiled execution counted), so the answers below are compared with the interpreter', async () => {
    const before = await executions();
    const answer = await gql(h.server.httpUrl, NESTED, { first: 1 }, tokens.platformAdmin);
    expect(answer.body.data.organizations.nodes).toHaveLength(1);
    expect(await executions()).toEqual(before);
  });

  test.each(VIEWERS)('given the demo data, when %s reads organisations with their areas and members, then both answers are the same and it ran compiled', async (who) => {
    const { interpreted, jit, ran } = await askBoth(NESTED, { first: 30 }, tokens[who]);
    expect(jit.status).toBe(interpreted.status);
    expect(jit.body).toEqual(interpreted.body);
    if (who === 'signedOut') expect(interpreted.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    else expect(interpreted.body.data.organizations.nodes.length).toBeGreaterThan(0);
    expect(ran).toBe('compiled');
  });

  test.each(VIEWERS)('given the demo data, when %s reads cases, a meeting and the patrols on duty in one request, then both answers are the same, errors included', async (who) => {
    const { interpreted, jit, ran } = await askBoth(READ_PATHS, { meeting: ids.meeting, area: ids.area }, tokens[who]);
    expect(jit.status).toBe(interpreted.status);
    expect(jit.body).toEqual(interpreted.body);
    expect(ran).toBe('compiled');
  });

  test.each(VIEWERS)('given the demo data, when %s asks for the jurisdiction dashboard, then both answers are the same (a refusal too)', async (who) => {
    const { interpreted, jit } = await askBoth(DASHBOARD, { area: ids.area }, tokens[who]);
    expect(jit.status).toBe(interpreted.status);
    expect(jit.body).toEqual(interpreted.body);
  });

  test.each(VIEWERS)('given ids of three Node types, when %s asks nodes(ids:), then both resolve the same types', async (who) => {
    const { interpreted, jit } = await askBoth(NODES, { ids: [ids.organization, ids.area, ids.meeting] }, tokens[who]);
    expect(jit.body).toEqual(interpreted.body);
    if (who === 'platformAdmin') expect(interpreted.body.data.nodes.map((n: { __typename: string }) => n.__typename)).toEqual(['Organization', 'Area', 'Meeting']);
  });

  test('given variables that do not coerce, when sent, then graphql-js answers them on both: same status and errors', async () => {
    const { interpreted, jit, ran } = await askBoth(NESTED, { first: 'many' }, tokens.platformAdmin);
    expect(interpreted.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(jit.status).toBe(interpreted.status);
    expect(jit.body).toEqual(interpreted.body);
    expect(ran).toBe('interpreted');
  });

  const COMMENT = `mutation ($input: CaseCommentInput!) { caseComment(input: $input) { case { id } userErrors { field code message } } }`;
  const unknownCase = toGlobalId('Case', '00000000-0000-4000-8000-000000000000');

  test('given a mutation refused with userErrors, when sent with every input field given, then both answer the same payload and it ran compiled', async () => {
    const { interpreted, jit, ran } = await askBoth(COMMENT, { input: { caseId: unknownCase, body: 'hello', visibleToReporter: false } }, tokens.liaison);
    expect(interpreted.body.data.caseComment.userErrors[0].code).toBe('NOT_FOUND');
    expect(jit.body).toEqual(interpreted.body);
    expect(ran).toBe('compiled');
  });

  test('given an input field left to its default, when sent, then graphql-js runs it (graphql-jit does not fill input defaults) and the answer is the same', async () => {
    const { interpreted, jit, ran } = await askBoth(COMMENT, { input: { caseId: unknownCase, body: 'hello' } }, tokens.liaison);
    expect(interpreted.body.data.caseComment.userErrors[0].code).toBe('NOT_FOUND');
    expect(jit.body).toEqual(interpreted.body);
    expect(ran).toBe('interpreted');
  });
});

describe('compiled subscription events answer as graphql-js does', () => {
  const CHANGES = `subscription { networkChanges { type organization { name description apiClients(first: 5) { totalCount } members(first: 3) { totalCount nodes { role user { displayName email } } } } } }`;
  const UPDATE = `mutation ($input: OrganizationUpdateInput!) { organizationUpdate(input: $input) { userErrors { code } } }`;

  async function eventExecutions(): Promise<number> {
    const metric = (await registry.getSingleMetric('gongzhi_subscription_event_executions_total')!.get()).values;
    return metric.find((v) => v.labels.executor === 'compiled')?.value ?? 0;
  }

  test.each(['communityAdmin', 'communityMember'] as const)('given %s subscribed on both servers, when the community changes, then both deliver the same result (what the viewer may not see left out alike) and the compiled one compiled it', async (who) => {
    const clients = [wsClient(h.server.wsUrl, h.world.tokens[who]), wsClient(compiled.wsUrl, h.world.tokens[who])];
    try {
      const [interpreted, jit] = [await subscribeListening(h.server, clients[0], CHANGES), await subscribeListening(compiled, clients[1], CHANGES)];
      const before = await eventExecutions();
      const updated = await gql(h.server.httpUrl, UPDATE, { input: { id: h.world.gid.org('community'), description: `differential ${who}` } }, h.world.tokens.communityAdmin);
      expect(updated.body.data.organizationUpdate.userErrors).toEqual([]);
      const [[fromInterpreted], [fromJit]] = await Promise.all([interpreted.waitFor(1), jit.waitFor(1)]);
      expect(fromInterpreted.data.networkChanges.organization.description).toBe(`differential ${who}`);
      expect(fromJit).toEqual(fromInterpreted);
      expect(await eventExecutions()).toBeGreaterThan(before);
    } finally {
      await Promise.all(clients.map((client) => client.dispose()));
    }
  });
});
