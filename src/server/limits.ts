import {
  GraphQLError,
  getNamedType,
  isAbstractType,
  isInterfaceType,
  isListType,
  isNonNullType,
  isObjectType,
  parse,
  specifiedRules,
  Kind,
  type DocumentNode,
  type FieldNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLOutputType,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
  type ValueNode,
} from 'graphql';
import type { ApolloServerPlugin } from '@apollo/server';
import { ApolloArmor } from '@escape.tech/graphql-armor';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../shared/relay/connection';

export interface QueryLimits {
  maxDepth: number;
  maxAliases: number;
  maxDirectives: number;
  maxTokens: number;
  maxFields: number;
  maxCost: number;
  blockFieldSuggestions: boolean;
}

export const QUERY_TOO_COMPLEX = 'QUERY_TOO_COMPLEX';

/** A plain list without `first` is assumed to hold this many items when estimating cost. */
const ASSUMED_LIST_SIZE = 10;

function tooComplex(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: QUERY_TOO_COMPLEX } });
}

/**
 * The limits every operation passes before it runs, as validation rules, so
 * HTTP (Apollo `validationRules`) and WebSocket (graphql-ws `onSubscribe`)
 * apply the very same ones, whatever executes the operation afterwards.
 *
 * Aliases, depth and directives are graphql-armor's rules, told not to spare
 * `__typename` (its alias allow-list is emptied). Depth skips the inside of
 * `__schema`, whose nesting graphql-js bounds itself (MaxIntrospectionDepthRule
 * is among the specified rules) and which `costRule` allows once per
 * operation. Cost is our own rule: armor's cost analysis charges by depth and
 * cannot say "a connection multiplies its children by `first`".
 * Tokens are counted by the parser (`parseOptions.maxTokens`), see parseLimited.
 */
export function queryLimits(limits: QueryLimits): { validationRules: ValidationRule[]; plugins: ApolloServerPlugin<never>[] } {
  const report = (context: ValidationContext | null, error: GraphQLError) => {
    context?.reportError(tooComplex(error.message.replace(/^Syntax Error: /, '')));
  };
  const rejection = { propagateOnRejection: false, exposeLimits: true, onReject: [report] };
  const armor = new ApolloArmor({
    maxAliases: { ...rejection, n: limits.maxAliases, allowList: [] },
    maxDepth: { ...rejection, n: limits.maxDepth, ignoreIntrospection: true, flattenFragments: true },
    maxDirectives: { ...rejection, n: limits.maxDirectives },
    blockFieldSuggestion: { enabled: limits.blockFieldSuggestions, mask: SUGGESTION_MASK },
    costLimit: { enabled: false },
    maxTokens: { enabled: false },
  }).protect();
  return { validationRules: [...armor.validationRules, costRule(limits), oneSignInPerOperation], plugins: armor.plugins as ApolloServerPlugin<never>[] };
}

/** Mutations that check a credential; throttling counts requests, so one request may try one credential. */
const SIGN_IN_MUTATIONS = new Set(['authLogin', 'authTokenForClient', 'authRefresh']);

/**
 * At most one sign-in mutation per operation (and a request runs one
 * operation): 30 aliased `authLogin` fields would otherwise try 30 passwords
 * in one request. Counts root fields through fragments too.
 */
export function oneSignInPerOperation(context: ValidationContext) {
  const count = (selectionSet: SelectionSetNode, seen: Set<string>): number =>
    selectionSet.selections.reduce((total, selection) => {
      if (selection.kind === Kind.FIELD) return total + (SIGN_IN_MUTATIONS.has(selection.name.value) ? 1 : 0);
      if (selection.kind === Kind.INLINE_FRAGMENT) return total + count(selection.selectionSet, seen);
      const name = selection.name.value;
      const fragment = context.getFragment(name);
      if (!fragment || seen.has(name)) return total;
      return total + count(fragment.selectionSet, new Set([...seen, name]));
    }, 0);
  return {
    OperationDefinition(node: OperationDefinitionNode) {
      if (node.operation !== 'mutation') return;
      if (count(node.selectionSet, new Set()) > 1) {
        context.reportError(new GraphQLError('At most one sign-in mutation (authLogin, authTokenForClient, authRefresh) per request.', { nodes: [node] }));
      }
    },
  };
}

/** What replaces "Did you mean …" when suggestions are blocked (armor's default mask). */
export const SUGGESTION_MASK = '[Suggestion hidden]';

/** Hides field suggestions like armor's Apollo plugin does, for WebSocket errors, which Apollo never sees. */
export function maskSuggestions(message: string): string {
  return message.replace(/Did you mean ".+"/g, SUGGESTION_MASK);
}

/** The graphql-js rules plus ours: what graphql-ws must run, since it knows nothing of Apollo's configuration. */
export function allValidationRules(limits: QueryLimits): ValidationRule[] {
  return [...specifiedRules, ...queryLimits(limits).validationRules];
}

/**
 * Parses with the token limit. graphql-js counts tokens exactly like
 * graphql-armor's max-tokens (same lexer, EOF not counted) and reports an
 * excess as an ordinary syntax error, whereas armor's Apollo plugin throws
 * from `parsingDidStart`, which Apollo answers with 500 for every syntax error.
 */
export function parseLimited(query: string, limits: Pick<QueryLimits, 'maxTokens'>): DocumentNode {
  return parse(query, { maxTokens: limits.maxTokens });
}

export interface QueryMeasure {
  /** Field selections once fragments are expanded, duplicates and `__` fields included. */
  fields: number;
  cost: number;
  schemaIntrospections: number;
}

/**
 * Cost: every field costs 1 (`__typename` and introspection fields too); a
 * connection multiplies its children by `first` (default 20), a plain list by
 * the number of `ids` or by 10. A `first` given by a variable counts as the
 * most it may be (100), because validated documents are cached and reused
 * with other variables. Lists inside introspection count once each. Also counts field selections (500 copies of one field
 * merge into one answer but still cost their validation) and `__schema`
 * selections (one answer is one copy of the schema; a second adds nothing).
 */
export function costRule(limits: Pick<QueryLimits, 'maxCost' | 'maxFields'>): ValidationRule {
  return (context) => ({
    OperationDefinition(operation) {
      const measure = measureOperation(context, operation);
      if (!measure) return;
      if (measure.schemaIntrospections > 1) context.reportError(tooComplex(`__schema may be selected once per operation, found ${measure.schemaIntrospections}.`));
      if (measure.fields > limits.maxFields) context.reportError(tooComplex(`Query selects ${measure.fields} fields; the limit is ${limits.maxFields}.`));
      if (measure.cost > limits.maxCost) context.reportError(tooComplex(`Query cost ${measure.cost} exceeds the limit of ${limits.maxCost}.`));
    },
  });
}

function measureOperation(context: ValidationContext, operation: OperationDefinitionNode): QueryMeasure | null {
  const schema = context.getSchema();
  const root = operation.operation === 'query' ? schema.getQueryType() : operation.operation === 'mutation' ? schema.getMutationType() : schema.getSubscriptionType();
  if (!root) return null;
  const measure: QueryMeasure = { fields: 0, cost: 0, schemaIntrospections: 0 };
  const defaults = new Map<string, ValueNode>();
  for (const definition of operation.variableDefinitions ?? []) {
    if (definition.defaultValue) defaults.set(definition.variable.name.value, definition.defaultValue);
  }

  /** A numeric argument: its literal, a variable's default, or `whenVariable` for a variable without one. */
  function intArgument(node: FieldNode, name: string, whenVariable: number): number | undefined {
    let value = node.arguments?.find((a) => a.name.value === name)?.value;
    if (value?.kind === Kind.VARIABLE) value = defaults.get(value.name.value) ?? value;
    if (!value) return undefined;
    if (value.kind === Kind.VARIABLE) return whenVariable;
    if (value.kind === Kind.INT) return Math.max(Number(value.value), 1);
    if (value.kind === Kind.LIST) return Math.max(value.values.length, 1);
    return undefined;
  }

  function walk(parent: GraphQLCompositeType, selectionSet: SelectionSetNode, seen: ReadonlySet<string>): number {
    let cost = 0;
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        measure.fields += 1;
        const name = selection.name.value;
        if (name === '__schema') measure.schemaIntrospections += 1;
        const field = fieldOf(parent, name);
        if (!field) {
          cost += 1;
          continue;
        }
        const type = getNamedType(field.type);
        let childCost = 0;
        if (selection.selectionSet && (isObjectType(type) || isInterfaceType(type) || isAbstractType(type))) {
          childCost = walk(type, selection.selectionSet, seen);
        }
        cost += 1 + multiplier(parent, field.type, selection) * childCost;
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const typeName = selection.typeCondition?.name.value;
        const type = typeName ? (schema.getType(typeName) as GraphQLCompositeType | undefined) : parent;
        cost += walk(type ?? parent, selection.selectionSet, seen);
      } else {
        const fragment = context.getFragment(selection.name.value);
        // A fragment cycle is refused by NoFragmentCyclesRule; here it must only not loop.
        if (!fragment || seen.has(fragment.name.value)) continue;
        const type = schema.getType(fragment.typeCondition.name.value) as GraphQLCompositeType | undefined;
        cost += walk(type ?? parent, fragment.selectionSet, new Set([...seen, fragment.name.value]));
      }
    }
    return cost;
  }

  function fieldOf(parent: GraphQLCompositeType, name: string): GraphQLField<unknown, unknown> | undefined {
    // Introspection's entry points are on the query root only; their types are not among the root's fields.
    if (name === '__schema' || name === '__type') {
      return parent === schema.getQueryType() ? ({ type: schema.getType(name === '__schema' ? '__Schema' : '__Type') } as GraphQLField<unknown, unknown>) : undefined;
    }
    return isObjectType(parent) || isInterfaceType(parent) ? parent.getFields()[name] : undefined;
  }

  function multiplier(parent: GraphQLCompositeType, type: GraphQLOutputType, node: FieldNode): number {
    // Introspection lists are as long as the schema is, not a client's choice: one `__schema` (the
    // only one allowed) is charged per selected field, and graphql-js bounds how deep its lists nest.
    if (parent.name.startsWith('__')) return 1;
    // `edges`/`nodes` of a connection are already counted by the connection's `first`.
    if (parent.name.endsWith('Connection')) return 1;
    if (getNamedType(type).name.endsWith('Connection')) return intArgument(node, 'first', MAX_PAGE_SIZE) ?? DEFAULT_PAGE_SIZE;
    const unwrapped = isNonNullType(type) ? type.ofType : type;
    if (isListType(unwrapped)) return intArgument(node, 'ids', MAX_PAGE_SIZE) ?? intArgument(node, 'first', MAX_PAGE_SIZE) ?? ASSUMED_LIST_SIZE;
    return 1;
  }

  measure.cost = walk(root, operation.selectionSet, new Set());
  return measure;
}

/** Whether an error is one of the limits above (Apollo re-labels validation errors GRAPHQL_VALIDATION_FAILED). */
export function isLimitError(error: unknown): boolean {
  const original = (error as { originalError?: unknown } | null)?.originalError ?? error;
  return original instanceof GraphQLError && original.extensions?.code === QUERY_TOO_COMPLEX;
}
