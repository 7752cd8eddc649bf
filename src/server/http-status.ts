import type { ApolloServerPlugin } from '@apollo/server';

export const JSON_MEDIA_TYPE = 'application/json; charset=utf-8';
export const GRAPHQL_RESPONSE_MEDIA_TYPE = 'application/graphql-response+json; charset=utf-8';

/** Request errors that the GraphQL-over-HTTP spec answers with 200 under `application/json`. */
const REQUEST_ERROR_CODES = new Set(['GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'BAD_USER_INPUT', 'QUERY_TOO_COMPLEX', 'OPERATION_RESOLUTION_FAILURE']);

/**
 * Which of the two JSON media types a client gets, from its Accept header:
 * the one with the higher quality; on a tie (and for `*\/*` or no header)
 * `application/json`, which every client understands, as Apollo chooses too.
 */
export function negotiateMediaType(accept: string | undefined): 'application/json' | 'application/graphql-response+json' | null {
  if (!accept) return 'application/json';
  const ranges = accept.split(',').map((part) => {
    const [range, ...params] = part.trim().toLowerCase().split(';');
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    return { range: range.trim(), q: q ? Number(q.slice(2)) : 1 };
  });
  const quality = (type: string) => {
    let best: { specificity: number; q: number } | null = null;
    for (const { range, q } of ranges) {
      const specificity = range === type ? 3 : range === 'application/*' ? 2 : range === '*/*' ? 1 : 0;
      if (specificity && (!best || specificity > best.specificity)) best = { specificity, q: Number.isFinite(q) ? q : 0 };
    }
    return best?.q ?? 0;
  };
  const json = quality('application/json');
  const graphqlResponse = quality('application/graphql-response+json');
  if (json === 0 && graphqlResponse === 0) return null;
  return graphqlResponse > json ? 'application/graphql-response+json' : 'application/json';
}

/**
 * GraphQL over HTTP: with `application/json`, a well-formed request whose
 * document does not parse or validate, or whose variables do not fit, is
 * answered 200 (clients of that media type read errors from the body); with
 * `application/graphql-response+json` it keeps Apollo's 400. The media type is
 * fixed here together with the status so the two always agree.
 */
export function graphqlOverHttpStatusPlugin<T extends object>(): ApolloServerPlugin<T> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ request, response }) {
          const mediaType = negotiateMediaType(request.http?.headers.get('accept'));
          if (!mediaType || response.body.kind !== 'single' || response.http.headers.get('content-type')) return;
          response.http.headers.set('content-type', mediaType === 'application/json' ? JSON_MEDIA_TYPE : GRAPHQL_RESPONSE_MEDIA_TYPE);
          const { singleResult } = response.body;
          if (mediaType !== 'application/json' || response.http.status !== 400 || singleResult.data !== undefined) return;
          const codes = (singleResult.errors ?? []).map((e) => e.extensions?.code as string | undefined);
          if (codes.length && codes.every((code) => code && REQUEST_ERROR_CODES.has(code))) response.http.status = 200;
        },
      };
    },
  };
}
