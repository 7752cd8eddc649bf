import { Field, Float, ID, InputType, Int, ObjectType } from 'type-graphql';
import { LocalDateResolver } from 'graphql-scalars';
import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { Node } from '../node/node.type';
import { toGlobalId } from '../../shared/relay/global-id';
import { UserError } from '../../shared/errors';

@Entity('service_level_assessment')
@ObjectType({
  implements: Node,
  description:
    "The client's assessment of one period of a service level that is checked by people, not computed (CUSTOM, e.g. 每季度向居民公開經費收支一次). Append-only: a correction is a newer entry for the same period, and the latest one counts. The provider cannot assess its own service.",
})
export class ServiceLevelAssessment implements Node {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Field(() => ID, { name: 'id', description: 'Global id.' })
  get globalId(): string {
    return toGlobalId('ServiceLevelAssessment', this.id);
  }

  @Column('uuid')
  contractId!: string;

  @Column('uuid')
  serviceLevelId!: string;

  @Column('date')
  @Field(() => LocalDateResolver, { description: 'First day of the period assessed (clipped to the contract term).' })
  startsOn!: string;

  @Column('date')
  @Field(() => LocalDateResolver, { description: 'Last day of the period assessed (clipped to the contract term).' })
  endsOn!: string;

  @Column('boolean')
  @Field({ description: 'Whether the client found the service level met in this period.' })
  met!: boolean;

  /** numeric: comes back from PostgreSQL as a string. */
  @Column('numeric', { nullable: true, transformer: { to: (v: number | null) => v, from: (v: string | null) => (v === null ? null : Number(v)) } })
  @Field(() => Float, { nullable: true, description: 'The figure the client found, in the unit of the target, when the level has one (e.g. 1 disclosure this quarter); null when only met or not met was judged.' })
  achieved!: number | null;

  @Column('text', { nullable: true })
  @Field(() => String, { nullable: true, description: 'What the client based its verdict on.' })
  note!: string | null;

  @Column('uuid')
  assessedByOrganizationId!: string;

  @Column('uuid', { nullable: true })
  assessedByUserId!: string | null;

  @Column({ type: 'timestamptz', precision: 3, default: () => 'now()' })
  @Field({ description: 'When the assessment was recorded.' })
  assessedAt!: Date;
}

@InputType({ description: "The client's verdict on one period of a CUSTOM service level." })
export class ServiceLevelAssessmentRecordInput {
  @Field(() => ID, { description: 'The contract (signed by every party: ACTIVE, SUSPENDED, or ended after signature).' })
  contractId!: string;

  @Field(() => Int, { description: 'Position of the service level in the terms in force (`Contract.serviceLevels`, from 0); it must be a CUSTOM one, the others are computed.' })
  serviceLevelPosition!: number;

  @Field(() => LocalDateResolver, { description: "First day of the period assessed: a period of the service level's kind (day, Monday-to-Sunday week, month, quarter) within the contract term, already begun." })
  periodStartsOn!: string;

  @Field({ description: 'Whether the service level was met in that period.' })
  met!: boolean;

  @Field(() => Float, { nullable: true, description: 'The figure found, in the unit of the target (0 or more); leave out when only met or not met is judged.' })
  achieved?: number | null;

  @Field(() => String, { nullable: true, description: 'What the verdict is based on (up to 2,000 characters).' })
  note?: string | null;
}

@ObjectType({ description: 'Result of `serviceLevelAssessmentRecord`.' })
export class ServiceLevelAssessmentPayload {
  @Field(() => ServiceLevelAssessment, { nullable: true, description: 'The assessment recorded; null when refused.' })
  assessment?: ServiceLevelAssessment | null;

  @Field(() => [UserError], { description: 'Why the input was refused; empty on success.' })
  userErrors!: UserError[];
}
