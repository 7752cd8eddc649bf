import { types } from 'pg';
import type { DataSource } from 'typeorm';
import type { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata';

/**
 * An entity's columns for a hand-written planned read, taken from the ORM's
 * metadata rather than written out: an entity with forty columns (a case)
 * cannot then drift from its planned copy when a column is added. Rows come
 * back as plain objects on the entity's prototype, valued as the ORM would
 * hydrate them, without the ORM's per-row machinery. Only the columns the
 * entity selects by default are read (never a `select: false` column such as
 * a token hash), and never a password hash.
 */
export interface EntityColumns<T> {
  /** `alias.col AS prefix_col, ...` for a SELECT list. */
  select(alias: string, prefix: string): string;
  /** The entity from a row read with `select(_, prefix)`; null when its id is null (a missed LEFT JOIN). */
  read(row: Record<string, unknown>, prefix: string): T | null;
  /**
   * `json_build_array(...)` of the row `alias`, every column as PostgreSQL text: how a row travels inside
   * another (a meeting's agenda through json_agg, a patrol's route), read back with the driver's own parsers.
   */
  array(alias: string): string;
  /** The entity from an array built by `array`; null when the array or its id is null (a to-one join that found nothing). */
  readArray(values: readonly (string | null)[] | null | undefined): T | null;
}

/** Never read by a planned read, whatever entity carries them. */
const NEVER = new Set(['password_hash']);

/** Types the pg driver already returns as the ORM hydrates them (strings, numbers, booleans, Dates, parsed JSON). */
const AS_READ = new Set(['text', 'uuid', 'int', 'integer', 'int4', 'boolean', 'bool', 'double precision', 'float8', 'timestamptz', 'timestamp with time zone', 'jsonb', 'json', 'bigint', 'int8']);

/** PostgreSQL type OIDs, for the driver's parser of a column sent as text inside `array`. */
const OIDS: Record<string, number> = {
  uuid: 2950,
  text: 25,
  varchar: 1043,
  enum: 25,
  int: 23,
  integer: 23,
  int4: 23,
  bigint: 20,
  int8: 20,
  boolean: 16,
  bool: 16,
  timestamptz: 1184,
  'timestamp with time zone': 1184,
  'double precision': 701,
  float8: 701,
  jsonb: 3802,
  json: 114,
};
const ARRAY_OIDS: Record<string, number> = { text: 1009, uuid: 2951 };

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
  const typeOf = (c: ColumnMetadata) => String(typeof c.type === 'function' ? '' : c.type);
  const plain = (c: ColumnMetadata) => !c.transformer && AS_READ.has(typeOf(c));
  const columns = read.map((c) => {
    const oid = c.isArray ? ARRAY_OIDS[typeOf(c)] : OIDS[typeOf(c)];
    // A column type without a text parser fails the first plan that carries it in an array, in a test, not as a different value.
    const parse = oid ? (types.getTypeParser(oid) as (text: string) => unknown) : null;
    return { property: c.propertyName, name: c.databaseName, convert: plain(c) ? null : c, parse };
  });
  const idIndex = columns.findIndex((c) => c.property === 'id');
  const prototype = (entity as { prototype: object }).prototype;
  const selects = new Map<string, string>();
  // `${prefix}${name}` built once per prefix: built per row and column, the keys were a fresh string each (hashed on every lookup).
  const keysByPrefix = new Map<string, string[]>();
  const keysOf = (prefix: string) => {
    let keys = keysByPrefix.get(prefix);
    if (!keys) keysByPrefix.set(prefix, (keys = columns.map((c) => `${prefix}${c.name}`)));
    return keys;
  };
  return {
    select(alias, prefix) {
      const key = `${alias} ${prefix}`;
      let sql = selects.get(key);
      if (!sql) selects.set(key, (sql = columns.map((c) => `${alias}.${c.name} AS ${prefix}${c.name}`).join(', ')));
      return sql;
    },
    read(row, prefix) {
      const keys = keysOf(prefix);
      if (idIndex < 0 || row[keys[idIndex]] === null || row[keys[idIndex]] === undefined) return null;
      const out: Record<string, unknown> = Object.create(prototype);
      for (let i = 0; i < columns.length; i += 1) {
        const c = columns[i];
        const value = row[keys[i]];
        out[c.property] = c.convert ? db.driver.prepareHydratedValue(value, c.convert) : value;
      }
      return out as T;
    },
    array(alias) {
      const unparsed = columns.find((c) => !c.parse || (c.convert && c.convert.transformer));
      if (unparsed || idIndex < 0) throw new Error(`read plan: ${metadata.name}.${unparsed?.property ?? 'id'} cannot travel as text`);
      return `json_build_array(${columns.map((c) => `${alias}.${c.name}::text`).join(', ')})`;
    },
    readArray(values) {
      if (!values || values[idIndex] === null) return null;
      const out: Record<string, unknown> = Object.create(prototype);
      for (let i = 0; i < columns.length; i += 1) {
        const text = values[i];
        const column = columns[i];
        const value = text === null ? null : column.parse!(text);
        out[column.property] = column.convert ? db.driver.prepareHydratedValue(value, column.convert) : value;
      }
      return out as T;
    },
  };
}
