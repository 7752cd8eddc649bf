import {
  GraphQLError,
  defaultFieldResolver,
  getNamedType,
  getNullableType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLFieldResolver,
  type GraphQLInputType,
  type GraphQLSchema,
} from 'graphql';
import { ACCESS_EXTENSION, assertAccess, type AccessLevel } from '../shared/auth/policy';
import type { AppContext } from '../shared/context';
import { UserErrorCode, userError, type UserError } from '../shared/errors';
import { PER_ITEM_OUTCOME, textProblem } from '../shared/text';

/**
 * Input fields of these names hold free-form text (several lines, a pasted
 * table), where tab and line breaks are content. Every other text input is a
 * single line: a name, a title, an e-mail, an id.
 */
const FREE_FORM_FIELDS = new Set([
  'description',
  'note',
  'text',
  'minutes',
  'decision',
  'reason',
  'statement',
  'question',
  'outcome',
  'background',
  'resolution',
  'body',
  'address',
  'safetyHazard',
  'classification',
  'foundHow',
]);


interface Problem {
  path: string[];
  message: string;
}

function* problemsIn(value: unknown, type: GraphQLInputType, path: string[], freeForm: boolean): Generator<Problem> {
  if (value === null || value === undefined) return;
  const nullable = getNullableType(type) as GraphQLInputType;
  if (isListType(nullable)) {
    if (!Array.isArray(value)) return;
    for (let i = 0; i < value.length; i++) yield* problemsIn(value[i], nullable.ofType, [...path, String(i)], freeForm);
    return;
  }
  if (isInputObjectType(nullable)) {
    const fields = nullable.getFields();
    for (const [name, field] of Object.entries(fields)) {
      if (field.extensions?.[PER_ITEM_OUTCOME]) continue;
      yield* problemsIn((value as Record<string, unknown>)[name], field.type, [...path, name], FREE_FORM_FIELDS.has(name));
    }
    return;
  }
  if (isScalarType(nullable) && (nullable.name === 'String' || nullable.name === 'ID') && typeof value === 'string') {
    const message = textProblem(value, freeForm && nullable.name === 'String');
    if (message) yield { path, message: `${path[path.length - 1]} ${message}` };
  }
}

/** Whether an argument can carry text at all; fields without such arguments are left unwrapped. */
function carriesText(type: GraphQLInputType, seen = new Set<string>()): boolean {
  const named = getNamedType(type);
  if (isScalarType(named)) return named.name === 'String' || named.name === 'ID';
  if (!isInputObjectType(named) || seen.has(named.name)) return false;
  seen.add(named.name);
  return Object.values(named.getFields()).some((f) => !f.extensions?.[PER_ITEM_OUTCOME] && carriesText(f.type, seen));
}

function argumentProblems(args: readonly GraphQLArgument[], values: Record<string, unknown>): Problem[] {
  const problems: Problem[] = [];
  for (const arg of args) {
    for (const problem of problemsIn(values[arg.name], arg.type, [arg.name], FREE_FORM_FIELDS.has(arg.name))) problems.push(problem);
  }
  return problems;
}

/** What a refused mutation answers: its payload with userErrors, and the empty value of every other non-null field. */
function refusedPayload(field: GraphQLField<unknown, unknown>, userErrors: UserError[]): Record<string, unknown> | null {
  const payload = getNullableType(field.type);
  if (!isObjectType(payload) || !payload.getFields().userErrors) return null;
  const result: Record<string, unknown> = { userErrors };
  for (const [name, f] of Object.entries(payload.getFields())) {
    if (name === 'userErrors' || !isNonNullType(f.type)) continue;
    const inner = f.type.ofType;
    if (isListType(inner)) result[name] = [];
    else if (isScalarType(inner) && (inner.name === 'Int' || inner.name === 'Float')) result[name] = 0;
    else if (isScalarType(inner) && inner.name === 'Boolean') result[name] = false;
  }
  return result;
}

/**
 * Refuses NUL and other control characters (and broken Unicode) in every
 * text argument before any resolver sees it: PostgreSQL cannot store NUL in
 * text, and a control character in a name is never meant. Applied once to
 * the built schema: every field with a text-carrying argument gets its
 * resolver wrapped, whatever the executor. A mutation answers in its payload
 * (`userErrors` with INVALID_CHARACTERS, after the operation's access rule,
 * so a signed-out caller still learns only that it must sign in); any other
 * field answers BAD_USER_INPUT.
 */
export function guardTextInputs(schema: GraphQLSchema): GraphQLSchema {
  const mutationType = schema.getMutationType();
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) {
      if (!field.args.some((a) => carriesText(a.type))) continue;
      const isMutation = type === mutationType;
      // A subscription's arguments are checked once, when it starts; its per-event resolve only maps the event.
      const key = type === schema.getSubscriptionType() && field.subscribe ? 'subscribe' : 'resolve';
      const original = (field[key] ?? defaultFieldResolver) as GraphQLFieldResolver<unknown, AppContext>;
      field[key] = ((source, args, context, info) => {
        const problems = argumentProblems(field.args, args);
        if (problems.length === 0) return original(source, args, context, info);
        if (isMutation) {
          const level = field.extensions?.[ACCESS_EXTENSION] as AccessLevel | undefined;
          if (level) assertAccess(context.viewer, level);
          const payload = refusedPayload(field, problems.map((p) => userError(p.path, UserErrorCode.INVALID_CHARACTERS, p.message)));
          if (payload) return payload;
        }
        const first = problems[0];
        throw new GraphQLError(`${first.path.join('.')}: ${first.message}`, { extensions: { code: 'BAD_USER_INPUT' } });
      }) as GraphQLFieldResolver<unknown, AppContext>;
    }
  }
  return schema;
}
