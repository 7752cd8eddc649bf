import { defineByIdLoader } from '../../shared/loaders';
import { defineChildConnection } from '../../shared/relay/child-connection';
import { ApiClient } from './api-client.entity';

export const apiClientsById = defineByIdLoader(ApiClient);

export const apiClientsByOrganizationId = defineChildConnection<ApiClient>({
  entity: ApiClient,
  parentColumn: 'x.organization_id',
  sort: [
    { sql: 'x.created_at', value: (c) => c.createdAt.toISOString() },
    { sql: 'x.id', value: (c) => c.id },
  ],
});
