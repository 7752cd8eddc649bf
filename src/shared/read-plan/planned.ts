import type { AppContext } from '../context';

/**
 * Rows a planned read already holds for this request, by kind and key. A
 * field resolver that finds its row here answers synchronously: graphql-js
 * then completes the subtree without a promise per field, which is most of
 * what a nested list costs in Node. The same rows also prime the loaders, so
 * code that asks the loader gets them too.
 */
const byRequest = new WeakMap<AppContext['loaders'], Map<string, unknown>>();

export function keepPlanned(ctx: AppContext, kind: string, key: string, value: unknown): void {
  let rows = byRequest.get(ctx.loaders);
  if (!rows) byRequest.set(ctx.loaders, (rows = new Map()));
  rows.set(`${kind}:${key}`, value);
}

export function planned<T>(ctx: AppContext, kind: string, key: string): T | undefined {
  return byRequest.get(ctx.loaders)?.get(`${kind}:${key}`) as T | undefined;
}
