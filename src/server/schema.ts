import { lexicographicSortSchema, printSchema, type GraphQLSchema } from 'graphql';
import { buildSchemaSync } from 'type-graphql';
import { allResolvers } from '../modules';
import { authChecker, requireDeclaredAccess } from '../shared/auth/policy';

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
  cached ??= buildSchemaSync({
    resolvers: allResolvers,
    authChecker,
    authMode: 'error',
    globalMiddlewares: [requireDeclaredAccess],
    validate: false,
    pubSub: unusedPubSub as never,
  });
  return cached;
}

/** The committed `schema/schema.graphql`: sorted so that moving code around does not churn it. */
export function printGraphQLSchema(): string {
  return `${printSchema(lexicographicSortSchema(buildGraphQLSchema()))}\n`;
}
