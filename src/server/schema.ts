import { isInterfaceType, isObjectType, lexicographicSortSchema, printSchema, type GraphQLSchema } from 'graphql';
import { buildSchemaSync, getMetadataStorage } from 'type-graphql';
import { allResolvers } from '../modules';
import { ACCESS_EXTENSION, authChecker } from '../shared/auth/policy';
import { nodeTypeName } from '../modules/node/node.type';
import { guardTextInputs } from './text-guard';
import { DateTimeISO } from './date-time-scalar';
import { installInputConversion } from './input-conversion';

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
      scalarsMap: [{ type: Date, scalar: DateTimeISO }],
      pubSub: unusedPubSub as never,
    });
    assertEveryOperationDeclaresAccess(schema);
    readPlainFieldsDirectly(schema);
    installInputConversion();
    cached = guardTextInputs(schema);
    // type-graphql wraps resolveType in an async function, and graphql-jit (compiled execution) calls it
    // synchronously and would take the promise for the type.
    const node = cached.getType('Node');
    if (isInterfaceType(node)) node.resolveType = nodeTypeName;
  }
  return cached;
}

/**
 * type-graphql gives every plain field (a property read, no resolver method, no rule, no middleware) a resolver that
 * only reads the property, through its middleware chain with nothing in it. Without a resolver, the compiled
 * executor reads the property inline instead of calling a function per field per object (a check-in batch delivered
 * to a viewer is 50 objects). Left alone: fields named apart from their property (`id` reads `globalId`), fields
 * with a resolver method, arguments, rules or middlewares.
 */
function readPlainFieldsDirectly(schema: GraphQLSchema): void {
  const storage = getMetadataStorage();
  const resolved = new Set(storage.fieldResolvers.map((r) => `${r.getObjectType?.()?.name}.${r.methodName}`));
  for (const objectType of storage.objectTypes) {
    const type = schema.getType(objectType.name);
    if (!isObjectType(type)) continue;
    const fields = type.getFields();
    for (const field of objectType.fields ?? []) {
      const plain = field.schemaName === field.name && !field.roles?.length && !field.middlewares?.length && !field.params?.length;
      if (!plain || resolved.has(`${objectType.target.name}.${field.name}`) || !fields[field.schemaName]) continue;
      fields[field.schemaName].resolve = undefined;
    }
  }
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
