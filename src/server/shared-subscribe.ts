import { createSourceEventStream, execute, type ExecutionArgs, type ExecutionResult } from 'graphql';

/** Results kept for reuse; an event's results are wanted only while it fans out, so a small window suffices. */
const MAX_SHARED_RESULTS = 2000;

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof (value as AsyncIterable<unknown> | null)?.[Symbol.asyncIterator] === 'function';
}

/**
 * graphql-js runs a subscription's selection set once per subscriber per
 * event. Subscribers with the same viewer, document and variables would get
 * the same result for the same event, so it is computed once per process and
 * shared. `shareKeyOf` returns null for operations that must not be shared.
 * Visibility is still decided per subscriber before an event reaches here.
 */
export function createSharedSubscribe(shareKeyOf: (args: ExecutionArgs) => string | null) {
  const results = new Map<string, Promise<ExecutionResult>>();

  return async function subscribe(args: ExecutionArgs): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> {
    const source = await createSourceEventStream(args);
    if (!isAsyncIterable(source)) return source as ExecutionResult;
    const shareKey = shareKeyOf(args);
    const events = source[Symbol.asyncIterator]();
    const run = (event: unknown) => Promise.resolve(execute({ ...args, rootValue: event }) as ExecutionResult | Promise<ExecutionResult>);

    const mapped: AsyncIterableIterator<ExecutionResult> = {
      async next() {
        const step = await events.next();
        if (step.done) return { done: true, value: undefined };
        const eventId = (step.value as { id?: unknown })?.id;
        if (!shareKey || typeof eventId !== 'string') return { done: false, value: await run(step.value) };
        const key = `${eventId}\u0000${shareKey}`;
        let result = results.get(key);
        if (!result) {
          result = run(step.value);
          results.set(key, result);
          if (results.size > MAX_SHARED_RESULTS) results.delete(results.keys().next().value!);
        }
        return { done: false, value: await result };
      },
      async return() {
        await events.return?.();
        return { done: true, value: undefined };
      },
      async throw(error?: unknown) {
        await events.return?.();
        throw error;
      },
      [Symbol.asyncIterator]: () => mapped,
    };
    return mapped;
  };
}
