import type { AppContext } from '../context';

/**
 * Rows a planned read already holds for this request, by kind (the entity's
 * class name) and key. A field resolver that finds its row here answers
 * synchronously: graphql-js then completes the subtree without a promise per
 * field, which is most of what a nested list costs in Node. The by-id loaders
 * look here before they query (see defineByIdLoader), so no row is fetched
 * twice, without priming a promise per row up front.
 */
const byRequest = new WeakMap<AppContext['loaders'], Map<string, Map<string, unknown>>>();

export function keepPlanned(ctx: AppContext, kind: string, key: string, value: unknown): void {
  let kinds = byRequest.get(ctx.loaders);
  if (!kinds) byRequest.set(ctx.loaders, (kinds = new Map()));
  let rows = kinds.get(kind);
  if (!rows) kinds.set(kind, (rows = new Map()));
  rows.set(key, value);
}

export function planned<T>(ctx: AppContext, kind: string, key: string): T | undefined {
  return byRequest.get(ctx.loaders)?.get(kind)?.get(key) as T | undefined;
}

/**
 * A related row read with only the columns one position of the selection
 * needs: attached to the object at that position, never kept for the
 * loaders, so no other part of the request can meet the partial row. It
 * rides on the object under a symbol only this module holds, not
 * enumerable, so JSON, spreads and Object.assign copies never carry it: a
 * WeakMap entry per object cost more than the object itself in a page of
 * 500 members (an ephemeron for the collector each).
 */
const PARTS = Symbol('plannedParts');

type WithParts = { [PARTS]?: Record<string, unknown> };

export function attachPlanned(owner: object, field: string, value: unknown): void {
  const target = owner as WithParts;
  if (!target[PARTS]) Object.defineProperty(target, PARTS, { value: {}, enumerable: false });
  target[PARTS]![field] = value;
}

export function plannedPart<T>(owner: object, field: string): T | undefined {
  return (owner as WithParts)[PARTS]?.[field] as T | undefined;
}
