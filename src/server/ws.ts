import type http from 'node:http';
import { randomUUID } from 'node:crypto';
import { GraphQLError, getOperationAST, validate, type DocumentNode, type ExecutionArgs, type ExecutionResult, type GraphQLSchema, type ValidationRule } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer, type WebSocket } from 'ws';
import type { AppServices } from '../shared/context';
import { createContext } from './context';
import { allValidationRules, maskSuggestions, parseLimited, type QueryLimits } from './limits';
import { SERVICE_UNAVAILABLE, UNAVAILABLE_MESSAGE, formatError } from './errors';
import { isDatabaseUnavailable } from '../shared/database/unavailable';
import { compiledEventExecutor } from './compiled-executor';
import { createSharedSubscribe, type Deliver } from './shared-subscribe';
import { subscriptionDeliveries, subscriptionEnds } from '../shared/metrics';
import { DRAIN_GRACE_MS, untilWokenOrGrace } from './drain';
import { keepAlive, watchForStalledClients } from './ws-liveness';
import { sendInBatches, sendTextFrame } from './ws-frames';

const SHUTTING_DOWN_MESSAGE = 'The server is shutting down; retry the request.';

interface ConnectionState {
  /** The `authorization` value of `connection_init`, authenticated again for every operation. */
  authorization: unknown;
  /** Ids of the connection's running subscriptions (queries and mutations over WS do not count). */
  subscriptionIds: Set<string>;
  /** Ids of its queries and mutations still running: shutdown answers them before closing the socket. */
  operationIds: Set<string>;
  /** Taken from the upgrade request at connect, so the request itself need not be kept (see onConnect). */
  clientAddress: string | null;
}

/**
 * Queries and mutations running on any socket. Shutdown waits for them like
 * the HTTP drain waits for requests: a mutation that commits must get its
 * answer before the socket and the pools it uses close.
 */
class OperationDrain {
  private running = 0;
  private waiters: (() => void)[] = [];
  draining = false;

  started(): void {
    this.running += 1;
  }

  finished(): void {
    this.running -= 1;
    if (this.running === 0) this.waiters.splice(0).forEach((wake) => wake());
  }

  /** Resolves once nothing runs, or after `graceMs`. */
  async drain(graceMs: number): Promise<void> {
    this.draining = true;
    if (this.running === 0) return;
    await untilWokenOrGrace(this.waiters, graceMs);
  }
}

/** What a socket hears when its token expires (close code 4403, like a token refused at connect). */
export const TOKEN_EXPIRED_CLOSE_REASON = 'The access token expired. Sign in again and reconnect.';

/** graphql-ws's own keep-alive interval: each socket is pinged this often and terminated if it missed the last pong. */
const KEEP_ALIVE_MS = 12_000;

/** Close code for a client that does not read its messages fast enough. 1013 = "try again later". */
export const SLOW_CONSUMER_CLOSE = 1013;

/**
 * Dashboards open the same subscription thousands of times; parsing and
 * validating it once and sharing the document saves the CPU and, above all,
 * one syntax tree per subscription. graphql-ws knows only the graphql-js
 * rules, so the query limits of HTTP are given here too (same rules, same
 * token limit, same suggestion mask); they depend on the document alone, so
 * a cached verdict holds for any variables.
 */
type CachedDocument = { document: DocumentNode; errors: null; key: string; query: string } | { document: null; errors: readonly GraphQLError[] };

export class DocumentCache {
  private readonly entries = new Map<string, CachedDocument>();
  /** Numbers the documents: a share key names its document by `key` instead of carrying the whole text. */
  private added = 0;
  private static readonly MAX_ENTRIES = 500;
  private readonly rules: ValidationRule[];

  constructor(
    private readonly schema: GraphQLSchema,
    private readonly limits: QueryLimits,
  ) {
    this.rules = allValidationRules(limits);
  }

  get(query: string): CachedDocument {
    let entry = this.entries.get(query);
    if (!entry) {
      entry = this.parseAndValidate(query);
      this.entries.set(query, entry);
      if (this.entries.size > DocumentCache.MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
    }
    return entry;
  }

  private parseAndValidate(query: string): CachedDocument {
    let document: DocumentNode;
    try {
      document = parseLimited(query, this.limits);
    } catch (error) {
      return { document: null, errors: [this.labelled(error as GraphQLError, 'GRAPHQL_PARSE_FAILED')] };
    }
    const errors = validate(this.schema, document, this.rules);
    if (errors.length) return { document: null, errors: errors.map((e) => this.labelled(e, 'GRAPHQL_VALIDATION_FAILED')) };
    // Never reused, even after eviction: two different texts must never share a key.
    this.added += 1;
    return { document, errors: null, key: `d${this.added}`, query };
  }

  /** The codes Apollo gives the same errors over HTTP (a limit keeps its own), suggestions masked when configured. */
  private labelled(error: GraphQLError, code: string): GraphQLError {
    const message = this.limits.blockFieldSuggestions ? maskSuggestions(error.message) : error.message;
    return new GraphQLError(message, { nodes: error.nodes, source: error.source, positions: error.positions, extensions: { code, ...error.extensions } });
  }
}

/** The client's address as express's `req.ip` would give it for the same TRUST_PROXY_HOPS. */
function clientAddress(request: http.IncomingMessage, trustProxyHops: number): string | null {
  const peer = request.socket.remoteAddress ?? null;
  if (trustProxyHops === 0) return peer;
  const forwarded = String(request.headers['x-forwarded-for'] ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const chain = [...forwarded, peer];
  return chain[Math.max(0, chain.length - 1 - trustProxyHops)] ?? peer;
}

/** The `payload` of a `next` message as UTF-8, serialised and encoded once per result object however many subscribers share it. */
const payloads = new WeakMap<ExecutionResult, Buffer>();

function payloadOf(result: ExecutionResult): Buffer {
  let bytes = payloads.get(result);
  if (bytes === undefined) {
    // As graphql-ws builds it: errors (by their toJSON) after the rest, absent when there are none.
    const { errors, ...rest } = result;
    bytes = Buffer.from(JSON.stringify(errors ? { ...rest, errors: errors.map((e) => e.toJSON()) } : rest));
    payloads.set(result, bytes);
  }
  return bytes;
}

/**
 * Sends a subscription's results as graphql-ws would (the same `next` message,
 * byte for byte), without its per-message path: one event fanned out to N
 * subscribers of one viewer and document is serialised once, and each socket
 * gets the shared payload bytes with its own subscription id in front
 * (sendTextFrame). A socket no longer open is skipped, as graphql-ws skips it.
 */
function directDelivery(socket: WebSocket, id: string, beforeSend: (socket: WebSocket) => void): Deliver {
  const head = Buffer.from(`{"id":${JSON.stringify(id)},"type":"next","payload":`);
  return (result) => {
    beforeSend(socket);
    if (socket.readyState !== socket.OPEN) return;
    sendTextFrame(socket, [head, payloadOf(result), CLOSING_BRACE]);
  };
}

const CLOSING_BRACE = Buffer.from('}');

export function attachWebSocket(app: AppServices, schema: GraphQLSchema, httpServer: http.Server) {
  const wsServer = new WebSocketServer({ server: httpServer, path: '/graphql', maxPayload: 1024 * 1024 });
  const states = new WeakMap<WebSocket, ConnectionState>();
  const format = formatError(app.log);
  // Work done for WebSocket operations (mostly subscription deliveries) reads through the realtime pool.
  const services: AppServices = { ...app, db: app.realtimeDb };
  const documents = new DocumentCache(schema, app.config.limits);
  /** Per subscription context: what makes two subscriptions' results for one event interchangeable. */
  const shareKeys = new WeakMap<object, string>();
  /** Per subscription context: writes its results to its socket (see directDelivery). */
  const deliveries = new WeakMap<object, Deliver>();
  const subscribe = createSharedSubscribe(
    (args) => shareKeys.get(args.contextValue as object) ?? null,
    (args) => deliveries.get(args.contextValue as object) ?? null,
    app.config.compiledExecution ? compiledEventExecutor(schema) : undefined,
  );
  /** Before each result goes out: counted, and a client that stops reading is disconnected instead of growing our memory. */
  const beforeSend = (socket: WebSocket) => {
    subscriptionDeliveries.inc();
    if (socket.bufferedAmount > app.config.limits.maxBufferedBytesPerConnection && socket.readyState === socket.OPEN) {
      subscriptionEnds.inc({ reason: 'send_buffer' });
      socket.close(SLOW_CONSUMER_CLOSE, 'Slow consumer: reconnect and resume with your last cursor');
    }
  };
  const operations = new OperationDrain();
  const finishOperation = (state: ConnectionState | undefined, id: string) => {
    if (state?.operationIds.delete(id)) operations.finished();
  };

  // Registered before graphql-ws's own listener, so each socket is adjusted before graphql-ws wraps it.
  wsServer.on('connection', sendInBatches);

  const cleanup = useServer<Record<string, unknown> | undefined, { socket: WebSocket; request: http.IncomingMessage }>(
    {
      schema,
      subscribe,
      onConnect: async (ctx) => {
        const socket = ctx.extra.socket;
        const authorization = ctx.connectionParams?.authorization ?? ctx.connectionParams?.Authorization;
        const resolved = await app.viewers.authenticate(authorization, 'fresh');
        if ('error' in resolved) {
          // Same words as the HTTP 401; graphql-ws's own close after ours (4403 "Forbidden") is then a no-op.
          socket.close(4403, resolved.error);
          return false;
        }
        const state: ConnectionState = { authorization, subscriptionIds: new Set(), operationIds: new Set(), clientAddress: clientAddress(ctx.extra.request, app.config.trustProxyHops) };
        states.set(socket, state);
        // graphql-ws would hold the upgrade request (headers, raw headers, parser state) for the socket's whole life,
        // and nothing reads it after this: dropping it saves a few hundred bytes to a few KB per idle connection.
        (ctx.extra as { request?: unknown }).request = undefined;
        // A socket that goes away takes its running operations' answers with it: nothing is left to wait for.
        socket.once('close', () => [...state.operationIds].forEach((id) => finishOperation(state, id)));
        if (resolved.expiresAt) {
          // A socket lives no longer than its token: at `exp` it closes, which ends its subscriptions too.
          const timer = setTimeout(() => {
            if (socket.readyState === socket.OPEN) socket.close(4403, TOKEN_EXPIRED_CLOSE_REASON);
          }, Math.max(0, resolved.expiresAt.getTime() - Date.now()));
          timer.unref();
          socket.once('close', () => clearTimeout(timer));
        }
        return true;
      },
      onSubscribe: async (ctx, id, payload) => {
        const state = states.get(ctx.extra.socket);
        if (!state) return [new GraphQLError('Not initialised', { extensions: { code: 'UNAUTHENTICATED' } })];
        // Like the HTTP drain's 503: refused before anything runs, so safe to retry on another server.
        if (operations.draining) return [new GraphQLError(SHUTTING_DOWN_MESSAGE, { extensions: { code: SERVICE_UNAVAILABLE } })];
        const parsed = documents.get(payload.query);
        if (parsed.errors) return parsed.errors;
        const document = parsed.document;
        // graphql-ws keeps the subscribe message for the subscription's life: let it hold the cached text, not its own copy.
        (payload as { query: string }).query = parsed.query;
        // Authorised now, not at connect time: the token (expiry included) and the account as they are at this operation,
        // by the rule HTTP applies; the identity comes from the per-subject cache that membership and client changes invalidate.
        let resolved;
        try {
          resolved = await app.viewers.authenticate(state.authorization, 'cached');
        } catch (error) {
          if (!isDatabaseUnavailable(error)) throw error;
          return [new GraphQLError(UNAVAILABLE_MESSAGE, { extensions: { code: SERVICE_UNAVAILABLE } })];
        }
        if ('error' in resolved) return [new GraphQLError(resolved.error, { extensions: { code: 'UNAUTHENTICATED' } })];
        // Counted after the await above, in the same tick as the add below: concurrent subscribes cannot all slip under the cap.
        if (state.subscriptionIds.size >= app.config.limits.maxSubscriptionsPerConnection) {
          return [new GraphQLError(`At most ${app.config.limits.maxSubscriptionsPerConnection} subscriptions per connection.`, { extensions: { code: 'TOO_MANY_SUBSCRIPTIONS' } })];
        }
        const operation = getOperationAST(document, payload.operationName);
        if (operation?.operation === 'subscription') state.subscriptionIds.add(id);
        else if (!state.operationIds.has(id)) {
          state.operationIds.add(id);
          operations.started();
        }
        // Each subscription gets its own context: the event stream swaps its viewer and loaders per event.
        const contextValue = createContext(services, resolved.viewer, resolved.subject, randomUUID(), resolved.expiresAt);
        contextValue.clientAddress = state.clientAddress;
        if (resolved.subject) shareKeys.set(contextValue, JSON.stringify([resolved.subject, payload.operationName ?? null, parsed.key, payload.variables ?? null]));
        if (operation?.operation === 'subscription') deliveries.set(contextValue, directDelivery(ctx.extra.socket, id, beforeSend));
        const args: ExecutionArgs = { schema, document, operationName: payload.operationName, variableValues: payload.variables, contextValue };
        return args;
      },
      onComplete: (ctx, id) => {
        const state = states.get(ctx.extra.socket);
        state?.subscriptionIds.delete(id);
        finishOperation(state, id);
      },
      // Results of queries and mutations; those of subscriptions go out through directDelivery.
      onNext: (ctx) => beforeSend(ctx.extra.socket),
      onError: (_ctx, _id, _payload, errors) => errors.map((error) => format(error.toJSON(), error)),
    },
    wsServer,
    // graphql-ws would keep each socket alive with timers of its own; keepAlive below does it with one.
    0,
  );

  const stopWatching = watchForStalledClients(wsServer, app.config.limits.wsStallTimeoutMs, app.log);
  const stopPinging = keepAlive(wsServer, KEEP_ALIVE_MS);

  return {
    wsServer,
    /** Refuses new operations, answers the running queries and mutations (up to `graceMs`), then closes every socket. */
    async close(graceMs = DRAIN_GRACE_MS): Promise<void> {
      await operations.drain(graceMs);
      stopWatching();
      stopPinging();
      for (const client of wsServer.clients) client.close(1001, 'Server shutting down');
      await cleanup.dispose();
      await new Promise<void>((resolve) => wsServer.close(() => resolve()));
    },
  };
}
