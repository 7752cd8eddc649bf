import { AsyncLocalStorage } from 'node:async_hooks';

/** Per-request facts that deep layers (the SQL logger) need without threading them through every call. */
export interface RequestStore {
  requestId: string;
  sqlStatements: number;
}

export const requestStorage = new AsyncLocalStorage<RequestStore>();
