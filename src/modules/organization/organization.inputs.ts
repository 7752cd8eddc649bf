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

  @Field(() => [ID], { nullable: true, description: 'Areas the organisation is responsible for (at most 100); their subtrees count too. Platform admins only: others are refused, and a parent delegates with `jurisdictionGrant`.' })
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

  @Field(() => [ID], { nullable: true, description: 'Replaces the jurisdiction areas (at most 100). Platform admins only; what the organisation delegated from an area it loses is revoked too.' })
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

@InputType({ description: 'An area of jurisdiction delegated to a child organisation.' })
export class JurisdictionGrantInput {
  @Field(() => ID, { description: 'The organisation that receives the area: a child of the granting organisation (any organisation for a platform admin).' })
  organizationId!: string;

  @Field(() => ID, { description: "The area: within the parent organisation's own jurisdiction (any area for a platform admin)." })
  areaId!: string;
}

@InputType({ description: 'An area of jurisdiction taken back.' })
export class JurisdictionRevokeInput {
  @Field(() => ID, { description: 'The organisation that holds the area.' })
  organizationId!: string;

  @Field(() => ID, { description: 'The area it loses; what it delegated from that area is revoked with it.' })
  areaId!: string;
}

@ObjectType({ description: 'Result of `jurisdictionGrant` and `jurisdictionRevoke`.' })
export class JurisdictionPayload {
  @Field(() => Organization, { nullable: true, description: 'The organisation whose jurisdiction changed; null when refused.' })
  organization?: Organization | null;

  @Field(() => [UserError], { description: 'Why the input was refused; empty on success.' })
  userErrors!: UserError[];
}
