import { AsyncLocalStorage } from 'node:async_hooks';

/** Per-request facts that deep layers (the SQL logger) need without threading them through every call. */
export interface RequestStore {
  requestId: string;
  sqlStatements: number;
  /** Set once the GraphQL operation is known, for the request log line and metrics. */
  operationName?: string | null;
  operationType?: string;
  outcome?: 'ok' | 'error' | 'invalid' | 'unavailable';
}

export const requestStorage = new AsyncLocalStorage<RequestStore>();
