import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import { UserError } from '../../shared/errors';
import { Organization, OrganizationKind } from './organization.entity';

@InputType({ description: 'A new organisation.' })
export class OrganizationCreateInput {
  @Field({ description: 'Name (1-200 characters).' })
  name!: string;

  @Field(() => OrganizationKind, { description: 'Kind of actor.' })
  kind!: OrganizationKind;

  @Field(() => ID, { description: 'Area where the organisation is based.' })
  homeAreaId!: string;

  @Field(() => ID, { nullable: true, description: 'Parent organisation (e.g. the district bureau of a police station). An ADMIN of the parent may create sub-units.' })
  parentId?: string | null;

  @Field(() => String, { nullable: true, description: 'What the organisation does (up to 2,000 characters).' })
  description?: string | null;

  @Field(() => [ID], { nullable: true, description: 'Areas the organisation is responsible for (at most 100); their subtrees count too.' })
  jurisdictionAreaIds?: string[] | null;
}

@InputType({ description: 'Changes to an organisation. Omitted fields stay as they are.' })
export class OrganizationUpdateInput {
  @Field(() => ID, { description: 'The organisation to change.' })
  id!: string;

  @Field(() => Int, { nullable: true, description: 'The version you read; when given and no longer current, the change is refused with CONFLICT.' })
  expectedVersion?: number | null;

  @Field(() => String, { nullable: true, description: 'New name.' })
  name?: string | null;

  @Field(() => String, { nullable: true, description: 'New description; an empty string clears it.' })
  description?: string | null;

  @Field(() => ID, { nullable: true, description: 'New home area.' })
  homeAreaId?: string | null;

  @Field(() => [ID], { nullable: true, description: 'Replaces the jurisdiction areas (at most 100).' })
  jurisdictionAreaIds?: string[] | null;
}

@ObjectType({ description: 'Result of `organizationCreate`.' })
export class OrganizationCreatePayload {
  @Field(() => Organization, { nullable: true, description: 'The new organisation; null when the input was refused.' })
  organization?: Organization | null;

  @Field(() => [UserError], { description: 'Why the input was refused; empty on success.' })
  userErrors!: UserError[];
}

@ObjectType({ description: 'Result of `organizationUpdate`.' })
export class OrganizationUpdatePayload {
  @Field(() => Organization, { nullable: true, description: 'The changed organisation; null when the input was refused.' })
  organization?: Organization | null;

  @Field(() => [UserError], { description: 'Why the input was refused; empty on success.' })
  userErrors!: UserError[];
}
