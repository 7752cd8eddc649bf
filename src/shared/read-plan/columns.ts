import { types } from 'pg';
import type { DataSource } from 'typeorm';
import type { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata';

/**
 * An entity's columns for a hand-written planned read, taken from the ORM's
 * metadata rather than written out: an entity with forty columns (a case)
 * cannot then drift from its planned copy when a column is added. Rows come
 * back as plain objects on the entity's prototype, valued as the ORM would
 * hydrate them, without the ORM's per-row machinery.
 */
export interface EntityColumns<T> {
  /** `alias.col AS prefix_col, ...` for a SELECT list. */
  select(alias: string, prefix: string): string;
  /** The entity from a row read with `select(_, prefix)`; null when its id is null (a missed LEFT JOIN). */
  read(row: Record<string, unknown>, prefix: string): T | null;
  /** `json_build_object(...)` of a row (`alias`), for a nested list read through json_agg; numbers and times travel as text. */
  json(alias: string): string;
  /** The entity from an object built by `json`. */
  readJson(object: Record<string, unknown>): T;
}

/** Never read by a planned read, whatever entity carries them. */
const NEVER = new Set(['password_hash']);

/** Types the pg driver already returns as the ORM hydrates them (strings, numbers, booleans, Dates, parsed JSON). */
const AS_READ = new Set(['text', 'uuid', 'int', 'integer', 'int4', 'boolean', 'bool', 'double precision', 'float8', 'timestamptz', 'timestamp with time zone', 'jsonb', 'json', 'bigint', 'int8']);

/** Types sent as text inside JSON: JSON numbers would lose a bigint's digits, and times their type. */
const AS_TEXT = new Set(['bigint', 'int8', 'timestamptz', 'timestamp with time zone']);
const parseTimestamp = types.getTypeParser(1184) as (text: string) => Date;

const cache = new WeakMap<DataSource, Map<Function, EntityColumns<unknown>>>();

export function entityColumns<T>(db: DataSource, entity: abstract new (...args: never) => T): EntityColumns<T> {
  let byEntity = cache.get(db);
  if (!byEntity) cache.set(db, (byEntity = new Map()));
  let columns = byEntity.get(entity) as EntityColumns<T> | undefined;
  if (!columns) {
    columns = build<T>(db, entity);
    byEntity.set(entity, columns as EntityColumns<unknown>);
  }
  return columns;
}

function build<T>(db: DataSource, entity: Function): EntityColumns<T> {
  const metadata = db.getMetadata(entity);
  const read = metadata.columns.filter((c) => c.isSelect && !c.isVirtual && !NEVER.has(c.databaseName));
  const plain = (c: ColumnMetadata) => !c.transformer && AS_READ.has(String(typeof c.type === 'function' ? '' : c.type));
  const columns = read.map((c) => ({ property: c.propertyName, name: c.databaseName, convert: plain(c) ? null : c, type: String(c.type) }));
  const prototype = (entity as { prototype: object }).prototype;
  const selects = new Map<string, string>();
  return {
    select(alias, prefix) {
      const key = `${alias} ${prefix}`;
      let sql = selects.get(key);
      if (!sql) selects.set(key, (sql = columns.map((c) => `${alias}.${c.name} AS ${prefix}${c.name}`).join(', ')));
      return sql;
    },
    read(row, prefix) {
      if (row[`${prefix}id`] === null || row[`${prefix}id`] === undefined) return null;
      const out: Record<string, unknown> = Object.create(prototype);
      for (const c of columns) {
        const value = row[`${prefix}${c.name}`];
        out[c.property] = c.convert ? db.driver.prepareHydratedValue(value, c.convert) : value;
      }
      return out as T;
    },
    json(alias) {
      return `json_build_object(${columns.map((c) => `'${c.name}', ${alias}.${c.name}${AS_TEXT.has(c.type) ? '::text' : ''}`).join(', ')})`;
    },
    readJson(object) {
      const out: Record<string, unknown> = Object.create(prototype);
      for (const c of columns) {
        let value = object[c.name];
        if (value !== null && (c.type === 'timestamptz' || c.type === 'timestamp with time zone')) value = parseTimestamp(value as string);
        out[c.property] = c.convert ? db.driver.prepareHydratedValue(value, c.convert) : value;
      }
      return out as T;
    },
  };
}
