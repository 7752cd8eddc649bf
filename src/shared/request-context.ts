import { AsyncLocalStorage } from 'node:async_hooks';
import type { ServerResponse } from 'node:http';

/** Per-request facts for the request log line, metrics and, when counted, X-SQL-Statements. */
export interface RequestStore {
  requestId: string;
  /** Whether this request's statements are counted (X-SQL-Statements is then answered). */
  countsStatements: boolean;
  sqlStatements: number;
  /** Set once the GraphQL operation is known, for the request log line and metrics. */
  operationName?: string | null;
  operationType?: string;
  outcome?: 'ok' | 'error' | 'invalid' | 'unavailable';
}

/**
 * Only the SQL logger needs the store deep in the ORM, where no context is
 * passed, and only to count statements. Everything else reaches the store
 * through the GraphQL context (`AppContext.requestStore`).
 */
export const requestStorage = new AsyncLocalStorage<RequestStore>();

/** Counted requests in flight; the storage is switched off when none is. */
let counting = 0;

/**
 * Runs `next` with statements counted into `store`. Node 20 implements
 * AsyncLocalStorage with async hooks, which once enabled run on every
 * promise of the process (about a tenth of a short read's CPU), so the
 * storage is enabled only while a counted request is in flight and disabled
 * again when the last one has closed: requests that are not counted (every
 * request in production, where EXPOSE_SQL_COUNT is off) pay nothing for it.
 */
export function countStatements(store: RequestStore, res: ServerResponse, next: () => void): void {
  counting += 1;
  res.once('close', () => {
    counting -= 1;
    // Statements still running for a closed request would count into a response already sent: nobody reads them.
    if (counting === 0) requestStorage.disable();
  });
  requestStorage.run(store, next);
}
