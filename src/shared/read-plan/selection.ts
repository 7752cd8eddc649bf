import { decodeCursor, pageSize, type ConnectionArgs } from '../relay/connection';
import { GraphQLIncludeDirective, GraphQLSkipDirective, Kind, getArgumentValues, getDirectiveValues, type FieldNode, type GraphQLField, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql';

/**
 * A small look-ahead over the operation, for resolvers that plan a read as a
 * whole: which fields sit below a field, through inline fragments and named
 * fragment spreads, leaving out what @skip/@include turn off. Type conditions
 * are not checked: planning a join the answer ends up not using costs a
 * little, missing one costs a fallback loader, never a wrong answer.
 */
export function subFields(info: GraphQLResolveInfo, fields: readonly FieldNode[], name?: string): FieldNode[] {
  const out: FieldNode[] = [];
  const visit = (set: SelectionSetNode | undefined) => {
    for (const selection of set?.selections ?? []) {
      if (!included(info, selection)) continue;
      if (selection.kind === Kind.FIELD) {
        if (!name || selection.name.value === name) out.push(selection);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        visit(selection.selectionSet);
      } else {
        visit(info.fragments[selection.name.value]?.selectionSet);
      }
    }
  };
  for (const field of fields) visit(field.selectionSet);
  return out;
}

/** The nodes of a connection field: `nodes { ... }` and `edges { node { ... } }` alike. */
export function connectionNodes(info: GraphQLResolveInfo, connections: readonly FieldNode[]): FieldNode[] {
  return [...subFields(info, connections, 'nodes'), ...subFields(info, subFields(info, connections, 'edges'), 'node')];
}

/**
 * The arguments of fields that the executor merges or aliases; null when
 * they differ (two pages of one list), which a single plan cannot serve.
 */
export function sameArguments(info: GraphQLResolveInfo, definition: GraphQLField<unknown, unknown>, fields: readonly FieldNode[]): Record<string, unknown> | null {
  let first: Record<string, unknown> | null = null;
  for (const field of fields) {
    const args = getArgumentValues(definition, field, info.variableValues);
    if (first && JSON.stringify(args) !== JSON.stringify(first)) return null;
    first ??= args;
  }
  return first;
}

/**
 * Page arguments of a nested connection that a plan can serve; null for a
 * `first` out of range or a malformed cursor, which the field resolver then
 * rejects at its own path (the parent stays, the field errs), as without
 * the plan. Reading them in the root resolver would fail the whole root.
 */
export function pageable(args: ConnectionArgs | null, cursorArity: number): ConnectionArgs | null {
  if (!args) return null;
  try {
    pageSize(args.first);
    if (args.after) decodeCursor(args.after, cursorArity);
    return args;
  } catch {
    return null;
  }
}

function included(info: GraphQLResolveInfo, node: { directives?: readonly unknown[] }): boolean {
  if (!node.directives?.length) return true;
  const skip = getDirectiveValues(GraphQLSkipDirective, node as FieldNode, info.variableValues);
  if (skip?.if === true) return false;
  const include = getDirectiveValues(GraphQLIncludeDirective, node as FieldNode, info.variableValues);
  return include?.if !== false;
}
