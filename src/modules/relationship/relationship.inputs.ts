import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import { LocalDateResolver } from 'graphql-scalars';
import { UserError } from '../../shared/errors';
import { Organization } from '../organization/organization.entity';
import { Relationship, RelationshipType } from './relationship.entity';
import { valueObject, WHY } from '../../shared/relay/value-object';

@InputType({ description: 'A new relation between two organisations.' })
export class RelationshipCreateInput {
  @Field(() => ID, { description: 'The organisation the relation starts from (e.g. the police station that GUIDES).' })
  fromOrganizationId!: string;

  @Field(() => ID, { description: 'The other organisation.' })
  toOrganizationId!: string;

  @Field(() => RelationshipType, { description: 'Kind of relation.' })
  type!: RelationshipType;

  @Field(() => LocalDateResolver, { nullable: true, description: 'First day the relation holds; default today.' })
  startsOn?: string | null;

  @Field(() => String, { nullable: true, description: 'Free-text note (up to 1,000 characters).' })
  note?: string | null;
}

@InputType({ description: 'Ends a relation.' })
export class RelationshipEndInput {
  @Field(() => ID, { description: 'The relation to end.' })
  id!: string;

  @Field(() => LocalDateResolver, { nullable: true, description: 'Last day the relation holds; default today. Not before its start.' })
  endsOn?: string | null;
}

@InputType({ description: 'An answer to a proposed relation.' })
export class RelationshipAnswerInput {
  @Field(() => ID, { description: 'The proposed relation.' })
  id!: string;
}

@ObjectType({ description: 'Result of `relationshipCreate`, `relationshipAccept`, `relationshipDecline` and `relationshipEnd`.' })
export class RelationshipPayload {
  @Field(() => Relationship, { nullable: true, description: 'The relation; null when refused.' })
  relationship?: Relationship | null;

  @Field(() => [UserError], { description: 'Why the input was refused; empty on success.' })
  userErrors!: UserError[];
}

@ObjectType({ description: valueObject('The part of the governance network reachable from one organisation.', WHY.computed) })
export class Network {
  @Field(() => Organization, { description: 'Where the walk started.' })
  root!: Organization;

  @Field(() => Int, { description: 'How many relations deep the walk went.' })
  depth!: number;

  /** Reached organisations, nearest first; ids only, loaded per page. */
  organizationIds!: string[];
  relationshipIds!: string[];
}
