import DataLoader from 'dataloader';
import type { EntityTarget, ObjectLiteral } from 'typeorm';
import type { AppContext } from '../context';
import { decodeCursor, encodeCursor, pageSize, withLazyCursors, type ConnectionArgs, type CursorValue, type Page } from './connection';

export interface ChildConnectionSpec<T> {
  entity: EntityTarget<T>;
  /** SQL column (on alias `x`) holding the parent id, e.g. `x.organization_id`. */
  parentColumn: string;
  /** Sort keys on alias `x`; the last must be unique (the id). */
  sort: { sql: string; value: (row: T) => CursorValue }[];
  /** Extra SQL condition on alias `x`, e.g. `x.ends_on IS NULL`. */
  where?: string;
}

type Key = { parentId: string; first: number; after: string | null };

/**
 * A connection nested under each item of a list (organisation -> members),
 * loaded for all parents in two statements (a windowed id query and one
 * fetch) plus one grouped count when `totalCount` is asked for, however many
 * parents there are.
 */
export function defineChildConnection<T extends ObjectLiteral & { id: string }>(spec: ChildConnectionSpec<T>) {
  const pagesFactory = new WeakMap<AppContext['loaders'], DataLoader<Key, Page<T>, string>>();
  const countsFactory = new WeakMap<AppContext['loaders'], DataLoader<string, number>>();

  function counts(ctx: AppContext) {
    let loader = countsFactory.get(ctx.loaders);
    if (!loader) {
      const table = ctx.app.db.getMetadata(spec.entity).tableName;
      loader = new DataLoader<string, number>(async (parentIds) => {
        const rows: { parent: string; n: string }[] = await ctx.app.db.query(
          `SELECT ${spec.parentColumn} AS parent, count(*) AS n FROM ${table} x
            WHERE ${spec.parentColumn} = ANY($1) ${spec.where ? `AND ${spec.where}` : ''} GROUP BY 1`,
          [parentIds],
        );
        const map = new Map(rows.map((r) => [r.parent, Number(r.n)]));
        return parentIds.map((id) => map.get(id) ?? 0);
      });
      countsFactory.set(ctx.loaders, loader);
    }
    return loader;
  }

  function pages(ctx: AppContext) {
    let loader = pagesFactory.get(ctx.loaders);
    if (!loader) {
      loader = new DataLoader<Key, Page<T>, string>((keys) => loadPages(ctx, keys), { cacheKeyFn: (k) => JSON.stringify(k) });
      pagesFactory.set(ctx.loaders, loader);
    }
    return loader;
  }

  async function loadPages(ctx: AppContext, keys: readonly Key[]): Promise<Page<T>[]> {
    const table = ctx.app.db.getMetadata(spec.entity).tableName;
    const groups = new Map<string, Key[]>();
    for (const key of keys) {
      const group = `${key.first}|${key.after ?? ''}`;
      groups.set(group, [...(groups.get(group) ?? []), key]);
    }
    const results = new Map<Key, Page<T>>();
    for (const group of groups.values()) {
      const { first, after } = group[0];
      const parentIds = group.map((k) => k.parentId);
      const params: unknown[] = [parentIds, first + 1];
      let afterCondition = '';
      if (after) {
        const values = decodeCursor(after, spec.sort.length);
        afterCondition = `AND (${spec.sort.map((s) => s.sql).join(', ')}) > (${values.map((v) => (params.push(v), `$${params.length}`)).join(', ')})`;
      }
      const ranked: { id: string; parent: string }[] = first === 0 ? [] : await ctx.app.db.query(
        `SELECT id, parent FROM (
           SELECT x.id, ${spec.parentColumn} AS parent,
                  row_number() OVER (PARTITION BY ${spec.parentColumn} ORDER BY ${spec.sort.map((s) => s.sql).join(', ')}) AS rn
             FROM ${table} x
            WHERE ${spec.parentColumn} = ANY($1) ${spec.where ? `AND ${spec.where}` : ''} ${afterCondition}
         ) ranked WHERE rn <= $2 ORDER BY parent, rn`,
        params,
      );
      const rows = ranked.length
        ? await ctx.app.db.getRepository(spec.entity).createQueryBuilder('x').where('x.id = ANY(:ids)', { ids: ranked.map((r) => r.id) }).getMany()
        : [];
      const byId = new Map(rows.map((row) => [row.id, row]));
      for (const key of group) {
        const all = ranked.filter((r) => r.parent === key.parentId).map((r) => byId.get(r.id)!).filter(Boolean);
        const items = all.slice(0, first);
        results.set(key, {
          items,
          cursors: items.map((row) => encodeCursor(spec.sort.map((s) => s.value(row)))),
          hasNextPage: all.length > first,
          hasPreviousPage: Boolean(after),
          count: () => counts(ctx).load(key.parentId),
        });
      }
    }
    return keys.map((key) => results.get(key)!);
  }

  const load = (ctx: AppContext, parentId: string, args: ConnectionArgs): Promise<Page<T>> =>
    pages(ctx).load({ parentId, first: pageSize(args.first), after: args.after ?? null });
  return Object.assign(load, {
    /**
     * Hands a page that a planned read already holds (up to `first + 1` rows, in
     * sort order, after `args.after`) to this request's loader, so the field
     * resolver finds it instead of fetching it again.
     */
    prime(ctx: AppContext, parentId: string, args: ConnectionArgs, rows: T[]): Page<T> {
      const first = pageSize(args.first);
      const after = args.after ?? null;
      const items = rows.slice(0, first);
      const page = withLazyCursors<T>(
        { items, hasNextPage: rows.length > first, hasPreviousPage: Boolean(after), count: () => counts(ctx).load(parentId) },
        (row) => encodeCursor(spec.sort.map((s) => s.value(row))),
      );
      pages(ctx).prime({ parentId, first, after }, page);
      return page;
    },
  });
}
