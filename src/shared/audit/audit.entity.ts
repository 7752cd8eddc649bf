import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** Who did what, when, to which record. A trigger refuses UPDATE, DELETE and TRUNCATE. */
@Entity('audit_entry')
export class AuditEntry {
  @PrimaryGeneratedColumn('increment', { type: 'bigint' })
  id!: string;

  @Column('timestamptz', { default: () => 'now()' })
  at!: Date;

  @Column('uuid', { nullable: true })
  actorUserId!: string | null;

  @Column('uuid', { nullable: true })
  actorClientId!: string | null;

  /** The operation, e.g. `organizationCreate`. */
  @Column('text')
  action!: string;

  @Column('text')
  recordType!: string;

  @Column('text')
  recordId!: string;

  @Column('jsonb', { default: () => "'{}'" })
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- arbitrary JSON
  details!: Record<string, any>;

  @Column('text', { nullable: true })
  requestId!: string | null;
}

export interface NewAuditEntry {
  action: string;
  recordType: string;
  recordId: string;
  details?: Record<string, unknown>;
}
