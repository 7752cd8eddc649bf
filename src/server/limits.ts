import {
  GraphQLError,
  getNamedType,
  isListType,
  isNonNullType,
  isObjectType,
  isInterfaceType,
  valueFromASTUntyped,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLOutputType,
  type GraphQLSchema,
  type GraphQLCompositeType,
  type OperationDefinitionNode,
  type SelectionSetNode,
  Kind,
} from 'graphql';
import { DEFAULT_PAGE_SIZE } from '../shared/relay/connection';

export interface QueryLimits {
  maxDepth: number;
  maxAliases: number;
  maxCost: number;
}

/** A plain list without `first` is assumed to hold this many items when estimating cost. */
const ASSUMED_LIST_SIZE = 10;

export interface QueryMeasure {
  depth: number;
  aliases: number;
  cost: number;
}

/**
 * Measures an operation: depth of nesting, number of aliases, and cost, where
 * every field costs 1 and a connection multiplies its children by `first`.
 * HTTP (an Apollo plugin) and WebSocket (graphql-ws onSubscribe) both call
 * this, so the limits are the same on both.
 */
export function measureOperation(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Record<string, unknown> | null | undefined,
): QueryMeasure | null {
  const fragments = new Map<string, FragmentDefinitionNode>();
  let operation: OperationDefinitionNode | undefined;
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
    if (definition.kind === Kind.OPERATION_DEFINITION && (!operationName || definition.name?.value === operationName)) operation ??= definition;
  }
  if (!operation) return null;
  const root = operation.operation === 'query' ? schema.getQueryType() : operation.operation === 'mutation' ? schema.getMutationType() : schema.getSubscriptionType();
  if (!root) return null;
  const measure: QueryMeasure = { depth: 0, aliases: 0, cost: 0 };
  measure.cost = walk(root, operation.selectionSet, 1, new Set());

  function argument(node: { arguments?: readonly { name: { value: string }; value: never }[] }, name: string): unknown {
    const arg = node.arguments?.find((a) => a.name.value === name);
    return arg ? valueFromASTUntyped(arg.value, variables ?? undefined) : undefined;
  }

  function walk(parent: GraphQLCompositeType, selectionSet: SelectionSetNode, depth: number, seen: Set<string>): number {
    let cost = 0;
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        const name = selection.name.value;
        if (name.startsWith('__')) continue;
        if (selection.alias) measure.aliases += 1;
        measure.depth = Math.max(measure.depth, depth);
        const field = isObjectType(parent) || isInterfaceType(parent) ? parent.getFields()[name] : undefined;
        if (!field) continue;
        const type = getNamedType(field.type);
        let childCost = 0;
        if (selection.selectionSet && (isObjectType(type) || isInterfaceType(type) || 'getTypes' in type)) {
          childCost = walk(type as GraphQLCompositeType, selection.selectionSet, depth + 1, seen);
        }
        cost += 1 + multiplier(parent, field.type, selection as never) * childCost;
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const typeName = selection.typeCondition?.name.value;
        const type = typeName ? (schema.getType(typeName) as GraphQLCompositeType) : parent;
        cost += walk(type ?? parent, selection.selectionSet, depth, seen);
      } else {
        const fragment = fragments.get(selection.name.value);
        if (!fragment || seen.has(fragment.name.value)) continue;
        const type = schema.getType(fragment.typeCondition.name.value) as GraphQLCompositeType;
        cost += walk(type ?? parent, fragment.selectionSet, depth, new Set([...seen, fragment.name.value]));
      }
    }
    return cost;
  }

  function multiplier(parent: GraphQLCompositeType, type: GraphQLOutputType, node: never): number {
    // `edges`/`nodes` of a connection are already counted by the connection's `first`.
    if (parent.name.endsWith('Connection')) return 1;
    const first = argument(node, 'first');
    if (getNamedType(type).name.endsWith('Connection')) return typeof first === 'number' ? Math.max(first, 1) : DEFAULT_PAGE_SIZE;
    const unwrapped = isNonNullType(type) ? type.ofType : type;
    if (isListType(unwrapped)) {
      const ids = argument(node, 'ids');
      return Array.isArray(ids) ? Math.max(ids.length, 1) : typeof first === 'number' ? Math.max(first, 1) : ASSUMED_LIST_SIZE;
    }
    return 1;
  }

  return measure;
}

export function limitErrors(measure: QueryMeasure | null, limits: QueryLimits): GraphQLError[] {
  if (!measure) return [];
  const errors: GraphQLError[] = [];
  const fail = (message: string) =>
    errors.push(new GraphQLError(message, { extensions: { code: 'QUERY_TOO_COMPLEX', http: { status: 400 } } }));
  if (measure.depth > limits.maxDepth) fail(`Query depth ${measure.depth} exceeds the limit of ${limits.maxDepth}.`);
  if (measure.aliases > limits.maxAliases) fail(`Query uses ${measure.aliases} aliases; the limit is ${limits.maxAliases}.`);
  if (measure.cost > limits.maxCost) fail(`Query cost ${measure.cost} exceeds the limit of ${limits.maxCost}.`);
  return errors;
}
