import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import { UserError } from '../../shared/errors';
import { ApiClientScope } from '../../shared/auth/roles';
import { ApiClient } from './api-client.entity';

@InputType({ description: 'A new partner integration of an organisation.' })
export class ApiClientCreateInput {
  @Field(() => ID, { description: 'The organisation the client acts for.' })
  organizationId!: string;

  @Field({ description: 'Name of the integration (1-100 characters).' })
  name!: string;

  @Field(() => ApiClientScope, { description: 'What the client may do.' })
  scope!: ApiClientScope;
}

@InputType({ description: 'Revokes a client.' })
export class ApiClientRevokeInput {
  @Field(() => ID, { description: 'The client to revoke.' })
  id!: string;
}

@ObjectType({ description: 'Result of `apiClientCreate`.' })
export class ApiClientCreatePayload {
  @Field(() => ApiClient, { nullable: true, description: 'The new client; null when refused.' })
  apiClient?: ApiClient | null;

  @Field(() => String, { nullable: true, description: 'The client secret. Shown this once: only a hash is kept.' })
  clientSecret?: string | null;

  @Field(() => [UserError], { description: 'Why the input was refused; empty on success.' })
  userErrors!: UserError[];
}

@ObjectType({ description: 'Result of `apiClientRevoke`.' })
export class ApiClientRevokePayload {
  @Field(() => ApiClient, { nullable: true, description: 'The revoked client; null when refused.' })
  apiClient?: ApiClient | null;

  @Field(() => [UserError], { description: 'Why the input was refused; empty on success.' })
  userErrors!: UserError[];
}

@InputType({ description: 'Gives a client a new secret; the old one keeps working for a short overlap so the partner can switch without downtime.' })
export class ApiClientRotateSecretInput {
  @Field(() => ID, { description: 'The client.' })
  id!: string;

  @Field(() => Int, {
    nullable: true,
    description: 'Seconds the replaced secret still works (0-86400, default 3600). 0 refuses it at once, for a secret that leaked. A secret replaced earlier stops working now either way.',
  })
  overlapSeconds?: number | null;
}

@ObjectType({ description: 'Result of `apiClientRotateSecret`.' })
export class ApiClientRotateSecretPayload {
  @Field(() => ApiClient, { nullable: true, description: 'The client, with `previousSecretExpiresAt` set; null when refused.' })
  apiClient?: ApiClient | null;

  @Field(() => String, { nullable: true, description: 'The new client secret. Shown this once: only a hash is kept.' })
  clientSecret?: string | null;

  @Field(() => [UserError], { description: 'Why the input was refused; empty on success.' })
  userErrors!: UserError[];
}
