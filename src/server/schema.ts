import { isInterfaceType, isObjectType, lexicographicSortSchema, printSchema, type GraphQLSchema } from 'graphql';
import { buildSchemaSync } from 'type-graphql';
import { allResolvers } from '../modules';
import { ACCESS_EXTENSION, authChecker } from '../shared/auth/policy';
import { nodeTypeName } from '../modules/node/node.type';
import { guardTextInputs } from './text-guard';

let cached: GraphQLSchema | undefined;

/**
 * Subscriptions use their own `subscribe` functions over the event log, so
 * type-graphql's PubSub is never used; it still insists on being given one.
 */
const unusedPubSub = {
  publish() {
    throw new Error('publish through the event log (inTransaction), not through type-graphql');
  },
  subscribe() {
    throw new Error('subscribe through eventStream, not through type-graphql topics');
  },
};

export function buildGraphQLSchema(): GraphQLSchema {
  if (!cached) {
    const schema = buildSchemaSync({
      resolvers: allResolvers,
      authChecker,
      authMode: 'error',
      validate: false,
      pubSub: unusedPubSub as never,
    });
    assertEveryOperationDeclaresAccess(schema);
    cached = guardTextInputs(schema);
    // type-graphql wraps resolveType in an async function, and graphql-jit (compiled execution) calls it
    // synchronously and would take the promise for the type.
    const node = cached.getType('Node');
    if (isInterfaceType(node)) node.resolveType = nodeTypeName;
  }
  return cached;
}

/**
 * Fails closed at start: an operation without `@Access` would be callable by
 * anyone, so the server refuses to build such a schema at all.
 */
function assertEveryOperationDeclaresAccess(schema: GraphQLSchema): void {
  const missing: string[] = [];
  for (const root of [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()]) {
    if (!isObjectType(root)) continue;
    for (const field of Object.values(root.getFields())) {
      if (!field.extensions?.[ACCESS_EXTENSION]) missing.push(`${root.name}.${field.name}`);
    }
  }
  if (missing.length) throw new Error(`Operations without an @Access rule: ${missing.join(', ')}`);
}

/** The committed `schema/schema.graphql`: sorted so that moving code around does not churn it. */
export function printGraphQLSchema(): string {
  return `${printSchema(lexicographicSortSchema(buildGraphQLSchema()))}\n`;
}
