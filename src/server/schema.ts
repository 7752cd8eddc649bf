import { getNamedType, isInterfaceType, isObjectType, isScalarType, lexicographicSortSchema, printSchema, type GraphQLFieldResolver, type GraphQLSchema } from 'graphql';
import { buildSchemaSync, getMetadataStorage } from 'type-graphql';
import { allResolvers } from '../modules';
import { ACCESS_EXTENSION, authChecker } from '../shared/auth/policy';
import type { AppContext } from '../shared/context';
import { forbidden } from '../shared/errors';
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
    resolveSubscriptionEventsInline(schema);
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
 * A subscription's root field runs once per event and share key, only to map the event (`toPatrolUpdate(event)`).
 * type-graphql runs it behind its authorization middleware, which is async: every event's execution was a promise
 * even when nothing in its selection waits (24,000 of 24,000 in a counted ingestion run), so no result was ready
 * when the dispatcher offered an event, and every subscriber of a check-in batch took the stream's promise turns
 * (shared-subscribe.ts hands over at once only a result that is ready). Here the same check (the policy's
 * `authChecker` with the field's roles, as type-graphql calls it in authMode 'error') runs inline, then the method
 * with its root and arguments. Left to type-graphql: a method with middlewares, or with parameters other than a
 * plain @Root and scalar @Args (which type-graphql hands over unconverted).
 */
function resolveSubscriptionEventsInline(schema: GraphQLSchema): void {
  const fields = schema.getSubscriptionType()?.getFields() ?? {};
  for (const metadata of getMetadataStorage().subscriptions) {
    const field = fields[metadata.schemaName];
    const roles = metadata.roles;
    if (!field || !roles?.length || metadata.middlewares?.length) continue;
    const params = [...(metadata.params ?? [])].sort((a, b) => a.index - b.index);
    const plain = params.every((p) =>
      p.kind === 'root' ? !p.propertyName && !p.getType : p.kind === 'arg' && isScalarType(getNamedType(field.args.find((a) => a.name === p.name)?.type)),
    );
    if (!plain) continue;
    const resolver = new (metadata.target as new () => Record<string, (...values: unknown[]) => unknown>)();
    const method = resolver[metadata.methodName];
    const resolve: GraphQLFieldResolver<unknown, AppContext> = (root, args, context, info) => {
      // It throws its refusal; anything but true (a promise, say) fails closed.
      if (authChecker({ root, args, context, info }, roles) !== true) throw forbidden('You may not watch this.');
      return method.apply(resolver, params.map((p) => (p.kind === 'root' ? root : args[(p as { name: string }).name])));
    };
    field.resolve = resolve as GraphQLFieldResolver<unknown, unknown>;
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
