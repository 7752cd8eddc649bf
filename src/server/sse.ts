import { randomUUID } from 'node:crypto';
import type { Request, Response } from 'express';
import { GraphQLError, getOperationAST, type ExecutionArgs, type GraphQLSchema } from 'graphql';
import { createHandler } from 'graphql-sse/lib/use/express';
import type { OperationArgs } from 'graphql-sse';
import type { AppServices } from '../shared/context';
import { isDatabaseUnavailable } from '../shared/database/unavailable';
import { subscriptionDeliveries } from '../shared/metrics';
import { createContext } from './context';
import { SERVICE_UNAVAILABLE, UNAVAILABLE_MESSAGE, formatError } from './errors';
import { compiledEventExecutor } from './compiled-executor';
import { createSharedSubscribe } from './shared-subscribe';
import { DocumentCache } from './ws';

export const SSE_PATH = '/graphql/stream';

/**
 * GraphQL over Server-Sent Events (graphql-sse, distinct-connections mode):
 * one POST per subscription, answered with an event stream, for clients
 * behind proxies that break WebSockets. The subscription operations are the
 * very ones of graphql-ws, with the same rules: the Authorization header is
 * judged as HTTP judges it (a fresh read of the account), the document
 * passes the same limits and validation, `after` resumes, and each event is
 * checked against the viewer as it is then (the event stream does that for
 * every transport). Queries and mutations belong on POST /graphql.
 */
export function createSseHandler(app: AppServices, schema: GraphQLSchema) {
  const documents = new DocumentCache(schema, app.config.limits);
  const services: AppServices = { ...app, db: app.realtimeDb };
  const format = formatError(app.log);
  const shareKeys = new WeakMap<object, string>();
  const subscribe = createSharedSubscribe((args) => shareKeys.get(args.contextValue as object) ?? null, undefined, app.config.compiledExecution ? compiledEventExecutor(schema) : undefined);
  const open = new Set<Response>();
  // graphql-sse streams an answer given here only when it has a `data` key.
  const refuse = (error: GraphQLError) => ({ data: null, errors: [error] });

  const handler = createHandler({
    schema,
    // Distinct connections only: no reservation tokens, every stream is its own request.
    authenticate: () => null,
    // onSubscribe already validated with every rule and limit (DocumentCache); graphql-sse would validate again.
    validate: () => [],
    subscribe,
    onConnect: (req) => {
      const res = (req.context as { res: Response }).res;
      open.add(res);
      res.once('close', () => open.delete(res));
    },
    onSubscribe: async (req, params) => {
      const parsed = documents.get(params.query);
      if (parsed.errors) return { data: null, errors: [...parsed.errors] };
      const operation = getOperationAST(parsed.document, params.operationName);
      if (operation?.operation !== 'subscription') {
        return refuse(new GraphQLError('Only subscriptions are served here; send queries and mutations to POST /graphql.', { extensions: { code: 'BAD_REQUEST' } }));
      }
      let resolved;
      try {
        resolved = await app.viewers.authenticate(req.raw.headers.authorization, 'fresh');
      } catch (error) {
        if (!isDatabaseUnavailable(error)) throw error;
        return refuse(new GraphQLError(UNAVAILABLE_MESSAGE, { extensions: { code: SERVICE_UNAVAILABLE } }));
      }
      if ('error' in resolved) return refuse(new GraphQLError(resolved.error, { extensions: { code: 'UNAUTHENTICATED' } }));
      const contextValue = createContext(services, resolved.viewer, resolved.subject, randomUUID(), resolved.expiresAt);
      if (resolved.subject) shareKeys.set(contextValue, JSON.stringify([resolved.subject, params.operationName ?? null, parsed.key, params.variables ?? null]));
      const args: ExecutionArgs = { schema, document: parsed.document, operationName: params.operationName, variableValues: params.variables, contextValue };
      // graphql-sse types its context as a plain record; ours is the AppContext every resolver expects.
      return args as OperationArgs;
    },
    onNext: (_ctx, _req, result) => {
      subscriptionDeliveries.inc();
      // Every answer's errors (refusals above, an event's UNAUTHENTICATED when the session ended) are sanitised as over HTTP.
      if (result.errors?.length) return { ...result, errors: result.errors.map((e) => (e instanceof GraphQLError ? (format(e.toJSON(), e) as GraphQLError) : e)) };
      return undefined;
    },
  });

  return {
    async handle(req: Request, res: Response): Promise<void> {
      try {
        await handler(req, res);
      } catch (err) {
        app.log.error({ err }, 'SSE request failed');
        if (!res.headersSent) res.status(500).json({ errors: [{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
        else res.end();
      }
    },
    /** Ends every open stream (shutdown): clients reconnect elsewhere and resume with their last cursor. */
    close(): void {
      for (const res of open) res.end();
      open.clear();
    },
  };
}
