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

export interface NewEvent {
  topic: string;
  type: string;
  subjectId?: string | null;
  areaPath?: string | null;
  organizationIds: string[];
  userIds?: string[];
  payload: Record<string, unknown>;
}
