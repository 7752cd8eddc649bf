import { Arg, Ctx, FieldResolver, Mutation, Resolver, Root } from 'type-graphql';
import type { AppContext } from '../../shared/context';
import { Access, AccessLevel } from '../../shared/auth/policy';
import { withUserErrors } from '../../shared/transaction';
import { registerNodeType } from '../node/node.registry';
import { Organization } from '../organization/organization.entity';
import { organizationsById } from '../organization/organization.loaders';
import { ApiClient } from './api-client.entity';
import { ApiClientCreateInput, ApiClientCreatePayload, ApiClientRevokeInput, ApiClientRevokePayload, ApiClientRotateSecretInput, ApiClientRotateSecretPayload } from './api-client.inputs';
import { createApiClient, findApiClient, revokeApiClient, rotateApiClientSecret } from './api-client.service';

registerNodeType('ApiClient', findApiClient);

@Resolver(() => ApiClient)
export class ApiClientResolver {
  @Mutation(() => ApiClientCreatePayload, { description: "Creates a partner integration for an organisation and returns its secret once. The organisation's ADMINs only." })
  @Access(AccessLevel.WRITE)
  apiClientCreate(@Ctx() ctx: AppContext, @Arg('input', { description: 'The new client.' }) input: ApiClientCreateInput) {
    return withUserErrors<ApiClientCreatePayload>(() => createApiClient(ctx, input));
  }

  @Mutation(() => ApiClientRevokePayload, { description: "Revokes a client: its tokens stop working on the next request and its subscriptions end. The organisation's ADMINs only." })
  @Access(AccessLevel.WRITE)
  apiClientRevoke(@Ctx() ctx: AppContext, @Arg('input', { description: 'The client to revoke.' }) input: ApiClientRevokeInput) {
    return withUserErrors<ApiClientRevokePayload>(() => revokeApiClient(ctx, input));
  }

  @Mutation(() => ApiClientRotateSecretPayload, {
    description: "Gives a client a new secret (shown once); the replaced one keeps working for `overlapSeconds` so the partner can switch without downtime. The organisation's ADMINs only.",
  })
  @Access(AccessLevel.WRITE)
  apiClientRotateSecret(@Ctx() ctx: AppContext, @Arg('input', { description: 'The client and the overlap.' }) input: ApiClientRotateSecretInput) {
    return withUserErrors<ApiClientRotateSecretPayload>(() => rotateApiClientSecret(ctx, input));
  }

  @FieldResolver(() => Organization, { description: 'The organisation the client acts for.' })
  organization(@Root() client: ApiClient, @Ctx() ctx: AppContext) {
    return organizationsById(ctx).load(client.organizationId);
  }
}
