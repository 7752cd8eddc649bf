import { randomUUID } from 'node:crypto';
import { isObjectType, type GraphQLObjectType } from 'graphql';
import { DEMO_ACCOUNTS, loadDemoData } from '../src/demo';
import { buildGraphQLSchema } from '../src/server/schema';
import { fromGlobalId, toGlobalId } from '../src/shared/relay/global-id';
import { VALUE_OBJECT_MARK } from '../src/shared/relay/value-object';
import { gql } from './support/graphql';
import { startHarness, stopHarness, tokenForEmail, type Harness } from './support/harness';

const schema = buildGraphQLSchema();
const objectTypes = Object.values(schema.getTypeMap()).filter((t): t is GraphQLObjectType => isObjectType(t) && !t.name.startsWith('__'));
const nodeTypes = objectTypes.filter((t) => t.getInterfaces().some((i) => i.name === 'Node')).map((t) => t.name).sort();

/** Shapes that are plumbing, not data: roots, Relay connections, mutation payloads. */
const STRUCTURAL = /^(Query|Mutation|Subscription|PageInfo)$|(Connection|Edge|Payload)$/;
/**
 * Every signed-in viewer may see these: areas and the organisation directory
 * (README), the relations between organisations (the network), and people's
 * names (an e-mail address only to those sharing an organisation), and the
 * police stations' quality standards (public on purpose: providers and
 * residents must know what is asked; evaluations are not public).
 */
// Seen by every signed-in user by design: the directory, quality standards, legal-education activities, legal-service rooms and their rosters.
const DIRECTORY = new Set(['Area', 'Organization', 'Relationship', 'User', 'QualityStandard', 'LegalEducationActivity', 'LegalServiceRoom', 'LegalServiceDuty']);

describe('every object type is a Node or a declared value object', () => {
  test('given the schema, when walking its object types, then each one has a global id through Node, or says why not', () => {
    const undecided = objectTypes
      .filter((t) => !STRUCTURAL.test(t.name) && !nodeTypes.includes(t.name))
      .filter((t) => !t.description?.includes(VALUE_OBJECT_MARK))
      .map((t) => t.name);
    expect(undecided).toEqual([]);
  });

  test('given the schema, when a type has an `id` field, then it implements Node (an id node(id:) does not know is a trap)', () => {
    const loose = objectTypes.filter((t) => !STRUCTURAL.test(t.name) && 'id' in t.getFields() && !nodeTypes.includes(t.name)).map((t) => t.name);
    expect(loose).toEqual([]);
  });
});

describe('node(id:) resolves every Node type, with visibility', () => {
  let h: Harness;
  let viewers: string[];
  /** One stored record of each Node type, by its real global id. */
  const samples = new Map<string, string>();

  beforeAll(async () => {
    h = await startHarness();
    await loadDemoData(h.server.services.db, h.server.services.log);
    viewers = [...Object.values(h.world.tokens), ...(await Promise.all(DEMO_ACCOUNTS.map((a) => tokenForEmail(h, a.email))))];
    // The demo data has no API client (partners create their own), so one is made here.
    const created = await gql(
      h.server.httpUrl,
      `mutation ($input: ApiClientCreateInput!) { apiClientCreate(input: $input) { userErrors { code } } }`,
      { input: { organizationId: h.world.gid.org('community'), name: 'node test', scope: 'READ' } },
      h.world.tokens.communityAdmin,
    );
    expect(created.body.data.apiClientCreate.userErrors).toEqual([]);
    // Quality evaluations are made by the station when it evaluates a month; the demo data has the standard, so last month is evaluated here.
    const [standard] = await h.server.services.db.query(`SELECT id FROM quality_standard WHERE name = '中山路派出所保安服務質量標準'`);
    const evaluated = await gql(
      h.server.httpUrl,
      `mutation ($input: QualityStandardEvaluateInput!) { qualityStandardEvaluate(input: $input) { evaluations { id } userErrors { code } } }`,
      { input: { standardId: toGlobalId('QualityStandard', standard.id), month: new Date(Date.now() - 35 * 86_400_000).toISOString().slice(0, 10) } },
      await tokenForEmail(h, 'station.admin@gongzhi.demo'),
    );
    expect(evaluated.body.data.qualityStandardEvaluate.userErrors).toEqual([]);
    // Nor webhook endpoints and their deliveries.
    const hook = await gql(
      h.server.httpUrl,
      `mutation ($input: WebhookEndpointCreateInput!) { webhookEndpointCreate(input: $input) { webhookEndpoint { id } userErrors { code } } }`,
      { input: { organizationId: h.world.gid.org('community'), url: 'https://partner.example/hooks', eventTypes: ['CASE'] } },
      h.world.tokens.communityAdmin,
    );
    expect(hook.body.data.webhookEndpointCreate.userErrors).toEqual([]);
    const db = h.server.services.db;
    await db.query(`INSERT INTO webhook_delivery (endpoint_id, event_id, status) SELECT id, 1, 'DEAD' FROM webhook_endpoint LIMIT 1`);
    for (const metadata of db.entityMetadatas) {
      if (!nodeTypes.includes(metadata.targetName)) continue;
      const order = Object.fromEntries(metadata.primaryColumns.map((c) => [c.propertyName, 'ASC']));
      const [row] = await db.getRepository(metadata.target).find({ take: 1, order });
      if (row) samples.set(metadata.targetName, (row as { globalId: string }).globalId);
    }
  }, 120_000);
  afterAll(() => stopHarness(h));

  const NODE = `query ($id: ID!) { node(id: $id) { __typename id } }`;

  test('given the demo data, when listing Node types, then a stored record of each exists to test with', () => {
    expect(nodeTypes.filter((name) => !samples.has(name))).toEqual([]);
    expect(nodeTypes.length).toBeGreaterThanOrEqual(27);
  });

  test('given a record of each Node type, when someone entitled asks node(id:), then that record comes back', async () => {
    const unresolved: string[] = [];
    for (const [type, id] of samples) {
      let found = false;
      for (const token of viewers) {
        const response = await gql(h.server.httpUrl, NODE, { id }, token);
        expect(response.body.errors).toBeUndefined();
        if (response.body.data.node) {
          expect(response.body.data.node).toEqual({ __typename: type, id });
          found = true;
          break;
        }
      }
      if (!found) unresolved.push(type);
    }
    expect(unresolved).toEqual([]);
  });

  test('given a record of each Node type, when a viewer with no organisation asks, then it answers exactly like an unknown id of that type', async () => {
    const leaks: string[] = [];
    for (const [type, id] of samples) {
      const parsed = fromGlobalId(id)!;
      const unknown = toGlobalId(type, parsed.id.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, () => randomUUID()).replace(/^[0-9]+$/, '999999999999'));
      expect(fromGlobalId(unknown)).toMatchObject({ type });
      const [forbidden, missing] = await Promise.all([gql(h.server.httpUrl, NODE, { id }, h.world.tokens.resident), gql(h.server.httpUrl, NODE, { id: unknown }, h.world.tokens.resident)]);
      expect(missing.body).toEqual({ data: { node: null } });
      if (DIRECTORY.has(type)) expect(forbidden.body.data.node).toEqual({ __typename: type, id });
      else if (JSON.stringify(forbidden.body) !== JSON.stringify(missing.body) || forbidden.status !== missing.status) leaks.push(type);
    }
    expect(leaks).toEqual([]);
  });

  test('given a well-formed id of another type with the same key, when asked, then node(id:) answers null', async () => {
    const [type, id] = [...samples].find(([name]) => name === 'CaseEvent')!;
    const wrongType = toGlobalId('Case', fromGlobalId(id)!.id);
    const response = await gql(h.server.httpUrl, NODE, { id: wrongType }, h.world.tokens.platformAdmin);
    expect(type).toBe('CaseEvent');
    expect(response.body).toEqual({ data: { node: null } });
  });

  test('given an id of another type in any list filter, when listing, then the list is empty (or the unknown root is named), never unfiltered and never an internal error', async () => {
    const wrong = toGlobalId('Checkpoint', randomUUID());
    const listFields = Object.values(schema.getQueryType()!.getFields()).filter((f) => /Connection!?$/.test(String(f.type)));
    const unfiltered: string[] = [];
    let checked = 0;
    for (const field of listFields) {
      const ids = field.args.filter((a) => String(a.type).replace('!', '') === 'ID' && !/^(after|before)$/.test(a.name));
      if (field.args.some((a) => String(a.type).endsWith('!') && !ids.includes(a))) continue;
      for (const arg of ids) {
        const given = ids.filter((a) => a === arg || String(a.type).endsWith('!'));
        const document = `query (${given.map((a) => `$${a.name}: ID${String(a.type).endsWith('!') ? '!' : ''}`).join(', ')}) { list: ${field.name}(${given.map((a) => `${a.name}: $${a.name}`).join(', ')}) { nodes { __typename } } }`;
        const response = await gql(h.server.httpUrl, document, Object.fromEntries(given.map((a) => [a.name, wrong])), h.world.tokens.platformAdmin);
        checked += 1;
        // Empty, null (a list under one root answers null for an unknown root) or a clear NOT_FOUND; never rows or an internal error.
        const refused = response.body.errors?.every((e) => e.extensions?.code === 'NOT_FOUND');
        const empty = !response.body.errors && (response.body.data.list === null || response.body.data.list.nodes.length === 0);
        if (!refused && !empty) unfiltered.push(`${field.name}(${arg.name}): ${response.body.errors?.[0]?.message ?? JSON.stringify(response.body.data?.list)?.slice(0, 60)}`);
      }
    }
    expect(unfiltered).toEqual([]);
    expect(checked).toBeGreaterThanOrEqual(20);
  });
});
