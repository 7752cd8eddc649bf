import { unwrapResolverError } from '@apollo/server/errors';
import type { GraphQLFormattedError } from 'graphql';
import type { Logger } from '../shared/logger';
import { isDatabaseUnavailable } from '../shared/database/unavailable';
import { QUERY_TOO_COMPLEX, isLimitError } from './limits';

export const SERVICE_UNAVAILABLE = 'SERVICE_UNAVAILABLE';
export const UNAVAILABLE_MESSAGE = 'The service cannot reach its database right now. Retry after the time in Retry-After.';

/** Codes whose message is meant for the client; anything else is an internal failure and is replaced. */
const PUBLIC_CODES = new Set([
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'BAD_USER_INPUT',
  'BAD_REQUEST',
  'NOT_FOUND',
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
  'QUERY_TOO_COMPLEX',
  'CURSOR_EXPIRED',
  'SLOW_CONSUMER',
  'TOO_MANY_SUBSCRIPTIONS',
  'RATE_LIMITED',
  SERVICE_UNAVAILABLE,
]);

/**
 * Apollo's CSRF prevention (kept on) names content types and headers but not
 * what a GraphQL client should change; urql and others send queries as GET by
 * default and meet it first.
 */
export const CSRF_BLOCKED =
  'Blocked as a possible cross-site request forgery (CSRF). Send operations as POST with "Content-Type: application/json", or add the header "apollo-require-preflight: true" to a GET query (mutations are POST only).';

/** Internal errors never leak details: the client gets a generic message, the log gets the cause. */
export function formatError(log: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    // Apollo labels every validation error GRAPHQL_VALIDATION_FAILED; a broken limit keeps its own code.
    const code = isLimitError(error) ? QUERY_TOO_COMPLEX : (formatted.extensions?.code as string | undefined);
    if (code === 'BAD_REQUEST' && formatted.message.startsWith('This operation has been blocked as a potential Cross-Site Request Forgery')) {
      return { message: CSRF_BLOCKED, extensions: { code } };
    }
    if (code && PUBLIC_CODES.has(code)) {
      // A refusal that says when to come back keeps that figure (RATE_LIMITED).
      const retryAfterSeconds = formatted.extensions?.retryAfterSeconds;
      return { message: formatted.message, locations: formatted.locations, path: formatted.path, extensions: { code, ...(typeof retryAfterSeconds === 'number' ? { retryAfterSeconds } : {}) } };
    }
    // graphql-js reports bad variable values (unknown enum value, wrong type) without a code.
    if (!code && !formatted.path && /^Variable "\$/.test(formatted.message)) {
      return { message: formatted.message, locations: formatted.locations, extensions: { code: 'BAD_USER_INPUT' } };
    }
    const cause = unwrapResolverError(error);
    // An outage is not a bug of ours or the client's: say so, and let the HTTP layer answer 503 with Retry-After.
    if (isDatabaseUnavailable(cause)) {
      log.warn({ err: cause, path: formatted.path }, 'database unavailable');
      return { message: UNAVAILABLE_MESSAGE, path: formatted.path, extensions: { code: SERVICE_UNAVAILABLE } };
    }
    log.error({ err: cause, path: formatted.path }, 'internal error');
    return { message: 'Internal server error', path: formatted.path, extensions: { code: 'INTERNAL_SERVER_ERROR' } };
  };
}
