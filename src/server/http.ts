import { randomUUID } from 'node:crypto';
import { isUtf8 } from 'node:buffer';
import http from 'node:http';
import { ApolloServer, HeaderMap, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import express, { type NextFunction, type Request, type Response } from 'express';
import { GraphQLError, type GraphQLSchema } from 'graphql';
import type { AppContext, AppServices } from '../shared/context';
import { countStatements, type RequestStore } from '../shared/request-context';
import { graphqlDuration, graphqlRequests, operationLabel, type Outcome } from '../shared/metrics';
import { metricsRoute } from './metrics-endpoint';
import { createContext } from './context';
import { HttpDrain } from './drain';
import { SERVICE_UNAVAILABLE, UNAVAILABLE_MESSAGE, formatError } from './errors';
import { RETRY_AFTER_SECONDS, isDatabaseUnavailable } from '../shared/database/unavailable';
import { queryLimits } from './limits';
import { graphqlOverHttpStatusPlugin } from './http-status';
import { mountWeb } from './web';
import { SSE_PATH, createSseHandler } from './sse';
import { compiledExecutionGateway } from './compiled-executor';
import { SQL_ANSWERS } from '../modules/sql-answers';

const REQUEST_ID = /^[A-Za-z0-9._-]{1,100}$/;

/** What a response's errors say about the request, for metrics. */
function outcomeOf(codes: (string | undefined)[]): Outcome {
  if (codes.length === 0) return 'ok';
  if (codes.includes(SERVICE_UNAVAILABLE)) return 'unavailable';
  if (codes.every((code) => code && ['GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'QUERY_TOO_COMPLEX', 'BAD_USER_INPUT', 'OPERATION_RESOLUTION_FAILURE', 'BAD_REQUEST'].includes(code))) return 'invalid';
  return 'error';
}

function responseHeadersPlugin(): ApolloServerPlugin<AppContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operationName, operation, contextValue }) {
          const store = contextValue.requestStore;
          if (store) {
            store.operationName = operationName;
            store.operationType = operation?.operation;
          }
        },
        async willSendResponse({ response, contextValue }) {
          const store = contextValue.requestStore;
          if (store && response.body.kind === 'single') store.outcome = outcomeOf((response.body.singleResult.errors ?? []).map((e) => e.extensions?.code as string | undefined));
          // GraphQL-over-HTTP allows any status for a server that cannot serve: 503 tells clients and proxies to retry.
          if (response.body.kind === 'single' && response.body.singleResult.errors?.some((e) => e.extensions?.code === SERVICE_UNAVAILABLE)) {
            response.http.status = 503;
            response.http.headers.set('retry-after', String(RETRY_AFTER_SECONDS));
          }
          if (store?.countsStatements) response.http.headers.set('x-sql-statements', String(store.sqlStatements));
        },
      };
    },
  };
}

export interface HttpParts {
  httpServer: http.Server;
  drain: HttpDrain;
  /** Open TCP connections of the API port, WebSocket ones included. */
  openSockets(): number;
  apollo: ApolloServer<AppContext>;
  expressApp: express.Express;
}

export async function createHttpServer(app: AppServices, schema: GraphQLSchema): Promise<HttpParts> {
  const expressApp = express();
  expressApp.disable('x-powered-by');
  // Behind TRUST_PROXY_HOPS reverse proxies req.ip is the client's address from X-Forwarded-For; otherwise the TCP peer.
  if (app.config.trustProxyHops > 0) expressApp.set('trust proxy', app.config.trustProxyHops);
  const httpServer = http.createServer(expressApp);
  // Slow or stuck clients must not hold sockets forever.
  httpServer.requestTimeout = 30_000;
  httpServer.headersTimeout = 15_000;
  let openSockets = 0;
  httpServer.on('connection', (socket) => {
    openSockets += 1;
    socket.once('close', () => (openSockets -= 1));
  });

  const limits = queryLimits(app.config.limits);
  // Apollo accepts either a schema or a gateway (its executor hook), never both. With both switches off, Apollo's own
  // graphql-js executor runs: the reference the differential tests compare with.
  const executorOptions = { compile: app.config.compiledExecution, sqlAnswers: app.config.readPlan ? SQL_ANSWERS : null };
  const execution = executorOptions.compile || executorOptions.sqlAnswers ? { gateway: compiledExecutionGateway(schema, executorOptions) } : { schema };
  const apollo = new ApolloServer<AppContext>({
    ...execution,
    introspection: app.config.introspection,
    includeStacktraceInErrorResponses: false,
    // main.ts owns shutdown order; Apollo's own handler would re-raise the signal and cut it short.
    stopOnTerminationSignals: false,
    formatError: formatError(app.log),
    // Limits run as validation rules: Apollo caches validated documents, and no executor can skip them.
    validationRules: limits.validationRules,
    parseOptions: { maxTokens: app.config.limits.maxTokens },
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      responseHeadersPlugin(),
      graphqlOverHttpStatusPlugin<AppContext>(),
      // graphql-armor's field-suggestion mask, when enabled (production).
      ...(limits.plugins as ApolloServerPlugin<AppContext>[]),
      // Cache hints are unused here, and the default plugin wraps every field resolver to collect them.
      ApolloServerPluginCacheControlDisabled(),
      // GET /graphql from a browser is the console's own explorer (src/server/web.ts), never Apollo's online Sandbox.
      ApolloServerPluginLandingPageDisabled(),
    ],
  });
  await apollo.start();

  const drain = new HttpDrain(httpServer);
  expressApp.use(drain.middleware);

  expressApp.use((req: Request, res: Response, next: NextFunction) => {
    const incoming = req.header('x-request-id');
    const requestId = incoming && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    res.setHeader('x-request-id', requestId);
    const started = process.hrtime.bigint();
    // The bench's load asks not to be counted (X-SQL-Count: off), so it measures what production runs.
    const countsStatements = app.config.exposeSqlCount && req.header('x-sql-count') !== 'off';
    const store: RequestStore = { requestId, countsStatements, sqlStatements: 0 };
    res.locals.requestStore = store;
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const path = req.originalUrl.split('?')[0];
      const graphql = path === '/graphql';
      app.log.info(
        { requestId, method: req.method, path, status: res.statusCode, ms: Math.round(ms * 10) / 10, ...(graphql ? { operationName: store.operationName ?? null, operationType: store.operationType ?? null } : {}) },
        'request',
      );
      if (graphql && (req.method === 'POST' || store.operationType)) {
        const outcome: Outcome = store.outcome ?? (res.statusCode === 503 ? 'unavailable' : res.statusCode >= 400 ? 'invalid' : 'ok');
        const labels = { operation: store.operationType ? operationLabel(store.operationName) : 'none', type: store.operationType ?? 'none', outcome };
        graphqlRequests.inc(labels);
        graphqlDuration.observe(labels, ms / 1000);
      }
    });
    if (countsStatements) countStatements(store, res, next);
    else next();
  });

  expressApp.get('/metrics', metricsRoute(app.config));

  expressApp.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  expressApp.get('/readyz', async (_req, res) => {
    try {
      await app.db.query('SELECT 1');
      res.json({ status: 'ready' });
    } catch {
      res.status(503).json({ status: 'unavailable', reason: 'database unreachable' });
    }
  });

  mountWeb(expressApp, app.config);

  const sse = createSseHandler(app, schema);
  drain.onDrain(() => sse.close());
  expressApp.post(SSE_PATH, express.json({ limit: '1mb' }), (req, res) => void sse.handle(req, res));

  expressApp.use(
    '/graphql',
    express.json({
      limit: '1mb',
      // The JSON decoder would silently turn invalid UTF-8 into U+FFFD and store that; refuse it instead.
      verify: (_req, _res, body) => {
        if (!isUtf8(body)) throw Object.assign(new Error('Request body is not valid UTF-8'), { status: 400, type: 'encoding.invalid' });
      },
    }),
    // express.json answers malformed JSON with an HTML page and a logged stack; answer like GraphQL does.
    (error: Error & { status?: number; type?: string }, _req: Request, res: Response, next: NextFunction) => {
      if (!error) return next();
      // body-parser reports every verify failure as 403; a badly encoded body is a bad request.
      const status = error.type === 'encoding.invalid' ? 400 : error.status && error.status < 500 ? error.status : 400;
      const message = error.type === 'entity.too.large' ? 'Request body too large' : error.type === 'encoding.invalid' ? 'Request body is not valid UTF-8' : 'Request body is not valid JSON';
      res.status(status).json({ errors: [{ message, extensions: { code: 'BAD_REQUEST' } }] });
    },
    expressMiddleware(apollo, {
      context: async ({ req, res }) => {
        const store = res.locals.requestStore as RequestStore;
        let resolved;
        try {
          resolved = await app.viewers.authenticate(req.header('authorization'), 'fresh');
        } catch (error) {
          if (!isDatabaseUnavailable(error)) throw error;
          throw new GraphQLError(UNAVAILABLE_MESSAGE, {
            extensions: { code: SERVICE_UNAVAILABLE, http: { status: 503, headers: new HeaderMap([['retry-after', String(RETRY_AFTER_SECONDS)]]) } },
          });
        }
        if ('error' in resolved) {
          throw new GraphQLError(resolved.error, { extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } });
        }
        const context = createContext(app, resolved.viewer, resolved.subject, store.requestId, resolved.expiresAt);
        context.clientAddress = req.ip ?? null;
        context.requestStore = store;
        return context;
      },
    }),
  );

  expressApp.use((_req, res) => {
    res.status(404).json({ error: 'not found' });
  });

  return { httpServer, drain, apollo, expressApp, openSockets: () => openSockets };
}
