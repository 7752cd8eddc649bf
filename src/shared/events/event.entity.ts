import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/**
 * One committed change someone may want pushed. Written in the change's own
 * transaction; `id` is the cursor subscribers resume from. Inserts are
 * serialised by an advisory lock so ids become visible in commit order and a
 * reader never skips a lower id that commits late.
 */
@Entity('event')
export class EventRecord {
  @PrimaryGeneratedColumn('increment', { type: 'bigint' })
  id!: string;

  /** Stream name, e.g. `network`, `meeting`. */
  @Column('text')
  topic!: string;

  /** What happened, e.g. `organization.updated`. */
  @Column('text')
  type!: string;

  /** The record the event is about (e.g. the meeting id), for per-record subscriptions. */
  @Column('uuid', { nullable: true })
  subjectId!: string | null;

  /** Materialized path of the area concerned, for area-subtree subscriptions. */
  @Column('text', { nullable: true })
  areaPath!: string | null;

  /** Organisations entitled to see the event, fixed when it is written. */
  @Column('uuid', { array: true, default: () => "'{}'" })
  organizationIds!: string[];

  /** Users entitled to see it regardless of organisation (e.g. a reporter). */
  @Column('uuid', { array: true, default: () => "'{}'" })
  userIds!: string[];

  @Column('jsonb')
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- arbitrary JSON
  payload!: Record<string, any>;

  @Column('timestamptz', { default: () => 'now()' })
  createdAt!: Date;
}

/** An event as the driver reads it (`id::text`, the columns under their own names): the log's hot readers skip the ORM. */
export interface EventRow {
  id: string;
  topic: string;
  type: string;
  subject_id: string | null;
  area_path: string | null;
  organization_ids: string[];
  user_ids: string[];
  payload: Record<string, unknown>;
  created_at: Date;
}

/** The columns of an EventRow, for a select list over `event`. Its `id` is text: order by the table's column, not by it. */
export const EVENT_ROW_COLUMNS = 'id::text, topic, type, subject_id, area_path, organization_ids, user_ids, payload, created_at';

export function eventFromRow(row: EventRow): EventRecord {
  return Object.assign(new EventRecord(), {
    id: row.id,
    topic: row.topic,
    type: row.type,
    subjectId: row.subject_id,
    areaPath: row.area_path,
    organizationIds: row.organization_ids,
    userIds: row.user_ids,
    payload: row.payload,
    createdAt: row.created_at,
  });
}

export interface NewEvent {
  topic: string;
  type: string;
  subjectId?: string | null;
  areaPath?: string | null;
  organizationIds: string[];
  userIds?: string[];
  payload: Record<string, unknown>;
}
