import { randomUUID } from 'node:crypto';
import { In } from 'typeorm';
import type { AppContext } from '../../shared/context';
import { UserErrorCode, forbidden } from '../../shared/errors';
import { canCreateOrganization, canManageOrganization, canSetJurisdiction } from '../../shared/auth/policy';
import { MemberRole } from '../../shared/auth/roles';
import { type Tx, fail, failIfAny, inTransaction, updateVersioned } from '../../shared/transaction';
import { InputCheck } from '../../shared/validation';
import { paginate, type ConnectionArgs } from '../../shared/relay/connection';
import { Area } from '../area/area.entity';
import { escapeLike, subtreePattern } from '../area/area.service';
import { Membership } from '../membership/membership.entity';
import { Organization, OrganizationJurisdiction, OrganizationKind } from './organization.entity';
import type { OrganizationCreateInput, OrganizationUpdateInput } from './organization.inputs';
import { organizationsById } from './organization.loaders';
import { pruneDelegations } from './organization.jurisdiction';

export interface OrganizationFilter {
  kinds?: OrganizationKind[] | null;
  withinAreaId?: string | null;
  search?: string | null;
  parentId?: string | null;
}

/** The organisation directory is open to every signed-in viewer. */
export async function listOrganizations(ctx: AppContext, filter: OrganizationFilter, args: ConnectionArgs) {
  const qb = ctx.app.db.getRepository(Organization).createQueryBuilder('o');
  if (filter.kinds?.length) qb.andWhere('o.kind IN (:...kinds)', { kinds: filter.kinds });
  if (filter.parentId) qb.andWhere('o.parent_id = :parentId', { parentId: filter.parentId });
  if (filter.search) qb.andWhere(`o.name ILIKE :search ESCAPE '\\'`, { search: `%${escapeLike(filter.search)}%` });
  if (filter.withinAreaId) {
    qb.innerJoin(Area, 'home', 'home.id = o.home_area_id').andWhere(
      `home.path LIKE :within`,
      { within: await subtreePattern(ctx, filter.withinAreaId) },
    );
  }
  return paginate(qb, args, [
    { sql: 'o.name', value: (o) => o.name },
    { sql: 'o.id', value: (o) => o.id },
  ]);
}

export function findOrganization(ctx: AppContext, id: string | null): Promise<Organization | null> {
  return id ? organizationsById(ctx).load(id) : Promise.resolve(null);
}

/** Organisations whose jurisdiction covers the area (the area or any ancestor is in their jurisdiction). */
export async function jurisdictionOrganizationIds(tx: Pick<Tx, 'em'>, areaPath: string): Promise<string[]> {
  const rows: { organization_id: string }[] = await tx.em.query(
    `SELECT DISTINCT organization_id FROM organization_jurisdiction WHERE area_id = ANY($1::uuid[])`,
    [areaPath.split('/').filter(Boolean)],
  );
  return rows.map((r) => r.organization_id);
}

async function checkAreas(tx: Tx, field: string, ids: string[]): Promise<void> {
  if (!ids.length) return;
  const found = await tx.em.countBy(Area, { id: In(ids) });
  if (found !== ids.length) fail(field, UserErrorCode.NOT_FOUND, 'One or more areas do not exist.');
}

export async function createOrganization(ctx: AppContext, input: OrganizationCreateInput): Promise<{ organization: Organization }> {
  const check = new InputCheck();
  const name = check.text('name', input.name, { max: 200, required: true });
  const description = check.text('description', input.description, { max: 2000 });
  const homeAreaId = check.id('homeAreaId', input.homeAreaId, 'Area', { required: true });
  const parentId = check.id('parentId', input.parentId, 'Organization');
  const jurisdiction = check.ids('jurisdictionAreaIds', input.jurisdictionAreaIds, 'Area', { max: 100 });
  if (!Object.values(OrganizationKind).includes(input.kind)) check.add('kind', UserErrorCode.INVALID, 'Unknown organisation kind.');
  if (!canCreateOrganization(ctx.viewer, parentId)) throw forbidden('Only platform administrators, or ADMINs of the parent organisation, register organisations.');
  if (input.jurisdictionAreaIds?.length && !canSetJurisdiction(ctx.viewer)) {
    throw forbidden('Only platform administrators set jurisdiction; a parent organisation delegates part of its own with jurisdictionGrant.');
  }
  failIfAny(check.errors);

  return inTransaction(ctx, async (tx) => {
    await checkAreas(tx, 'homeAreaId', [homeAreaId!]);
    await checkAreas(tx, 'jurisdictionAreaIds', jurisdiction);
    if (parentId && !(await tx.em.existsBy(Organization, { id: parentId }))) fail('parentId', UserErrorCode.NOT_FOUND, 'No Organization with this id.');
    const id = randomUUID();
    await tx.em.insert(Organization, { id, name: name!, kind: input.kind, description, homeAreaId: homeAreaId!, parentId });
    if (jurisdiction.length) await tx.em.insert(OrganizationJurisdiction, jurisdiction.map((areaId) => ({ organizationId: id, areaId, grantedByOrganizationId: null, grantedByUserId: ctx.viewer.userId })));
    // Someone must be able to manage the new unit: its creator, unless a platform admin who manages everything anyway.
    if (ctx.viewer.userId && !ctx.viewer.isPlatformAdmin) {
      await tx.em.insert(Membership, { userId: ctx.viewer.userId, organizationId: id, role: MemberRole.ADMIN });
    }
    tx.audit({ action: 'organizationCreate', recordType: 'Organization', recordId: id, details: { name, kind: input.kind, parentId, jurisdictionAreaIds: jurisdiction } });
    tx.emit({
      topic: 'network',
      type: 'organization.created',
      subjectId: id,
      organizationIds: [id, ...(parentId ? [parentId] : [])],
      payload: { organizationId: id, name, kind: input.kind, invalidatesViewers: ctx.viewer.userId ? [`user:${ctx.viewer.userId}`] : [] },
    });
    return { organization: await tx.em.findOneByOrFail(Organization, { id }) };
  });
}

export async function updateOrganization(ctx: AppContext, input: OrganizationUpdateInput): Promise<{ organization: Organization }> {
  const check = new InputCheck();
  const id = check.id('id', input.id, 'Organization', { required: true });
  const name = input.name == null ? null : check.text('name', input.name, { max: 200, required: true });
  const description = input.description == null ? undefined : check.text('description', input.description, { max: 2000 });
  const homeAreaId = check.id('homeAreaId', input.homeAreaId, 'Area');
  const jurisdiction = input.jurisdictionAreaIds == null ? null : check.ids('jurisdictionAreaIds', input.jurisdictionAreaIds, 'Area', { max: 100 });
  failIfAny(check.errors);

  return inTransaction(ctx, async (tx) => {
    const organization = await tx.em.findOneBy(Organization, { id: id! });
    if (!organization) fail('id', UserErrorCode.NOT_FOUND, 'No Organization with this id.');
    if (!canManageOrganization(ctx.viewer, organization.id)) throw forbidden('Only ADMINs of the organisation may change it.');
    if (jurisdiction && !canSetJurisdiction(ctx.viewer)) {
      throw forbidden('Only platform administrators set jurisdiction; ask the parent organisation to delegate with jurisdictionGrant.');
    }
    const changes: Partial<Organization> = {};
    if (name) changes.name = name;
    if (description !== undefined) changes.description = description;
    if (homeAreaId) {
      await checkAreas(tx, 'homeAreaId', [homeAreaId]);
      changes.homeAreaId = homeAreaId;
    }
    await updateVersioned(tx, Organization, organization.id, input.expectedVersion, changes, 'organisation');
    if (jurisdiction) {
      await checkAreas(tx, 'jurisdictionAreaIds', jurisdiction);
      // Areas kept keep their original grant (and date); new ones are granted by the platform now.
      const before = await tx.em.findBy(OrganizationJurisdiction, { organizationId: organization.id });
      const removed = before.filter((g) => !jurisdiction.includes(g.areaId));
      const added = jurisdiction.filter((areaId) => !before.some((g) => g.areaId === areaId));
      if (removed.length) await tx.em.delete(OrganizationJurisdiction, { organizationId: organization.id, areaId: In(removed.map((g) => g.areaId)) });
      if (added.length) await tx.em.insert(OrganizationJurisdiction, added.map((areaId) => ({ organizationId: organization.id, areaId, grantedByOrganizationId: null, grantedByUserId: ctx.viewer.userId })));
      for (const g of removed) tx.emit({ topic: 'network', type: 'jurisdiction.revoked', subjectId: organization.id, organizationIds: [organization.id], payload: { organizationId: organization.id, areaId: g.areaId, grantedByOrganizationId: null } });
      for (const areaId of added) tx.emit({ topic: 'network', type: 'jurisdiction.granted', subjectId: organization.id, organizationIds: [organization.id], payload: { organizationId: organization.id, areaId, grantedByOrganizationId: null } });
      if (removed.length) await pruneDelegations(tx, organization.id, `organizationUpdate of ${organization.id}`);
    }
    tx.audit({ action: 'organizationUpdate', recordType: 'Organization', recordId: organization.id, details: { ...changes, jurisdictionAreaIds: jurisdiction } });
    tx.emit({
      topic: 'network',
      type: 'organization.updated',
      subjectId: organization.id,
      organizationIds: [organization.id],
      payload: { organizationId: organization.id, changed: Object.keys(changes).concat(jurisdiction ? ['jurisdiction'] : []) },
    });
    return { organization: await tx.em.findOneByOrFail(Organization, { id: organization.id }) };
  });
}
