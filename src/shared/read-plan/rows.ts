import { types } from 'pg';
import type { DataSource, EntityTarget, ObjectLiteral } from 'typeorm';

/**
 * An entity's row carried inside a planned statement as a JSON array of its
 * columns, each as PostgreSQL text, and turned back into a plain object on
 * the entity's prototype with the driver's own parsers: the object a loader
 * would have built, without TypeORM hydration. Lists nested in one statement
 * (a meeting's agenda, a route's checkpoints) travel this way.
 *
 * Only the columns the entity selects by default are read (never a
 * `select: false` column such as a password or token hash). Column types this
 * file does not know make the shape throw when first built, so a new column
 * type is met in a test, not as a silently different value.
 */
export interface RowShape<T> {
  /** `json_build_array(...)` of the entity's columns on `alias`. */
  sql(alias: string): string;
  /** The entity from that array; null when the array's id is null (a to-one join that found nothing). */
  from(values: readonly (string | null)[] | null | undefined): T | null;
}

/** PostgreSQL type OIDs of the column types the read plans carry; the parser for each is the driver's. */
const OIDS: Record<string, number> = {
  uuid: 2950,
  text: 25,
  varchar: 1043,
  int: 23,
  integer: 23,
  boolean: 16,
  timestamptz: 1184,
  'timestamp with time zone': 1184,
  'double precision': 701,
};
const ARRAY_OIDS: Record<string, number> = { text: 1009, uuid: 2951 };

const shapes = new WeakMap<object, RowShape<unknown>>();

export function rowShape<T extends ObjectLiteral>(db: DataSource, entity: EntityTarget<T> & { prototype: T }): RowShape<T> {
  const metadata = db.getMetadata(entity);
  const known = shapes.get(metadata);
  if (known) return known as RowShape<T>;
  const columns = metadata.columns
    .filter((c) => c.isSelect)
    .map((c) => {
      const type = typeof c.type === 'string' ? c.type : '';
      const oid = c.isArray ? ARRAY_OIDS[type] : OIDS[type];
      if (!oid || c.transformer) throw new Error(`read plan: ${metadata.name}.${c.propertyName} has a column type (${String(type)}) rows.ts does not parse`);
      return { property: c.propertyName, column: c.databaseName, parse: types.getTypeParser(oid) as (text: string) => unknown };
    });
  const idIndex = columns.findIndex((c) => c.property === 'id');
  if (idIndex < 0) throw new Error(`read plan: ${metadata.name} has no id column`);
  const prototype = entity.prototype;
  const shape: RowShape<T> = {
    sql: (alias) => `json_build_array(${columns.map((c) => `${alias}.${c.column}::text`).join(', ')})`,
    from(values) {
      if (!values || values[idIndex] === null) return null;
      const row = Object.create(prototype);
      for (let i = 0; i < columns.length; i += 1) {
        const text = values[i];
        row[columns[i].property] = text === null ? null : columns[i].parse(text);
      }
      return row as T;
    },
  };
  shapes.set(metadata, shape as RowShape<unknown>);
  return shape;
}
