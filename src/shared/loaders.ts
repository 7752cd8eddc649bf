import DataLoader from 'dataloader';
import type { EntityTarget, ObjectLiteral } from 'typeorm';
import type { AppContext } from './context';
import { planned } from './read-plan/planned';

type LoaderFactory<K, V> = (ctx: AppContext) => DataLoader<K, V, string>;

/** Loaders live for one request (or one subscription event), so nothing stale is cached across them. */
export class LoaderRegistry {
  private readonly loaders = new Map<Function, DataLoader<any, any, any>>();

  get<K, V>(factory: LoaderFactory<K, V>, ctx: AppContext): DataLoader<K, V, string> {
    let loader = this.loaders.get(factory);
    if (!loader) {
      loader = factory(ctx);
      this.loaders.set(factory, loader);
    }
    return loader;
  }
}

/**
 * Declares a per-request loader: `const organizationsById = defineLoader(...)`,
 * used as `organizationsById(ctx).load(id)`. The batch function must return
 * results in key order.
 */
export function defineLoader<K, V>(batch: (keys: readonly K[], ctx: AppContext) => Promise<(V | Error)[]>, keyOf: (key: K) => string = String) {
  const factory: LoaderFactory<K, V> = (ctx) => new DataLoader<K, V, string>((keys) => batch(keys, ctx), { cacheKeyFn: keyOf });
  return (ctx: AppContext) => ctx.loaders.get(factory, ctx);
}

/** Orders rows by the keys asked for; a missing key yields `fallback`. */
export function byKey<T, V = T | null>(keys: readonly string[], rows: T[], keyOf: (row: T) => string, fallback: V = null as V): (T | V)[] {
  const map = new Map(rows.map((row) => [keyOf(row), row]));
  return keys.map((key) => map.get(key) ?? fallback);
}

/** Groups rows under the keys asked for, keeping row order; a key with no rows yields []. */
export function groupByKey<T>(keys: readonly string[], rows: T[], keyOf: (row: T) => string): T[][] {
  const groups = new Map<string, T[]>(keys.map((key) => [key, []]));
  for (const row of rows) groups.get(keyOf(row))?.push(row);
  return keys.map((key) => groups.get(key) ?? []);
}

/**
 * The common loader: rows of one table by primary key, in key order, null for
 * a missing key. One array parameter (`= ANY($1)`) rather than one bound
 * parameter per key keeps large batches cheap to build and to plan.
 */
export function defineByIdLoader<T extends ObjectLiteral & { id: string }>(entity: EntityTarget<T> & Function) {
  return defineLoader<string, T | null>(async (ids, ctx) => {
    // Rows a planned read of this request already holds are not fetched again.
    const kept = ids.map((id) => planned<T>(ctx, entity.name, id));
    const missing = ids.filter((_, i) => !kept[i]);
    const rows = missing.length ? await ctx.app.db.getRepository(entity).createQueryBuilder('x').where('x.id = ANY(:ids)', { ids: missing }).getMany() : [];
    const fetched = byKey(ids, rows, (row) => row.id);
    return ids.map((_, i) => kept[i] ?? fetched[i]);
  });
}
