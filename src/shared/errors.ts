import { GraphQLError } from 'graphql';
import { Field, ObjectType, registerEnumType } from 'type-graphql';
import { valueObject, WHY } from './relay/value-object';

/**
 * Codes of business-rule and bad-input failures. Clients branch on these, so a
 * code keeps its meaning once published; add new ones rather than reuse.
 */
export enum UserErrorCode {
  INVALID = 'INVALID',
  REQUIRED = 'REQUIRED',
  TOO_LONG = 'TOO_LONG',
  OUT_OF_RANGE = 'OUT_OF_RANGE',
  NOT_FOUND = 'NOT_FOUND',
  DUPLICATE = 'DUPLICATE',
  CYCLE = 'CYCLE',
  SELF_REFERENCE = 'SELF_REFERENCE',
  DATE_ORDER = 'DATE_ORDER',
  CONFLICT = 'CONFLICT',
  INVALID_TRANSITION = 'INVALID_TRANSITION',
  ALREADY_DONE = 'ALREADY_DONE',
  INVALID_CREDENTIALS = 'INVALID_CREDENTIALS',
  LAST_ADMIN = 'LAST_ADMIN',
  NOT_PERMITTED_HERE = 'NOT_PERMITTED_HERE',
  INVALID_CHARACTERS = 'INVALID_CHARACTERS',
  SECOND_PERSON_REQUIRED = 'SECOND_PERSON_REQUIRED',
  PERIOD_PUBLISHED = 'PERIOD_PUBLISHED',
  APPROVALS_PENDING = 'APPROVALS_PENDING',
  PAY_DRAWN = 'PAY_DRAWN',
}

registerEnumType(UserErrorCode, {
  name: 'UserErrorCode',
  description: 'Why a mutation refused its input or a business rule.',
  valuesConfig: {
    INVALID: { description: 'The value has the wrong form.' },
    REQUIRED: { description: 'A required value is missing or blank.' },
    TOO_LONG: { description: 'The value exceeds its maximum length.' },
    OUT_OF_RANGE: { description: 'The number or date lies outside the allowed range.' },
    NOT_FOUND: { description: 'No record with this id exists that the viewer may see.' },
    DUPLICATE: { description: 'The record already exists.' },
    CYCLE: { description: 'The change would make a record its own ancestor.' },
    SELF_REFERENCE: { description: 'A record cannot relate to itself.' },
    DATE_ORDER: { description: 'An end lies before its start.' },
    CONFLICT: { description: 'The record changed since the given version; reload and retry.' },
    INVALID_TRANSITION: { description: 'The record is not in a state that allows this step.' },
    ALREADY_DONE: { description: 'The step was already taken.' },
    INVALID_CREDENTIALS: { description: 'The credentials do not match an active account or client.' },
    LAST_ADMIN: { description: 'An organisation must keep at least one ADMIN.' },
    NOT_PERMITTED_HERE: { description: 'The viewer may act, but not with this value (for example another organisation).' },
    INVALID_CHARACTERS: { description: 'The text holds a control character (NUL and the like) or broken Unicode; only free-form text may hold tabs and line breaks.' },
    SECOND_PERSON_REQUIRED: { description: 'Two-person rule: whoever recorded a fund entry cannot approve or reject it; another person must.' },
    PERIOD_PUBLISHED: { description: 'The date lies in a period whose fund statement was published (公示): that period is frozen; record a correction in an open period instead.' },
    APPROVALS_PENDING: { description: 'Entries of the period still await approval; approve or reject them before publishing.' },
    PAY_DRAWN: { description: "A person's pay for the month was already drawn from their hours into a fund payout; reverse (or have rejected) that payout before changing the hours or drawing again." },
  },
});

@ObjectType({ description: valueObject('A problem with the input of a mutation or a broken business rule.', WHY.answer) })
export class UserError {
  @Field(() => [String], { description: 'Path to the input field at fault, starting with "input"; empty when the error concerns the whole input.' })
  field!: string[];

  @Field({ description: 'Human-readable explanation, safe to show to the user.' })
  message!: string;

  @Field(() => UserErrorCode, { description: 'Machine-readable reason.' })
  code!: UserErrorCode;
}

export function userError(field: string[] | string, code: UserErrorCode, message: string): UserError {
  const error = new UserError();
  error.field = Array.isArray(field) ? field : ['input', field];
  error.code = code;
  error.message = message;
  return error;
}

/** Thrown inside a service to abort the transaction and answer with userErrors. */
export class UserErrorsException extends Error {
  constructor(public readonly userErrors: UserError[]) {
    super(userErrors.map((e) => e.message).join('; '));
  }
}

export function unauthenticated(message = 'Sign in to do this.'): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'UNAUTHENTICATED' } });
}

export function forbidden(message = 'You are not allowed to do this.'): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'FORBIDDEN' } });
}

/** For subscriptions and other top-level answers: an id that does not exist and one the viewer may not see get this same error. */
export function notFound(type: string): GraphQLError {
  return new GraphQLError(`No ${type} with this id.`, { extensions: { code: 'NOT_FOUND' } });
}

export function badUserInput(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT' } });
}
