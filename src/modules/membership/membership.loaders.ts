import { In } from 'typeorm';
import { defineByIdLoader, defineLoader, groupByKey } from '../../shared/loaders';
import { defineChildConnection } from '../../shared/relay/child-connection';
import { Membership } from './membership.entity';

export const membershipsById = defineByIdLoader(Membership);

export const membershipsByUserId = defineLoader<string, Membership[]>(async (ids, ctx) => {
  const rows = await ctx.app.db.getRepository(Membership).find({ where: { userId: In([...ids]) }, order: { createdAt: 'ASC', id: 'ASC' } });
  return groupByKey(ids, rows, (m) => m.userId);
});

export const membershipsByOrganizationId = defineChildConnection<Membership>({
  entity: Membership,
  parentColumn: 'x.organization_id',
  sort: [
    { sql: 'x.created_at', value: (m) => m.createdAt.toISOString() },
    { sql: 'x.id', value: (m) => m.id },
  ],
});
