import type { AppContext } from '../../shared/context';
import { UserErrorCode, forbidden } from '../../shared/errors';
import { canManageApiClients, canManageOrganization, canSeeApiClients } from '../../shared/auth/policy';
import { ApiClientScope } from '../../shared/auth/roles';
import { hashClientSecret, newClientKey, newClientSecret } from '../../shared/auth/password';
import { clock } from '../../shared/clock';
import { fail, failIfAny, inTransaction } from '../../shared/transaction';
import { InputCheck } from '../../shared/validation';
import { Organization } from '../organization/organization.entity';
import { ApiClient } from './api-client.entity';
import type { ApiClientCreateInput, ApiClientRevokeInput, ApiClientRotateSecretInput } from './api-client.inputs';
import { apiClientsById } from './api-client.loaders';

export async function findApiClient(ctx: AppContext, id: string): Promise<ApiClient | null> {
  const client = await apiClientsById(ctx).load(id);
  return client && canSeeApiClients(ctx.viewer, client.organizationId) ? client : null;
}

export async function createApiClient(ctx: AppContext, input: ApiClientCreateInput): Promise<{ apiClient: ApiClient; clientSecret: string }> {
  const check = new InputCheck();
  const organizationId = check.id('organizationId', input.organizationId, 'Organization', { required: true });
  const name = check.text('name', input.name, { max: 100, required: true });
  if (!Object.values(ApiClientScope).includes(input.scope)) check.add('scope', UserErrorCode.INVALID, 'Unknown scope.');
  failIfAny(check.errors);
  // Clients cannot mint further clients: a leaked secret must not be able to multiply itself.
  if (ctx.viewer.kind !== 'user') throw forbidden('Only people create API clients.');

  return inTransaction(ctx, async (tx) => {
    if (!(await tx.em.existsBy(Organization, { id: organizationId! }))) fail('organizationId', UserErrorCode.NOT_FOUND, 'No Organization with this id.');
    if (!canManageOrganization(ctx.viewer, organizationId!)) throw forbidden('Only ADMINs of the organisation create its API clients.');
    const clientSecret = newClientSecret();
    const { identifiers } = await tx.em.insert(ApiClient, {
      organizationId: organizationId!,
      name: name!,
      scope: input.scope,
      clientKey: newClientKey(),
      secretHash: hashClientSecret(clientSecret),
      createdByUserId: ctx.viewer.userId,
    });
    const apiClient = await tx.em.findOneByOrFail(ApiClient, { id: identifiers[0].id });
    tx.audit({ action: 'apiClientCreate', recordType: 'ApiClient', recordId: apiClient.id, details: { organizationId, name, scope: input.scope } });
    return { apiClient, clientSecret };
  });
}

export async function revokeApiClient(ctx: AppContext, input: ApiClientRevokeInput): Promise<{ apiClient: ApiClient }> {
  const check = new InputCheck();
  const id = check.id('id', input.id, 'ApiClient', { required: true });
  failIfAny(check.errors);

  return inTransaction(ctx, async (tx) => {
    const client = await tx.em.findOneBy(ApiClient, { id: id! });
    if (!client || !canSeeApiClients(ctx.viewer, client.organizationId)) fail('id', UserErrorCode.NOT_FOUND, 'No ApiClient with this id.');
    if (!canManageApiClients(ctx.viewer, client.organizationId)) throw forbidden('Only ADMINs of the organisation revoke its API clients.');
    if (client.revokedAt) fail('id', UserErrorCode.ALREADY_DONE, 'The client is already revoked.');
    await tx.em.update(ApiClient, { id: client.id }, { revokedAt: clock.now() });
    tx.audit({ action: 'apiClientRevoke', recordType: 'ApiClient', recordId: client.id });
    // An event so every process drops the client's cached identity and ends its subscriptions.
    tx.emit({
      topic: 'network',
      type: 'apiClient.revoked',
      subjectId: client.organizationId,
      organizationIds: [client.organizationId],
      payload: { apiClientId: client.id, invalidatesViewers: [`client:${client.id}`] },
    });
    return { apiClient: await tx.em.findOneByOrFail(ApiClient, { id: client.id }) };
  });
}

const MAX_OVERLAP_SECONDS = 86_400;

export async function rotateApiClientSecret(ctx: AppContext, input: ApiClientRotateSecretInput): Promise<{ apiClient: ApiClient; clientSecret: string }> {
  const check = new InputCheck();
  const id = check.id('id', input.id, 'ApiClient', { required: true });
  const overlapSeconds = input.overlapSeconds ?? 3600;
  if (!Number.isInteger(overlapSeconds) || overlapSeconds < 0 || overlapSeconds > MAX_OVERLAP_SECONDS) {
    check.add('overlapSeconds', UserErrorCode.OUT_OF_RANGE, `Between 0 and ${MAX_OVERLAP_SECONDS} seconds.`);
  }
  failIfAny(check.errors);

  return inTransaction(ctx, async (tx) => {
    const client = await tx.em.findOne(ApiClient, { where: { id: id! }, lock: { mode: 'pessimistic_write' } });
    if (!client || !canSeeApiClients(ctx.viewer, client.organizationId)) fail('id', UserErrorCode.NOT_FOUND, 'No ApiClient with this id.');
    if (!canManageApiClients(ctx.viewer, client.organizationId)) throw forbidden("Only people who are ADMINs of the organisation rotate its API clients' secrets.");
    if (client.revokedAt) fail('id', UserErrorCode.INVALID_TRANSITION, 'The client is revoked; create a new one.');
    const clientSecret = newClientSecret();
    await tx.em.update(ApiClient, { id: client.id }, {
      secretHash: hashClientSecret(clientSecret),
      previousSecretHash: overlapSeconds > 0 ? client.secretHash : null,
      previousSecretExpiresAt: overlapSeconds > 0 ? new Date(Date.now() + overlapSeconds * 1000) : null,
    });
    tx.audit({ action: 'apiClientRotateSecret', recordType: 'ApiClient', recordId: client.id, details: { overlapSeconds } });
    return { apiClient: await tx.em.findOneByOrFail(ApiClient, { id: client.id }), clientSecret };
  });
}
