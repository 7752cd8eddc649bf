import { getNamedType, type GraphQLObjectType } from 'graphql';
import { SQL_ANSWERS } from '../src/modules/sql-answers';
import type { SqlField } from '../src/shared/read-plan/sql-answer';
import { toGlobalId } from '../src/shared/relay/global-id';
import { buildGraphQLSchema } from '../src/server/schema';
import { tokenForEmail, type Harness } from './support/harness';
import { askBothInSql, putDemoPatrolsOnDuty, startPlanPair, stopPlanPair, type PlanPair } from './support/read-plan';

/**
 * Beyond the hand-written documents: documents generated from the declarations themselves (every root, every
 * declared field reachable within three levels, with aliases, __typename, fragments and page sizes drawn by a seeded
 * generator), each asked of a server that answers them in PostgreSQL and of one that runs the resolvers, by viewers
 * who see everything, part, or nothing. A declaration that reads the wrong column, joins the wrong row or forgets a
 * rule answers differently here even where no hand-written document asks that field.
 */
let h: Harness;
let pair: PlanPair;
const tokens: Record<string, string | null> = {};
const variables: Record<string, unknown> = {};

beforeAll(async () => {
  pair = await startPlanPair();
  ({ h } = pair);
  const db = h.server.services.db;
  tokens.platformAdmin = h.world.tokens.platformAdmin;
  tokens.liaison = await tokenForEmail(h, 'liaison@gongzhi.demo');
  tokens.member = await tokenForEmail(h, 'member@gongzhi.demo');
  tokens.outsider = await tokenForEmail(h, 'minyi.admin@gongzhi.demo');
  await putDemoPatrolsOnDuty(h);
  const [meeting] = await db.query(`SELECT id FROM meeting ORDER BY created_at LIMIT 1`);
  const [area] = await db.query(`SELECT a.id FROM area a WHERE a.depth = 1 ORDER BY a.name LIMIT 1`);
  variables.meeting = toGlobalId('Meeting', meeting.id);
  variables.area = toGlobalId('Area', area.id);
}, 240_000);
afterAll(() => stopPlanPair(pair ?? {}));

/** A small seeded generator (mulberry32), so a failure names a document that can be generated again. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const schema = buildGraphQLSchema();

/** A selection on a declared type: a random share of its declared fields, at least one leaf, relations while depth lasts. */
function selection(next: () => number, typeName: string, depth: number, fragments: string[]): string {
  const table = SQL_ANSWERS.tables[typeName];
  const type = schema.getType(typeName) as GraphQLObjectType;
  const parts: string[] = [];
  const entries = Object.entries(table.fields) as [string, SqlField][];
  for (const [name, spec] of entries) {
    const leaf = 'column' in spec || 'globalId' in spec;
    if (!leaf && depth === 0) continue;
    if (next() > (leaf ? 0.6 : 0.5)) continue;
    const alias = next() < 0.2 ? `a${Math.floor(next() * 1000)}_${name}: ` : '';
    if (leaf) parts.push(`${alias}${name}`);
    else if ('page' in spec) {
      const first = Math.floor(next() * 6);
      parts.push(`${alias}${name}(first: ${first}) { ${next() < 0.3 ? '__typename ' : ''}nodes { ${selection(next, spec.page, depth - 1, fragments)} } }`);
    } else {
      const target = getNamedType(type.getFields()[name].type).name;
      parts.push(`${alias}${name} { ${selection(next, target, depth - 1, fragments)} }`);
    }
  }
  const [firstLeaf] = entries.find(([, spec]) => 'column' in spec) ?? entries[0];
  if (parts.length === 0) parts.push(firstLeaf);
  if (next() < 0.2) parts.push('__typename');
  // Now and then a part moves into a named or an inline fragment on the same type.
  if (parts.length > 1 && next() < 0.3) {
    const moved = parts.pop()!;
    if (next() < 0.5) parts.push(`... on ${typeName} { ${moved} }`);
    else {
      const name = `F${fragments.length}`;
      fragments.push(`fragment ${name} on ${typeName} { ${moved} }`);
      parts.push(`...${name}`);
    }
  }
  return parts.join(' ');
}

function documentFor(seed: number): string {
  const next = random(seed);
  const fragments: string[] = [];
  const roots = [
    () => `organizations(first: ${1 + Math.floor(next() * 12)}) { nodes { ${selection(next, 'Organization', 3, fragments)} } }`,
    () => `meeting(id: $meeting) { ${selection(next, 'Meeting', 3, fragments)} }`,
    () => `patrolsOnDuty(areaId: $area, first: ${1 + Math.floor(next() * 12)}) { nodes { ${selection(next, 'Patrol', 3, fragments)} } }`,
    () => `cases(first: ${1 + Math.floor(next() * 12)}) { nodes { ${selection(next, 'Case', 3, fragments)} } }`,
  ];
  const root = roots[seed % roots.length]();
  const used = [root.includes('$meeting') ? '$meeting: ID!' : '', root.includes('$area') ? '$area: ID!' : ''].filter(Boolean);
  return `query${used.length ? ` (${used.join(', ')})` : ''} { ${root} }\n${fragments.join('\n')}`;
}

describe('generated documents answered whole by PostgreSQL', () => {
  test.each(['platformAdmin', 'liaison', 'member', 'outsider'])('given 40 documents generated from the declarations, when %s asks each, then PostgreSQL answers each as the resolvers do', async (who) => {
    let answered = 0;
    for (let seed = 1; seed <= 40; seed++) {
      const document = documentFor(seed);
      const used = Object.fromEntries(Object.entries(variables).filter(([name]) => document.includes(`$${name}`)));
      const { planned, old, inSql } = await askBothInSql(pair, document, used, tokens[who]);
      // A document the limits refuse is refused by both alike; every other one must be answered in SQL.
      expect([seed, planned.body]).toEqual([seed, old.body]);
      if (planned.body.errors?.[0]?.extensions?.code === 'QUERY_TOO_COMPLEX') continue;
      expect([seed, planned.body.errors]).toEqual([seed, undefined]);
      expect([seed, inSql]).toEqual([seed, true]);
      answered += 1;
    }
    expect(answered).toBeGreaterThan(30);
  }, 120_000);
});
