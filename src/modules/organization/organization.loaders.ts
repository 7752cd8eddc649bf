import { In } from 'typeorm';
import { defineByIdLoader, defineLoader, groupByKey } from '../../shared/loaders';
import { Organization, OrganizationJurisdiction } from './organization.entity';

export const organizationsById = defineByIdLoader(Organization);

export const jurisdictionAreaIdsByOrganizationId = defineLoader<string, string[]>(async (ids, ctx) => {
  const rows = await ctx.app.db.getRepository(OrganizationJurisdiction).findBy({ organizationId: In([...ids]) });
  return groupByKey(ids, rows, (j) => j.organizationId).map((group) => group.map((j) => j.areaId));
});

/** Jurisdiction grants of each organisation, oldest first. */
export const jurisdictionGrantsByOrganizationId = defineLoader<string, OrganizationJurisdiction[]>(async (ids, ctx) => {
  const rows = await ctx.app.db.getRepository(OrganizationJurisdiction).find({ where: { organizationId: In([...ids]) }, order: { grantedAt: 'ASC', areaId: 'ASC' } });
  return groupByKey(ids, rows, (j) => j.organizationId);
});
