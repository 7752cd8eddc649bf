import { cacheExchange } from '@urql/exchange-graphcache';
import { Client, fetchExchange, mapExchange, subscriptionExchange, type ExecutionResult } from 'urql';
import { createClient as createWsClient, type Client as WsClient } from 'graphql-ws';
import { currentToken, onSessionChange, readSession, refreshSession, setSession } from './session';

type Listener = (live: boolean) => void;
const liveListeners = new Set<Listener>();
let live = false;
function setLive(value: boolean): void {
  live = value;
  for (const listener of liveListeners) listener(value);
}
export function isLive(): boolean {
  return live;
}
export function onLiveChange(listener: Listener): () => void {
  liveListeners.add(listener);
  return () => liveListeners.delete(listener);
}

/** The access token to send now: the stored one, renewed first when it has already expired (a laptop waking up). */
async function usableToken(): Promise<string | null> {
  const token = currentToken();
  if (token) return token;
  const session = readSession();
  return session ? ((await refreshSession(session.token))?.token ?? null) : null;
}

/**
 * fetch for urql: sends the current access token and, when the server answers
 * 401 (the token expired or was refused), refreshes once and sends the request
 * again, so a page left open past the token's expiry goes on loading data.
 */
async function authorizedFetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
  const send = (token: string | null) => {
    const headers = new Headers(init?.headers);
    if (token) headers.set('authorization', `Bearer ${token}`);
    return fetch(input, { ...init, headers });
  };
  const token = await usableToken();
  const response = await send(token);
  if (response.status !== 401 || !token) return response;
  const renewed = await refreshSession(token);
  return renewed ? send(renewed.token) : response;
}

function createSocket(): WsClient {
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`;
  let socketToken: string | null = null;
  let active: WebSocket | null = null;
  const ws = createWsClient({
    url,
    lazy: true,
    // Reconnecting is done per subscription below, so each one resumes from its own last cursor.
    retryAttempts: 0,
    // Read at every (re)connection, so a reconnected socket carries the newest token.
    connectionParams: async () => {
      socketToken = await usableToken();
      return socketToken ? { authorization: `Bearer ${socketToken}` } : {};
    },
    on: {
      connected: (socket) => {
        active = socket as WebSocket;
        setLive(true);
      },
      closed: (event) => {
        active = null;
        setLive(false);
        // 4403: the server no longer accepts the token (expired or refused): renew it once; the subscriptions
        // then reconnect with the new one, or the session ends (refreshSession signs out when refused).
        if ((event as CloseEvent | undefined)?.code === 4403) void refreshSession(socketToken);
      },
    },
  });
  const stop = onSessionChange((session) => {
    if (!session) {
      stop();
      ws.dispose();
    } else if (session.token !== socketToken && active?.readyState === WebSocket.OPEN) {
      // A renewed token: reconnect now rather than be cut off at the old token's expiry (the subscriptions resume from their cursors).
      active.close(4205, 'Token renewed');
    }
  });
  return ws;
}

const RETRY_MAX_MS = 8000;

/**
 * A subscription that survives network drops: it remembers the last event's
 * cursor and, after the socket closes, subscribes again with `after: cursor`,
 * so the server replays exactly what was missed.
 */
function resumable(ws: WsClient, query: string, variables: Record<string, unknown>) {
  return {
    subscribe(sink: { next(value: ExecutionResult): void; error(err: unknown): void; complete(): void }) {
      let cursor = (variables.after as string | null | undefined) ?? null;
      let stopped = false;
      let attempt = 0;
      let timer: ReturnType<typeof setTimeout> | undefined;
      let dispose: () => void = () => undefined;
      const retry = () => {
        if (stopped) return;
        timer = setTimeout(start, Math.min(500 * 2 ** attempt++, RETRY_MAX_MS));
      };
      function start(): void {
        dispose = ws.subscribe<Record<string, { cursor?: string } | null>>(
          { query, variables: { ...variables, after: cursor } },
          {
            next(result) {
              attempt = 0;
              const root = result.data ? Object.values(result.data)[0] : null;
              if (root?.cursor) cursor = root.cursor;
              const expired = result.errors?.some((e) => (e.extensions as { code?: string } | undefined)?.code === 'CURSOR_EXPIRED');
              if (expired) {
                // Too far behind to replay: start from now and let the page reload its lists.
                cursor = null;
                sink.next({ data: null, errors: undefined } as unknown as ExecutionResult);
                return;
              }
              sink.next(result as ExecutionResult);
            },
            error(err) {
              if (Array.isArray(err)) {
                // The server refused the subscription (not allowed, bad arguments): retrying would not help.
                sink.next({ errors: err } as unknown as ExecutionResult);
                sink.complete();
                return;
              }
              // A closed socket or a failed connection: try again from the last cursor.
              retry();
            },
            complete() {
              if (!stopped) retry();
            },
          },
        );
      }
      start();
      return {
        unsubscribe() {
          stopped = true;
          if (timer) clearTimeout(timer);
          dispose();
        },
      };
    },
  };
}

export function createApiClient(): Client {
  const ws = createSocket();
  return new Client({
    url: '/graphql',
    requestPolicy: 'cache-and-network',
    // POST always: Apollo's CSRF prevention rejects simple GET requests, and tokens stay out of URLs and logs.
    preferGetMethod: false,
    fetch: authorizedFetch,
    exchanges: [
      mapExchange({
        onError(error) {
          // Still refused after authorizedFetch's one refresh: the session is over.
          const unauthenticated = error.graphQLErrors.some((e) => e.extensions?.code === 'UNAUTHENTICATED') || error.response?.status === 401;
          if (unauthenticated) setSession(null, 'expired');
        },
      }),
      cacheExchange({
        keys: {
          JurisdictionDashboard: () => null,
          CaseFigures: () => null,
          PatrolFigures: () => null,
          MeetingFigures: () => null,
          ContractFigures: () => null,
          CaseCountByCategoryAndStatus: () => null,
          UnitPerformance: () => null,
          PatrolCoverage: () => null,
          CheckpointVisit: () => null,
          MeetingParticipant: () => null,
          CaseEvent: () => null,
          ViewerInfo: () => null,
          AccessToken: () => null,
          UserError: () => null,
        },
      }),
      fetchExchange,
      subscriptionExchange({
        forwardSubscription: (request) => resumable(ws, request.query ?? '', (request.variables ?? {}) as Record<string, unknown>),
      }),
    ],
  });
}
