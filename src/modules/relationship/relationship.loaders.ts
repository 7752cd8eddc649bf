import { defineByIdLoader, defineLoader } from '../../shared/loaders';
import { Relationship } from './relationship.entity';

export const relationshipsById = defineByIdLoader(Relationship);

/** Relations touching each organisation, from either end, oldest first. */
export const relationshipsByOrganizationId = defineLoader<string, Relationship[]>(async (ids, ctx) => {
  const rows = await ctx.app.db
    .getRepository(Relationship)
    .createQueryBuilder('r')
    .where('r.from_organization_id = ANY(:ids) OR r.to_organization_id = ANY(:ids)', { ids })
    .orderBy('r.created_at', 'ASC')
    .addOrderBy('r.id', 'ASC')
    .getMany();
  return ids.map((id) => rows.filter((r) => r.fromOrganizationId === id || r.toOrganizationId === id));
});
