/**
 * Queries and mutations over HTTP run through graphql-jit: each validated
 * document is compiled once into plain JavaScript, which skips graphql-js's
 * per-field interpretation (issue 11 measured it at a third of the Node CPU of
 * a nested read). Apollo keeps parsing, validation (the limits), plugins and
 * error formatting; only execution is swapped, through its executor hook.
 * A subscription's per-event half (its selection set run on each event for
 * each viewer, the bulk of a fan-out's work) is compiled the same way; its
 * start (the source stream) stays in graphql-js.
 *
 * graphql-js still runs what graphql-jit does not answer the same way:
 * subscriptions, documents it cannot compile, and requests it answers with no
 * `data` at all, so their errors, codes and HTTP statuses stay exactly
 * graphql-js's. That is every request whose variables do not coerce, and also
 * (graphql-jit 0.8) every input object sent without a field that has a
 * default, which graphql-jit does not fill in and refuses as missing.
 *
 * Before either, a query that the modules declare PostgreSQL can answer whole
 * (shared/read-plan/sql-answer.ts) is answered by that one statement.
 */
import type { GatewayExecutor, GatewayInterface } from '@apollo/server-gateway-interface';
import { execute, type DocumentNode, type ExecutionArgs, type ExecutionResult, type GraphQLSchema } from 'graphql';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';
import type { Counter } from 'prom-client';
import type { AppContext } from '../shared/context';
import { compiledEventExecutions, compiledExecutions, sqlAnsweredQueries } from '../shared/metrics';
import { sqlAnswerFor, type SqlAnswers } from '../shared/read-plan/sql-answer';

type Compiled = CompiledQuery | null;

/**
 * Each document compiled once per operation; null where graphql-jit cannot. Keyed by the DocumentNode: Apollo (over
 * HTTP) and the socket transports' DocumentCache hand back the same node for a query text they have seen.
 */
function compiler(schema: GraphQLSchema): (document: DocumentNode, operationName: string | null) => Compiled {
  const compiledByDocument = new WeakMap<DocumentNode, Map<string, Compiled>>();
  return (document, operationName) => {
    let byOperation = compiledByDocument.get(document);
    if (!byOperation) compiledByDocument.set(document, (byOperation = new Map()));
    const key = operationName ?? '';
    let compiled = byOperation.get(key);
    if (compiled === undefined) {
      const result = compileQuery(schema, document, operationName ?? undefined);
      compiled = isCompiledQuery(result) ? result : null;
      byOperation.set(key, compiled);
    }
    return compiled;
  };
}

/**
 * Runs `args` compiled where graphql-jit answers as graphql-js would, in graphql-js otherwise (see above), and
 * counts which one ran in `counter`. `compile: false` runs graphql-js alone.
 */
function compiledOrInterpreted(schema: GraphQLSchema, counter: Counter<'executor'>) {
  const compiledFor = compiler(schema);
  const interpreted = (args: ExecutionArgs) => {
    counter.inc({ executor: 'interpreted' });
    return execute(args) as ExecutionResult | Promise<ExecutionResult>;
  };
  return (args: ExecutionArgs, compile = true): ExecutionResult | Promise<ExecutionResult> => {
    const compiled = compile ? compiledFor(args.document, args.operationName ?? null) : null;
    if (!compiled) return interpreted(args);
    const result = compiled.query(args.rootValue, args.contextValue, args.variableValues ?? {});
    const orInterpreted = (answer: ExecutionResult) => {
      if (answer.data === undefined) return interpreted(args);
      counter.inc({ executor: 'compiled' });
      return answer;
    };
    return result instanceof Promise ? result.then(orInterpreted) : orInterpreted(result);
  };
}

export interface ExecutorOptions {
  /** Run queries and mutations through graphql-jit (COMPILED_EXECUTION); graphql-js otherwise. */
  compile: boolean;
  /** What PostgreSQL may answer whole (READ_PLAN); null: nothing. */
  sqlAnswers: SqlAnswers | null;
}

export function compiledExecutor(schema: GraphQLSchema, options: ExecutorOptions): GatewayExecutor {
  const run = compiledOrInterpreted(schema, compiledExecutions);
  return async ({ document, operationName, operation, context, request }) => {
    const variables = request.variables ?? {};
    if (options.sqlAnswers && operation.operation === 'query') {
      const ctx = context as unknown as AppContext;
      const answer = await sqlAnswerFor(schema, options.sqlAnswers, document, operationName, variables, ctx);
      if (answer) {
        // A failed statement (the database away, say) is left to the executor, which meets the same failure and
        // reports it as every other read does.
        const rows: { data: Record<string, unknown> }[] | null = await ctx.app.db.query(answer.sql, answer.params).catch(() => null);
        if (rows) {
          sqlAnsweredQueries.inc();
          return { data: rows[0].data };
        }
      }
    }
    const args = { schema, document, operationName, contextValue: context, variableValues: variables };
    // With COMPILED_EXECUTION off this is graphql-js alone, and not counted: the counter tells how the compiling server ran.
    return options.compile ? run(args, operation.operation !== 'subscription') : (execute(args) as ExecutionResult | Promise<ExecutionResult>);
  };
}

/** Apollo's executor hook is its gateway option: a fixed schema and the executor above. */
export function compiledExecutionGateway(schema: GraphQLSchema, options: ExecutorOptions): GatewayInterface {
  return {
    onSchemaLoadOrUpdate(callback) {
      callback({ apiSchema: schema, coreSupergraphSdl: '' });
      return () => {};
    },
    async load() {
      return { executor: compiledExecutor(schema, options) };
    },
    async stop() {},
  };
}

/**
 * Runs a subscription's selection set on one event (`args.rootValue`), compiled; graphql-js where graphql-jit cannot
 * compile the document or answers without `data`, as for queries above.
 */
export function compiledEventExecutor(schema: GraphQLSchema): (args: ExecutionArgs) => ExecutionResult | Promise<ExecutionResult> {
  const run = compiledOrInterpreted(schema, compiledEventExecutions);
  return (args) => run(args);
}
