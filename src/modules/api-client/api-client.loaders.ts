import { In } from 'typeorm';
import { byKey, defineLoader } from '../../shared/loaders';
import { defineChildConnection } from '../../shared/relay/child-connection';
import { ApiClient } from './api-client.entity';

export const apiClientsById = defineLoader<string, ApiClient | null>(async (ids, ctx) => {
  const rows = await ctx.app.db.getRepository(ApiClient).findBy({ id: In([...ids]) });
  return byKey(ids, rows, (c) => c.id);
});

export const apiClientsByOrganizationId = defineChildConnection<ApiClient>({
  entity: ApiClient,
  parentColumn: 'x.organization_id',
  sort: [
    { sql: 'x.created_at', value: (c) => c.createdAt.toISOString() },
    { sql: 'x.id', value: (c) => c.id },
  ],
});
