import { createSourceEventStream, execute, type ExecutionArgs, type ExecutionResult } from 'graphql';
import type { EventStream } from '../shared/events/event-stream';
import { subscriptionDirectDeliveries } from '../shared/metrics';

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
/**
 * Writes one result straight to the subscriber's transport. When a transport
 * gives one, results are handed to it here instead of being yielded to its
 * protocol loop, which would otherwise take several promise turns, a message
 * object and a JSON.stringify of its own per subscriber per event.
 */
export type Deliver = (result: ExecutionResult) => void;

/** One event's result for one share key: its value, or the promise of it while it is being executed. */
interface SharedResult {
  pending?: Promise<ExecutionResult>;
  value?: ExecutionResult;
}

/** Runs the selection set on one event: graphql-js's execute, or the compiled executor (compiled-executor.ts). */
export type EventExecutor = (args: ExecutionArgs) => ExecutionResult | Promise<ExecutionResult>;

export function createSharedSubscribe(
  shareKeyOf: (args: ExecutionArgs) => string | null,
  deliverOf: (args: ExecutionArgs) => Deliver | null = () => null,
  executeEvent: EventExecutor = execute as EventExecutor,
) {
  /** `value` is set once the execution settles (at once when it ran synchronously), so later subscribers take it without another await. */
  const results = new Map<string, SharedResult>();

  return async function subscribe(args: ExecutionArgs): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> {
    const source = await createSourceEventStream(args);
    if (!isAsyncIterable(source)) return source as ExecutionResult;
    const shareKey = shareKeyOf(args);
    const deliver = deliverOf(args);
    const events = source[Symbol.asyncIterator]();
    const run = (event: unknown) => executeEvent({ ...args, rootValue: event });
    const keyOf = (event: unknown) => {
      const eventId = (event as { id?: unknown })?.id;
      return shareKey && typeof eventId === 'string' ? `${eventId}\u0000${shareKey}` : null;
    };

    // A live event whose shared result is ready goes straight to the socket from the dispatcher, skipping the
    // stream's and this loop's promise turns. The first subscriber of a share key runs the execution here: a
    // selection that waits for nothing (a check-in batch's rows are kept for its deliveries) is ready at once, and
    // so is every other subscriber's copy. A result still pending is left to the stream, which awaits the same one.
    const stream = events as Partial<EventStream>;
    if (deliver && shareKey && typeof stream.deliverDirectly === 'function') {
      stream.deliverDirectly((event) => {
        const key = keyOf(event);
        if (!key) return false;
        const ready = resultOf(event, key);
        if (ready instanceof Promise) return false;
        deliver(ready);
        subscriptionDirectDeliveries.inc();
        return true;
      });
    }

    /** The shared result, or the promise of it while it is being executed. */
    function resultOf(event: unknown, key = keyOf(event)): ExecutionResult | Promise<ExecutionResult> {
      if (!key) return run(event);
      let result = results.get(key);
      if (!result) {
        const ran = run(event);
        const entry: SharedResult = ran instanceof Promise ? { pending: ran } : { value: ran };
        entry.pending?.then((value) => (entry.value = value), () => {});
        results.set(key, (result = entry));
        if (results.size > MAX_SHARED_RESULTS) results.delete(results.keys().next().value!);
      }
      return result.value ?? result.pending!;
    }

    const mapped: AsyncIterableIterator<ExecutionResult> = {
      // With a direct transport, results go out here in event order and next() settles only when the stream
      // ends (or throws, which the protocol loop reports as the subscription's error, after every earlier result).
      async next() {
        for (;;) {
          const step = await events.next();
          if (step.done) return { done: true, value: undefined };
          const pending = resultOf(step.value);
          const result = pending instanceof Promise ? await pending : pending;
          if (!deliver) return { done: false, value: result };
          deliver(result);
        }
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
