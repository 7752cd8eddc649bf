import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSchema, GraphQLError, validate } from 'graphql';
import { allValidationRules, isLimitError, maskSuggestions, parseLimited, QUERY_TOO_COMPLEX, type QueryLimits } from '../../src/server/limits';

/**
 * The query limits as validation rules over the committed schema: each limit
 * is asked exactly at its boundary (allowed at n, refused at n + 1), and the
 * cost of small documents is computed by hand, so a loosened limit or a
 * changed multiplier fails here. test/query-limits.test.ts shows the same
 * limits over HTTP and WebSocket.
 */
const schema = buildSchema(readFileSync(join(__dirname, '../../schema/schema.graphql'), 'utf8'));
const generous: QueryLimits = { maxDepth: 50, maxAliases: 1000, maxDirectives: 1000, maxTokens: 100_000, maxFields: 10_000, maxCost: 1_000_000, blockFieldSuggestions: false };

function refusals(document: string, limits: Partial<QueryLimits> = {}): string[] {
  const all = { ...generous, ...limits };
  return validate(schema, parseLimited(document, all), allValidationRules(all))
    .filter((error) => error.extensions?.code === QUERY_TOO_COMPLEX)
    .map((error) => error.message);
}

/** The cost the rule computes, read back from its refusal at a limit of 0. */
function costOf(document: string): number {
  const message = refusals(document, { maxCost: 0 }).find((m) => m.startsWith('Query cost'));
  return Number(/Query cost (\d+)/.exec(message ?? '')?.[1] ?? NaN);
}

describe('query cost', () => {
  test.each([
    ['a connection without first counts 20 items', '{ organizations { nodes { id } } }', 1 + 20 * (1 + 1)],
    ['a connection with first counts that many', '{ organizations(first: 3) { nodes { id } } }', 1 + 3 * (1 + 1)],
    ['first: 0 still counts one item', '{ organizations(first: 0) { nodes { id } } }', 1 + 1 * (1 + 1)],
    ['first from a variable counts the most it may be', 'query ($n: Int) { organizations(first: $n) { nodes { id } } }', 1 + 100 * (1 + 1)],
    ['first after other arguments counts that many', '{ cases(areaId: "x", statuses: [ASSIGNED], first: 3) { nodes { id } } }', 1 + 3 * (1 + 1)],
    ['first from a variable with a default counts the default', 'query ($n: Int = 5) { organizations(first: $n) { nodes { id } } }', 1 + 5 * (1 + 1)],
    ['a list by ids counts the ids', '{ nodes(ids: ["a", "b"]) { id } }', 1 + 2 * 1],
    ['a plain list counts 10 items', '{ organization(id: "x") { jurisdiction { id } } }', 1 + 1 * (1 + 10 * 1)],
    ['edges inside a connection are not multiplied again', '{ organizations(first: 2) { edges { node { id } } } }', 1 + 2 * (1 + 1 * (1 + 1))],
    ['fragments count like the fields they hold', 'query { organizations(first: 2) { ...F } } fragment F on OrganizationConnection { nodes { id name } }', 1 + 2 * (1 + 2)],
    ['inline fragments count like the fields they hold', '{ node(id: "x") { ... on Area { name code } } }', 1 + 2],
    ['__typename counts', '{ __typename a: __typename }', 2],
    ['a mutation is costed on the mutation root', 'mutation { authLogout(input: { refreshToken: "x" }) { userErrors { code } } }', 1 + 1 * (1 + 10 * 1)],
    ['a subscription is costed on the subscription root', 'subscription { networkChanges { cursor } }', 1 + 1],
    ['introspection lists count once per field', '{ __schema { types { name } } }', 1 + 1 * (1 + 1 * 1)],
  ])('given %s, when validating, then the cost is as computed by hand', (_, document, cost) => {
    expect(costOf(document)).toBe(cost);
  });

  test('given a cost exactly at the limit, then it is allowed, and one above is refused', () => {
    expect(refusals('{ organizations { nodes { id } } }', { maxCost: 41 })).toEqual([]);
    expect(refusals('{ organizations { nodes { id } } }', { maxCost: 40 })).toEqual(['Query cost 41 exceeds the limit of 40.']);
  });
});

describe('field, alias, depth and directive limits', () => {
  test('given duplicated fields, when counting, then each copy counts up to the limit', () => {
    const three = '{ __typename __typename __typename }';
    expect(refusals(three, { maxFields: 3 })).toEqual([]);
    expect(refusals(three, { maxFields: 2 })).toEqual(['Query selects 3 fields; the limit is 2.']);
  });

  test('given aliases of __typename, when at the alias limit, then allowed, and one more is refused', () => {
    expect(refusals('{ a: __typename b: __typename }', { maxAliases: 2 })).toEqual([]);
    expect(refusals('{ a: __typename b: __typename c: __typename }', { maxAliases: 2 })).toHaveLength(1);
  });

  test('given nesting, when at the depth limit, then allowed, and one level deeper is refused', () => {
    const depthOf = (levels: number) => `{ area(id: "x") { ${'parent { '.repeat(levels)}id${' }'.repeat(levels)} } }`;
    // `area { parent { id } }` is 3 levels deep: each `parent` adds one.
    expect(refusals(depthOf(2), { maxDepth: 4 })).toEqual([]);
    expect(refusals(depthOf(3), { maxDepth: 4 })).toHaveLength(1);
    expect(refusals(depthOf(3), { maxDepth: 5 })).toEqual([]);
  });

  test('given nesting spread over fragments, then it counts as deep as written out', () => {
    const viaFragments = 'query { area(id: "x") { ...A } } fragment A on Area { parent { ...B } } fragment B on Area { parent { parent { id } } }';
    expect(refusals(viaFragments, { maxDepth: 4 })).toEqual(['Query depth limit of 4 exceeded, found 5.']);
  });

  test('given a refusal, then it names the limit and what was found', () => {
    expect(refusals('{ a: __typename b: __typename }', { maxAliases: 1 })).toEqual(['Aliases limit of 1 exceeded, found 2.']);
    expect(refusals('{ __typename @skip(if: false) @include(if: true) }', { maxDirectives: 1 })).toEqual(['Directives limit of 1 exceeded, found 2.']);
  });

  test('given a fragment cycle, then validation reports it and the cost walk does not loop', () => {
    const cycle = 'query { ...A } fragment A on Query { ...B } fragment B on Query { ...A }';
    const errors = validate(schema, parseLimited(cycle, generous), allValidationRules(generous)).map((e) => e.message);
    expect(errors).toEqual(['Cannot spread fragment "A" within itself via "B".']);
  });

  test('given repeated directives, when at the limit, then allowed, and one more is refused', () => {
    expect(refusals('{ __typename @skip(if: false) @include(if: true) }', { maxDirectives: 2 })).toEqual([]);
    expect(refusals('{ __typename @skip(if: false) @include(if: true) @skip(if: false) }', { maxDirectives: 2 })).toHaveLength(1);
  });

  test('given two __schema selections, then refused; one is allowed', () => {
    expect(refusals('{ __schema { queryType { name } } }')).toEqual([]);
    expect(refusals('{ a: __schema { queryType { name } } b: __schema { queryType { name } } }')).toEqual(['__schema may be selected once per operation, found 2.']);
  });

  test('given more tokens than allowed, when parsing, then a syntax error, not a crash', () => {
    expect(() => parseLimited('{ a b c d }', { maxTokens: 5 })).toThrow(GraphQLError);
    expect(() => parseLimited('{ a b c }', { maxTokens: 5 })).not.toThrow();
  });
});

describe('limit errors', () => {
  test('given a limit refusal and any other error, then only the refusal is a limit error', () => {
    const refusal = new GraphQLError('too big', { extensions: { code: QUERY_TOO_COMPLEX } });
    expect(isLimitError(refusal)).toBe(true);
    expect(isLimitError({ originalError: refusal })).toBe(true);
    expect(isLimitError(new GraphQLError('bad', { extensions: { code: 'BAD_USER_INPUT' } }))).toBe(false);
    expect(isLimitError(new Error('boom'))).toBe(false);
    expect(isLimitError(null)).toBe(false);
  });

  test('given a message with a suggestion, when masking, then the suggested names are gone', () => {
    expect(maskSuggestions('Cannot query field "nam" on type "Area". Did you mean "name"?')).toBe('Cannot query field "nam" on type "Area". [Suggestion hidden]?');
  });
});
