import { Field, ID, InputType, ObjectType } from 'type-graphql';
import { UserError } from '../../shared/errors';
import { Area, AreaKind } from './area.entity';

@InputType({ description: 'A new administrative area.' })
export class AreaCreateInput {
  @Field({ description: 'Official name (1-200 characters).' })
  name!: string;

  @Field(() => AreaKind, { description: 'Administrative level; must rank below the parent.' })
  kind!: AreaKind;

  @Field(() => ID, { nullable: true, description: 'Parent area; omit for a root (a city).' })
  parentId?: string | null;

  @Field(() => String, { nullable: true, description: 'Administrative division code.' })
  code?: string | null;
}

@InputType({ description: 'Changes to an area. Omitted fields stay as they are.' })
export class AreaUpdateInput {
  @Field(() => ID, { description: 'The area to change.' })
  id!: string;

  @Field(() => String, { nullable: true, description: 'New name.' })
  name?: string | null;

  @Field(() => String, { nullable: true, description: 'New division code.' })
  code?: string | null;

  @Field(() => ID, { nullable: true, description: 'New parent: moves the area with its whole subtree. Refused when it would create a cycle.' })
  parentId?: string | null;
}

@ObjectType({ description: 'Result of `areaCreate`.' })
export class AreaCreatePayload {
  @Field(() => Area, { nullable: true, description: 'The new area; null when the input was refused.' })
  area?: Area | null;

  @Field(() => [UserError], { description: 'Why the input was refused; empty on success.' })
  userErrors!: UserError[];
}

@ObjectType({ description: 'Result of `areaUpdate`.' })
export class AreaUpdatePayload {
  @Field(() => Area, { nullable: true, description: 'The changed area; null when the input was refused.' })
  area?: Area | null;

  @Field(() => [UserError], { description: 'Why the input was refused; empty on success.' })
  userErrors!: UserError[];
}
