import {
  Kind,
  getNamedType,
  isEnumType,
  isScalarType,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLObjectType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
} from 'graphql';
import { ACCESS_EXTENSION, accessRefusal, type AccessLevel } from '../auth/policy';
import type { Viewer } from '../auth/viewer';
import type { AppContext } from '../context';
import { getVariableValues } from 'graphql/execution/values';
import { pageSize } from '../relay/connection';
import { textProblem } from '../text';
import { idOf } from '../relay/global-id';

/**
 * A read answered whole by PostgreSQL: the document's selection becomes one
 * SQL statement in which PostgreSQL builds the answer's JSON (as PostGraphile
 * and Hasura do), so Node neither hydrates rows nor runs a resolver per
 * object. Issue 11 measured the nested directory read at about 8 ms of Node
 * CPU per request resolver by resolver and under 3 ms answered this way.
 *
 * Only what a module declares (`<domain>.sql-answer.ts`) is answered: its
 * tables, the GraphQL fields each column or relation serves, and, for a field
 * with a record rule, that rule as SQL, next to the rule itself in the policy.
 * Anything else in the document (an undeclared field, a cursor, a filter
 * argument, a directive, a custom scalar other than DateTimeISO, a fragment on another type, a
 * response key used twice, a page size the field would refuse, a viewer the
 * root's access level refuses) and the whole document runs through the
 * executor as before: this path never answers differently, it only answers
 * less. test/sql-answer.test.ts asks both paths the same documents.
 */

/** How one GraphQL field of a declared type is read. Table and column names are the module's constants, never input. */
export type SqlField =
  /** The column's value as it is (String, Int, Float, Boolean, and enums whose values are their names). */
  | { column: string }
  /** The row's global id: base64url of `<Type>:<uuid>`, as toGlobalId writes it. */
  | { globalId: true }
  /**
   * The row of `type` whose id is in `key`; null when there is none, and when `when` (a boolean column the root's
   * `rows` give this type, such as the viewer's right to the whole record) is not true.
   */
  | { one: string; key: string; when?: string }
  /**
   * A connection of `type`'s rows whose `foreignKey` is this row's id, in `order` (an ORDER BY list over the row
   * alias it is given), `first` at a time; `visible` is the field's record rule as SQL over this row's id (omitted:
   * no rule). When the rule refuses, the field is null, as its resolver answers.
   */
  | { page: string; foreignKey: string; order: Order; visible?: (viewer: Viewer, id: string, bind: Bind) => string }
  /**
   * A plain list of `type`'s rows: `rows` gives the FROM list and WHERE clause that find them, given this row's alias
   * and the alias to give them (other tables it joins are named from that alias), in `order`.
   */
  | { list: string; rows: (parent: string, alias: string) => string; order: Order };

/** An ORDER BY list over the row alias it is given. */
type Order = (row: string) => string;

/** A GraphQL object type read from one table. */
export interface SqlTable {
  table: string;
  fields: Record<string, SqlField>;
}

/**
 * A root field: the rows of `type`'s table as a connection, in `order`, those `where` admits when it is given (the
 * field's filter arguments, each declared in `args`, and its record rule, as SQL over the row alias and the tables
 * `joins` adds, each row joining one row of each); or (`byId`) the
 * one row whose global id is the `id` argument, null when there is none or when `visible` (the record rule as SQL
 * over the row alias) refuses. A root whose list is more than a filtered table gives `rows` instead: a FROM item
 * (a parenthesised statement) holding the page's rows, `first` at most, which `order` then orders. A `where` or
 * `rows` that answers null leaves the document to the executor.
 */
export type SqlRoot =
  | { type: string; order: Order; args?: readonly string[]; joins?: (row: string) => string; where?: (q: RootQuery) => string | null | Promise<string | null> }
  | { type: string; order: Order; args?: readonly string[]; rows: (q: RootQuery & { first: number }) => Promise<string | null> }
  | { type: string; byId: true; visible: (viewer: Viewer, row: string, bind: Bind) => string };

/** What a root's `where` is given: the request, the row alias, the field's declared arguments and `bind`. */
export interface RootQuery {
  ctx: AppContext;
  row: string;
  arg: (name: string) => unknown;
  bind: Bind;
}

export interface SqlAnswers {
  /** By GraphQL type name. */
  tables: Record<string, SqlTable>;
  /** By Query field name. */
  roots: Record<string, SqlRoot>;
}

type Bind = (value: unknown) => string;

/**
 * Thrown inside the compiler when the document holds something it does not answer; caught at its entry. `always`:
 * the document's shape is the reason, whatever the viewer and variables, so it is not compiled again.
 */
class NotAnswered extends Error {
  constructor(readonly always: boolean) {
    super('not answered in SQL');
  }
}
/** Refused for the document's shape: an undeclared field, argument, fragment, directive or leaf type. */
const refuse = (): never => {
  throw new NotAnswered(true);
};
/** Refused for this request only: its variables, its viewer, or what the database holds. */
const refuseThisTime = (): never => {
  throw new NotAnswered(false);
};

/** Per declaration set, the operations (document, operation name) whose shape was refused: the executor's from then on. */
const refusedShapes = new WeakMap<SqlAnswers, WeakMap<DocumentNode, Set<string>>>();

/** Scalars whose JSON from PostgreSQL is what graphql-js serialises (custom scalars are not; DateTimeISO: see leafSql). */
const PLAIN_SCALARS = new Set(['String', 'Int', 'Float', 'Boolean']);

interface Compilation {
  schema: GraphQLSchema;
  answers: SqlAnswers;
  fragments: Map<string, FragmentDefinitionNode>;
  /** The operation's variables as the executor coerces them (defaults applied). */
  variables: Record<string, unknown>;
  ctx: AppContext;
  viewer: Viewer;
  bind: Bind;
  aliases: number;
}

/** The fields of a selection set on `typeName`, fragments on that type spread in; refused on anything else. */
function fieldsOf(c: Compilation, set: SelectionSetNode, typeName: string, into: FieldNode[] = []): FieldNode[] {
  for (const selection of set.selections) {
    if (selection.directives?.length) refuse();
    if (selection.kind === Kind.FIELD) into.push(selection);
    else if (selection.kind === Kind.INLINE_FRAGMENT) {
      if (selection.typeCondition && selection.typeCondition.name.value !== typeName) refuse();
      fieldsOf(c, selection.selectionSet, typeName, into);
    } else {
      const fragment = c.fragments.get(selection.name.value) ?? refuse();
      if (fragment.typeCondition.name.value !== typeName || fragment.directives?.length) refuse();
      fieldsOf(c, fragment.selectionSet, typeName, into);
    }
  }
  const keys = new Set<string>();
  for (const field of into) {
    const key = (field.alias ?? field.name).value;
    // One response key twice would merge two selections: the executor's job.
    if (keys.has(key)) refuse();
    keys.add(key);
  }
  return into;
}

/** A field's arguments by name, refused when one is not `first` or one of `declared`. */
function argumentsOf(c: Compilation, field: FieldNode, declared: readonly string[] = []): Map<string, unknown> {
  const args = new Map<string, unknown>();
  for (const arg of field.arguments ?? []) {
    if (arg.name.value !== 'first' && !declared.includes(arg.name.value)) refuse();
    args.set(arg.name.value, valueOf(c, arg.value));
  }
  return args;
}

/**
 * An argument's value; refused when the executor would refuse it: text with a control character is answered with
 * the text guard's error (server/text-guard.ts), held to the stricter single-line rule here.
 */
function valueOf(c: Compilation, value: ValueNode): unknown {
  const plain = literalOrVariable(c, value);
  if (typeof plain === 'string' && textProblem(plain, false)) refuseThisTime();
  return plain;
}

/** The page size `first` asks for, as the field would take it; refused where the field would answer with an error. */
function pageSizeOf(args: Map<string, unknown>): number {
  try {
    return pageSize(args.get('first') as number | null | undefined);
  } catch {
    return refuseThisTime();
  }
}

function literalOrVariable(c: Compilation, value: ValueNode): unknown {
  if (value.kind === Kind.NULL) return null;
  if (value.kind === Kind.INT) return Number(value.value);
  if (value.kind === Kind.STRING) return value.value;
  if (value.kind === Kind.VARIABLE) return c.variables[value.name.value];
  return refuse();
}

const jsonKey = (field: FieldNode) => `'${(field.alias ?? field.name).value}'`;

/** json_build_object(...) of one row of `typeName` (alias `row`) for a selection set. */
function objectSql(c: Compilation, typeName: string, row: string, set: SelectionSetNode | undefined): string {
  const table = c.answers.tables[typeName] ?? refuse();
  const type = c.schema.getType(typeName) as GraphQLObjectType;
  if (!set) refuse();
  const pairs: string[] = [];
  for (const field of fieldsOf(c, set!, typeName)) {
    const name = field.name.value;
    if (name === '__typename') {
      pairs.push(`${jsonKey(field)}, '${typeName}'`);
      continue;
    }
    const spec = (Object.hasOwn(table.fields, name) ? table.fields[name] : undefined) ?? refuse();
    const definition = type.getFields()[name] ?? refuse();
    if ('page' in spec) {
      pairs.push(`${jsonKey(field)}, ${pageSql(c, spec, row, field, definition)}`);
      continue;
    }
    if (field.arguments?.length) refuse();
    if ('column' in spec) {
      if (field.selectionSet) refuse();
      pairs.push(`${jsonKey(field)}, ${leafSql(definition, `${row}.${spec.column}`)}`);
    } else if ('globalId' in spec) {
      if (field.selectionSet) refuse();
      // toGlobalId: base64url without padding; encode() wraps lines at 76 characters, which base64url never does.
      pairs.push(`${jsonKey(field)}, translate(rtrim(encode(convert_to('${typeName}:' || ${row}.id::text, 'UTF8'), 'base64'), '='), E'+/\\n', '-_')`);
    } else if ('list' in spec) {
      if (getNamedType(definition.type).name !== spec.list) refuse();
      const alias = `t${++c.aliases}`;
      pairs.push(`${jsonKey(field)}, (SELECT COALESCE(json_agg(${objectSql(c, spec.list, alias, field.selectionSet)} ORDER BY ${spec.order(alias)}), '[]'::json) FROM ${spec.rows(row, alias)})`);
    } else {
      const target = c.answers.tables[spec.one] ?? refuse();
      const alias = `t${++c.aliases}`;
      const one = `(SELECT ${objectSql(c, spec.one, alias, field.selectionSet)} FROM ${target.table} ${alias} WHERE ${alias}.id = ${row}.${spec.key})`;
      pairs.push(`${jsonKey(field)}, ${spec.when ? `CASE WHEN ${row}.${spec.when} THEN ${one} END` : one}`);
    }
  }
  // json_build_object takes at most 100 arguments.
  if (pairs.length > 50) refuse();
  return `json_build_object(${pairs.join(', ')})`;
}

/**
 * A column as the executor serialises the field: plain scalars and enums whose values are their names as they are;
 * DateTimeISO as `Date.toISOString()` writes it (milliseconds, truncated as the pg driver truncates microseconds).
 * toISOString writes years outside 0001-9999 differently (0000, +010000): such a value fails the statement on
 * purpose, by a cast that fails only at run time, and the executor answers the document. Other leaves are refused.
 */
function leafSql(definition: GraphQLField<unknown, unknown>, column: string): string {
  const named = getNamedType(definition.type);
  if (isScalarType(named) && PLAIN_SCALARS.has(named.name)) return column;
  if (isEnumType(named) && named.getValues().every((v) => v.value === v.name)) return column;
  if (named.name !== 'DateTimeISO') return refuse();
  return `CASE WHEN ${column} >= '0001-01-01T00:00:00Z' AND ${column} < '10000-01-01T00:00:00Z'
    THEN to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
    ELSE (${column}::text || ' is outside the years toISOString writes with four digits')::timestamptz::text END`;
}

/** `{ nodes: [...] }` of a connection over `rows` (a FROM item aliased `alias`), for the connection's selection. */
function connectionSql(c: Compilation, field: FieldNode, nodeType: string, rows: string, alias: string, order: Order): string {
  const pairs: string[] = [];
  const typeName = `${nodeType}Connection`;
  for (const part of fieldsOf(c, field.selectionSet ?? refuse(), typeName)) {
    if (part.name.value === '__typename') pairs.push(`${jsonKey(part)}, '${typeName}'`);
    else if (part.name.value === 'nodes' && !part.arguments?.length) {
      pairs.push(`${jsonKey(part)}, (SELECT COALESCE(json_agg(${objectSql(c, nodeType, alias, part.selectionSet)} ORDER BY ${order(alias)}), '[]'::json) FROM ${rows} ${alias})`);
    } else refuse();
  }
  return `json_build_object(${pairs.join(', ')})`;
}

function pageSql(c: Compilation, spec: Extract<SqlField, { page: string }>, row: string, field: FieldNode, definition: GraphQLField<unknown, unknown>): string {
  if (getNamedType(definition.type).name !== `${spec.page}Connection`) refuse();
  const target = c.answers.tables[spec.page] ?? refuse();
  const first = pageSizeOf(argumentsOf(c, field));
  const inner = `p${++c.aliases}`;
  const rows = `(SELECT ${inner}.* FROM ${target.table} ${inner} WHERE ${inner}.${spec.foreignKey} = ${row}.id ORDER BY ${spec.order(inner)} LIMIT ${c.bind(first)})`;
  const connection = connectionSql(c, field, spec.page, rows, `t${++c.aliases}`, spec.order);
  return spec.visible ? `CASE WHEN ${spec.visible(c.viewer, `${row}.id`, c.bind)} THEN ${connection} ELSE NULL END` : connection;
}

async function rootSql(c: Compilation, field: FieldNode): Promise<string> {
  const name = field.name.value;
  if (name === '__typename') return `'Query'`;
  const root = (Object.hasOwn(c.answers.roots, name) ? c.answers.roots[name] : undefined) ?? refuse();
  const definition = c.schema.getQueryType()!.getFields()[name] ?? refuse();
  // The root's access level, decided by the policy as for the executor: a viewer it refuses gets the executor's error.
  const level = definition.extensions?.[ACCESS_EXTENSION] as AccessLevel | undefined;
  if (!level) refuse();
  if (accessRefusal(c.viewer, level!)) refuseThisTime();
  const table = c.answers.tables[root.type] ?? refuse();
  if ('byId' in root) {
    if (getNamedType(definition.type).name !== root.type) refuse();
    const [arg, ...rest] = field.arguments ?? [];
    if (!arg || arg.name.value !== 'id' || rest.length) refuse();
    const id = idOf(valueOf(c, arg.value) as string, root.type);
    // An id of another type, or not an id: the resolver's answer (null, or an error) is the executor's to give.
    if (!id) refuseThisTime();
    const alias = `t${++c.aliases}`;
    return `(SELECT ${objectSql(c, root.type, alias, field.selectionSet)} FROM ${table.table} ${alias} WHERE ${alias}.id = ${c.bind(id)} AND ${root.visible(c.viewer, alias, c.bind)})`;
  }
  if (getNamedType(definition.type).name !== `${root.type}Connection`) refuse();
  const args = argumentsOf(c, field, root.args);
  const first = pageSizeOf(args);
  const inner = `r${++c.aliases}`;
  if ('rows' in root) {
    const rows = (await root.rows({ ctx: c.ctx, row: inner, arg: (name) => args.get(name), bind: c.bind, first })) ?? refuseThisTime();
    return connectionSql(c, field, root.type, rows, `t${++c.aliases}`, root.order);
  }
  const clause = root.where ? await root.where({ ctx: c.ctx, row: inner, arg: (name) => args.get(name), bind: c.bind }) : '';
  if (clause === null) refuseThisTime();
  const where = clause ? `WHERE ${clause}` : '';
  const rows = `(SELECT ${inner}.* FROM ${table.table} ${inner} ${root.joins?.(inner) ?? ''} ${where} ORDER BY ${root.order(inner)} LIMIT ${c.bind(first)})`;
  return connectionSql(c, field, root.type, rows, `t${++c.aliases}`, root.order);
}

export interface SqlAnswer {
  sql: string;
  params: unknown[];
}

/**
 * The one statement that answers a query document for this viewer (its single column `data` is the answer's
 * `data`), or null when the document holds anything not declared (the executor answers it then).
 */
export async function sqlAnswerFor(
  schema: GraphQLSchema,
  answers: SqlAnswers,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Record<string, unknown>,
  ctx: AppContext,
): Promise<SqlAnswer | null> {
  const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  const operation = operationName ? operations.find((o) => o.name?.value === operationName) : operations.length === 1 ? operations[0] : undefined;
  if (!operation || operation.operation !== 'query' || operation.directives?.length) return null;
  let refused = refusedShapes.get(answers);
  if (!refused) refusedShapes.set(answers, (refused = new WeakMap()));
  const shapeKey = operationName ?? '';
  if (refused.get(document)?.has(shapeKey)) return null;
  // Every variable coerced as the executor would first do, used or not: one it would refuse is its error to give.
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], variables);
  if (coerced.errors) return null;
  const params: unknown[] = [];
  const c: Compilation = {
    schema,
    answers,
    ctx,
    viewer: ctx.viewer,
    variables: coerced.coerced,
    fragments: new Map(document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((f) => [f.name.value, f])),
    bind: (value) => (params.push(value), `$${params.length}`),
    aliases: 0,
  };
  try {
    const pairs: string[] = [];
    for (const field of fieldsOf(c, operation.selectionSet, 'Query')) pairs.push(`${jsonKey(field)}, ${await rootSql(c, field)}`);
    return { sql: `SELECT json_build_object(${pairs.join(', ')}) AS data`, params };
  } catch (error) {
    if (!(error instanceof NotAnswered)) throw error;
    if (error.always) {
      let shapes = refused.get(document);
      if (!shapes) refused.set(document, (shapes = new Set()));
      shapes.add(shapeKey);
    }
    return null;
  }
}
