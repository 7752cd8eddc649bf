import { ArgsType, Field, Int, ObjectType, type ClassType } from 'type-graphql';
import type { ObjectLiteral, SelectQueryBuilder } from 'typeorm';
import { badUserInput } from '../errors';

export const MAX_PAGE_SIZE = 100;
export const DEFAULT_PAGE_SIZE = 20;

@ArgsType()
export class ConnectionArgs {
  @Field(() => Int, { nullable: true, description: `How many items to return, 0 to ${MAX_PAGE_SIZE}; default ${DEFAULT_PAGE_SIZE}.` })
  first?: number | null;

  @Field(() => String, { nullable: true, description: 'Return the items after this cursor (an `endCursor` or edge `cursor` from an earlier page).' })
  after?: string | null;
}

@ObjectType({ description: 'Where a page stands in its list (Relay cursor connections).' })
export class PageInfo {
  @Field({ description: 'Whether more items follow this page.' })
  hasNextPage!: boolean;

  @Field({ description: 'Whether items precede this page (true when `after` was given).' })
  hasPreviousPage!: boolean;

  @Field(() => String, { nullable: true, description: 'Cursor of the first item of the page.' })
  startCursor!: string | null;

  @Field(() => String, { nullable: true, description: 'Cursor of the last item of the page; pass it as `after` for the next page.' })
  endCursor!: string | null;
}

export interface Page<T> {
  items: T[];
  cursors: string[];
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  count: () => Promise<number>;
  /** Lists whose count is bounded (see `Connection`'s `boundedCount`): whether `count()` is exact. */
  countIsExact?: () => Promise<boolean>;
}

export interface ConnectionShape<T> {
  edges: { cursor: string; node: T }[];
  nodes: T[];
  pageInfo: PageInfo;
  totalCount(): Promise<number>;
}

const connectionTypes = new Map<Function, ClassType>();

/**
 * One connection type per node type, created on first use so that every
 * module gets `XConnection`/`XEdge` without writing them out.
 */
export function Connection<T extends object>(
  nodeType: ClassType<T>,
  nodeName: string = nodeType.name,
  options: { boundedCount?: string } = {},
): ClassType<ConnectionShape<T>> {
  const existing = connectionTypes.get(nodeType);
  if (existing) return existing as ClassType<ConnectionShape<T>>;

  @ObjectType(`${nodeName}Edge`, { description: `A ${nodeName} in a page, with its cursor.` })
  class Edge {
    @Field({ description: 'Opaque position of this item; pass as `after` to continue after it.' })
    cursor!: string;

    @Field(() => nodeType, { description: `The ${nodeName}.` })
    node!: T;
  }

  @ObjectType(`${nodeName}Connection`, { description: `A page of ${nodeName} items.` })
  class ConnectionType implements ConnectionShape<T> {
    @Field(() => [Edge], { description: 'The items of this page with their cursors.' })
    edges!: Edge[];

    @Field(() => [nodeType], { description: 'The items of this page, without cursors.' })
    nodes!: T[];

    @Field(() => PageInfo, { description: 'Where this page stands in the list.' })
    pageInfo!: PageInfo;

    countFn!: () => Promise<number>;
    countIsExactFn?: () => Promise<boolean>;

    @Field(() => Int, { description: options.boundedCount ?? 'Number of items in the whole list, across all pages.' })
    totalCount(): Promise<number> {
      return this.countFn();
    }

    totalCountIsExact(): Promise<boolean> {
      return this.countIsExactFn?.() ?? Promise.resolve(true);
    }
  }
  // Only lists that may be too long to count exactly say whether their count is exact.
  if (options.boundedCount) {
    Field(() => Boolean, { description: 'Whether `totalCount` is exact; false when it is an estimate (see `totalCount`).' })(ConnectionType.prototype, 'totalCountIsExact', Object.getOwnPropertyDescriptor(ConnectionType.prototype, 'totalCountIsExact')!);
  }

  connectionTypes.set(nodeType, ConnectionType);
  return ConnectionType;
}

/**
 * Edges and cursors are built when a selection asks for them: a nested list
 * that asks only for `nodes` (most of them) then encodes no cursor at all.
 */
export function toConnection<T extends object>(page: Page<T>): ConnectionShape<T> {
  let edges: { node: T; cursor: string }[] | undefined;
  const pageInfo = new PageInfo();
  pageInfo.hasNextPage = page.hasNextPage;
  pageInfo.hasPreviousPage = page.hasPreviousPage;
  const last = page.items.length - 1;
  Object.defineProperty(pageInfo, 'startCursor', { enumerable: true, get: () => (last >= 0 ? page.cursors[0] : null) });
  Object.defineProperty(pageInfo, 'endCursor', { enumerable: true, get: () => (last >= 0 ? page.cursors[last] : null) });
  return {
    get edges() {
      return (edges ??= page.items.map((node, i) => ({ node, cursor: page.cursors[i] })));
    },
    nodes: page.items,
    pageInfo,
    totalCount: page.count,
    countFn: page.count,
    totalCountIsExact: page.countIsExact ?? (async () => true),
    countIsExactFn: page.countIsExact,
  } as ConnectionShape<T>;
}

/** A page whose cursors are encoded on first use, from the rows, all at once. */
export function withLazyCursors<T>(page: Omit<Page<T>, 'cursors'>, cursorOf: (row: T) => string): Page<T> {
  let cursors: string[] | undefined;
  return Object.defineProperty(page, 'cursors', { enumerable: true, get: () => (cursors ??= page.items.map(cursorOf)) }) as Page<T>;
}

export function pageSize(first: number | null | undefined): number {
  if (first === null || first === undefined) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(first) || first < 0 || first > MAX_PAGE_SIZE) {
    throw badUserInput(`first must be between 0 and ${MAX_PAGE_SIZE}`);
  }
  return first;
}

export type CursorValue = string | number | null;

export function encodeCursor(values: CursorValue[]): string {
  return Buffer.from(JSON.stringify(values), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string, arity: number): CursorValue[] {
  try {
    const values = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(values) && values.length === arity && values.every((v) => v === null || ['string', 'number'].includes(typeof v))) {
      return values;
    }
  } catch {
    // fall through to the uniform error below
  }
  throw badUserInput('after is not a valid cursor');
}

export interface SortKey<T> {
  /** SQL expression to order by, e.g. `o.name`. */
  sql: string;
  /** Reads the same value from a loaded row, for the cursor. */
  value: (row: T) => CursorValue;
}

function cursorValue(value: unknown): CursorValue {
  if (value instanceof Date) return value.toISOString();
  return value as CursorValue;
}

/**
 * Keyset pagination over a query builder: stable under inserts, no OFFSET
 * scans. The last sort key must be unique (the id).
 */
export async function paginate<T extends ObjectLiteral>(
  qb: SelectQueryBuilder<T>,
  args: ConnectionArgs,
  keys: SortKey<T>[],
): Promise<Page<T>> {
  const first = pageSize(args.first);
  const countQb = qb.clone();
  const count = memo(() => countQb.getCount());
  if (args.after) {
    const values = decodeCursor(args.after, keys.length);
    const params: Record<string, CursorValue> = {};
    values.forEach((v, i) => (params[`cursor${i}`] = v));
    qb.andWhere(`(${keys.map((k) => k.sql).join(', ')}) > (${keys.map((_, i) => `:cursor${i}`).join(', ')})`, params);
  }
  keys.forEach((k, i) => (i === 0 ? qb.orderBy(k.sql, 'ASC') : qb.addOrderBy(k.sql, 'ASC')));
  const rows = first === 0 ? [] : await qb.take(first + 1).getMany();
  const items = rows.slice(0, first);
  return {
    items,
    cursors: items.map((row) => encodeCursor(keys.map((k) => cursorValue(k.value(row))))),
    hasNextPage: rows.length > first,
    hasPreviousPage: Boolean(args.after),
    count,
  };
}

/** Pagination over an id list already in order (graph walks, computed sets). */
export function paginateArray<T>(all: T[], args: ConnectionArgs, key: (item: T) => string): Page<T> {
  const first = pageSize(args.first);
  let start = 0;
  if (args.after) {
    const [afterKey] = decodeCursor(args.after, 1);
    start = all.findIndex((item) => key(item) === afterKey) + 1;
    if (start === 0) throw badUserInput('after is not a valid cursor');
  }
  const items = all.slice(start, start + first);
  return {
    items,
    cursors: items.map((item) => encodeCursor([key(item)])),
    hasNextPage: start + first < all.length,
    hasPreviousPage: start > 0,
    count: async () => all.length,
  };
}

export function memo<T>(fn: () => Promise<T>): () => Promise<T> {
  let promise: Promise<T> | undefined;
  return () => (promise ??= fn());
}
