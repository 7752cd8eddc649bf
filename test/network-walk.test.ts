import { toGlobalId } from '../src/shared/relay/global-id';
import { gql } from './support/graphql';
import { startHarness, stopHarness, type Harness } from './support/harness';

/**
 * `network(depth)` walks relations in force in both directions, nearest
 * first, each organisation once at the depth it is first reached, and lists
 * the relations in force between the organisations reached (issue 17: one
 * breadth-first statement).
 */

const NETWORK = `query ($id: ID!, $depth: Int!, $types: [RelationshipType!]) {
  network(organizationId: $id, depth: $depth, types: $types) {
    organizations(first: 100) { nodes { name } }
    relationships(first: 100) { nodes { type from { name } to { name } } }
  }
}`;

describe('network walk', () => {
  let h: Harness;
  let rootId: string;
  beforeAll(async () => {
    h = await startHarness();
    const db = h.server.services.db;
    // Given: organisations named so that name order differs from insertion order, related as
    //   A -GUIDES-> B,  C -SUPERVISES-> A (walked backwards),  B -GUIDES-> C (a cycle: C is nearer through A),
    //   B -CONTRACTS_WITH-> D,  D -FUNDS-> E,  E -PARTNERS_WITH-> F (four steps away),
    //   A -FUNDS-> G ended yesterday,  A -PARTNERS_WITH-> H only proposed,  I -GUIDES-> A from tomorrow.
    const names = ['Net E', 'Net C', 'Net A', 'Net G', 'Net D', 'Net B', 'Net F', 'Net H', 'Net I'];
    const ids: Record<string, string> = {};
    for (const name of names) {
      const [row] = await db.query(
        `INSERT INTO organization (name, kind, home_area_id) SELECT $1, 'NGO', home_area_id FROM organization WHERE id = $2 RETURNING id`,
        [name, h.world.orgs.police.id],
      );
      ids[name.slice(-1)] = row.id;
    }
    rootId = ids.A;
    const relate = (from: string, to: string, type: string, extra: { endsOn?: string; status?: string; startsOn?: string } = {}) =>
      db.query(`INSERT INTO relationship (from_organization_id, to_organization_id, type, starts_on, ends_on, status) VALUES ($1, $2, $3, $4::date, $5::date, $6)`, [
        ids[from],
        ids[to],
        type,
        extra.startsOn ?? '2020-01-01',
        extra.endsOn ?? null,
        extra.status ?? 'ACCEPTED',
      ]);
    await relate('A', 'B', 'GUIDES');
    await relate('C', 'A', 'SUPERVISES');
    await relate('B', 'C', 'GUIDES');
    await relate('B', 'D', 'CONTRACTS_WITH');
    await relate('D', 'E', 'FUNDS');
    await relate('E', 'F', 'PARTNERS_WITH');
    await relate('A', 'G', 'FUNDS', { endsOn: new Date(Date.now() - 2 * 86_400_000).toISOString().slice(0, 10) });
    await relate('A', 'H', 'PARTNERS_WITH', { status: 'PROPOSED' });
    await relate('I', 'A', 'GUIDES', { startsOn: new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 10) });
  }, 120_000);
  afterAll(() => stopHarness(h));

  async function walk(depth: number, types?: string[]) {
    const res = await gql(h.server.httpUrl, NETWORK, { id: toGlobalId('Organization', rootId), depth, types }, h.world.tokens.outsider);
    expect(res.body.errors).toBeUndefined();
    const network = res.body.data.network;
    return {
      organizations: network.organizations.nodes.map((o: { name: string }) => o.name.slice(-1)),
      relationships: network.relationships.nodes.map((r: { type: string; from: { name: string }; to: { name: string } }) => `${r.from.name.slice(-1)}-${r.type}->${r.to.name.slice(-1)}`).sort(),
    };
  }

  test('given relations in both directions, a cycle, and ended, proposed and future relations, when walking 3 deep, then each organisation reached once, nearest first and by name, and the relations in force among them', async () => {
    expect(await walk(3)).toEqual({
      organizations: ['A', 'B', 'C', 'D', 'E'],
      relationships: ['A-GUIDES->B', 'B-CONTRACTS_WITH->D', 'B-GUIDES->C', 'C-SUPERVISES->A', 'D-FUNDS->E'],
    });
  });

  test('given the same graph, when walking 1 and 4 deep, then the walk stops at that depth', async () => {
    expect(await walk(1)).toEqual({ organizations: ['A', 'B', 'C'], relationships: ['A-GUIDES->B', 'B-GUIDES->C', 'C-SUPERVISES->A'] });
    expect((await walk(4)).organizations).toEqual(['A', 'B', 'C', 'D', 'E', 'F']);
  });

  test('given a type filter, when walking, then only relations of those types are walked and listed', async () => {
    expect(await walk(3, ['GUIDES'])).toEqual({ organizations: ['A', 'B', 'C'], relationships: ['A-GUIDES->B', 'B-GUIDES->C'] });
  });
});
