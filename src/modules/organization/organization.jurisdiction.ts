import type { AppContext } from '../../shared/context';
import { UserErrorCode, forbidden } from '../../shared/errors';
import { canGrantJurisdictionAs, canRevokeJurisdiction } from '../../shared/auth/policy';
import { type Tx, fail, failIfAny, inTransaction } from '../../shared/transaction';
import { InputCheck } from '../../shared/validation';
import { Area } from '../area/area.entity';
import { Organization, OrganizationJurisdiction } from './organization.entity';

/**
 * Jurisdiction is reach: whoever holds an area sees its cases (reporters'
 * contacts included) and patrols. So it is never claimed. A platform admin
 * sets it; an organisation that holds an area may delegate that area or a
 * part of it to one of its own child organisations, and take it back.
 * Every grant and revocation is dated, audited and pushed on `networkChanges`.
 */

/** Whether `holderId` holds `area` or an area above it. */
async function holdsArea(tx: Pick<Tx, 'em'>, holderId: string, area: Area): Promise<boolean> {
  const [{ held }] = await tx.em.query(
    `SELECT EXISTS (SELECT 1 FROM organization_jurisdiction j JOIN area a ON a.id = j.area_id
                     WHERE j.organization_id = $1 AND $2 LIKE a.path || '%') AS held`,
    [holderId, area.path],
  );
  return held === true;
}

/**
 * After an organisation lost (part of) its jurisdiction, what it delegated
 * from the lost part is no longer backed by anything: remove those grants,
 * and in turn what their holders delegated from them.
 */
export async function pruneDelegations(tx: Tx, organizationId: string, cause: string): Promise<void> {
  const queue = [organizationId];
  const visited = new Set(queue);
  while (queue.length) {
    const granter = queue.shift()!;
    // typeorm answers a DELETE ... RETURNING on PostgreSQL with [rows, affectedCount].
    const [orphaned]: [{ organization_id: string; area_id: string }[], number] = await tx.em.query(
      `DELETE FROM organization_jurisdiction g
        USING area ga
        WHERE ga.id = g.area_id AND g.granted_by_organization_id = $1
          AND NOT EXISTS (SELECT 1 FROM organization_jurisdiction h JOIN area ha ON ha.id = h.area_id
                           WHERE h.organization_id = $1 AND ga.path LIKE ha.path || '%')
        RETURNING g.organization_id, g.area_id`,
      [granter],
    );
    for (const row of orphaned ?? []) {
      tx.audit({ action: 'jurisdictionRevoke', recordType: 'Organization', recordId: row.organization_id, details: { areaId: row.area_id, grantedByOrganizationId: granter, cascade: cause } });
      emitJurisdiction(tx, 'jurisdiction.revoked', row.organization_id, granter, row.area_id);
      if (!visited.has(row.organization_id)) queue.push(row.organization_id);
      visited.add(row.organization_id);
    }
  }
}

function emitJurisdiction(tx: Tx, type: string, organizationId: string, grantedByOrganizationId: string | null, areaId: string): void {
  tx.emit({
    topic: 'network',
    type,
    subjectId: organizationId,
    organizationIds: [organizationId, ...(grantedByOrganizationId ? [grantedByOrganizationId] : [])],
    payload: { organizationId, areaId, grantedByOrganizationId },
  });
}

export interface JurisdictionInput {
  organizationId: string;
  areaId: string;
}

/** The two global ids of a grant or revocation, as database ids; refused together when either is malformed. */
function jurisdictionIds(input: JurisdictionInput): { organizationId: string; areaId: string } {
  const check = new InputCheck();
  const organizationId = check.id('organizationId', input.organizationId, 'Organization', { required: true });
  const areaId = check.id('areaId', input.areaId, 'Area', { required: true });
  failIfAny(check.errors);
  return { organizationId: organizationId!, areaId: areaId! };
}

export async function grantJurisdiction(ctx: AppContext, input: JurisdictionInput): Promise<{ organization: Organization }> {
  const { organizationId, areaId } = jurisdictionIds(input);

  return inTransaction(ctx, async (tx) => {
    const organization = await tx.em.findOneBy(Organization, { id: organizationId });
    if (!organization) fail('organizationId', UserErrorCode.NOT_FOUND, 'No Organization with this id.');
    const area = await tx.em.findOneBy(Area, { id: areaId });
    if (!area) fail('areaId', UserErrorCode.NOT_FOUND, 'No Area with this id.');
    // A platform admin grants on the platform's authority; anyone else only as the receiver's parent.
    const granter = ctx.viewer.isPlatformAdmin ? null : organization.parentId;
    if (!ctx.viewer.isPlatformAdmin) {
      if (!granter || !canGrantJurisdictionAs(ctx.viewer, granter)) {
        throw forbidden('Jurisdiction is granted by a platform admin, or delegated by an ADMIN of the parent organisation.');
      }
      // Serialise with a concurrent revocation of the granter's own jurisdiction.
      await tx.em.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`jurisdiction|${granter}`]);
      if (!(await holdsArea(tx, granter, area))) {
        fail('areaId', UserErrorCode.NOT_PERMITTED_HERE, 'The parent organisation can delegate only an area within its own jurisdiction.');
      }
    }
    if (await tx.em.existsBy(OrganizationJurisdiction, { organizationId: organization.id, areaId: area.id })) {
      fail('areaId', UserErrorCode.ALREADY_DONE, 'The organisation already holds this area.');
    }
    await tx.em.insert(OrganizationJurisdiction, { organizationId: organization.id, areaId: area.id, grantedByOrganizationId: granter, grantedByUserId: ctx.viewer.userId });
    tx.audit({ action: 'jurisdictionGrant', recordType: 'Organization', recordId: organization.id, details: { areaId: area.id, grantedByOrganizationId: granter } });
    emitJurisdiction(tx, 'jurisdiction.granted', organization.id, granter, area.id);
    return { organization };
  });
}

export async function revokeJurisdiction(ctx: AppContext, input: JurisdictionInput): Promise<{ organization: Organization }> {
  const { organizationId, areaId } = jurisdictionIds(input);

  return inTransaction(ctx, async (tx) => {
    const organization = await tx.em.findOneBy(Organization, { id: organizationId });
    if (!organization) fail('organizationId', UserErrorCode.NOT_FOUND, 'No Organization with this id.');
    const grant = await tx.em.findOneBy(OrganizationJurisdiction, { organizationId: organization.id, areaId });
    if (!grant) fail('areaId', UserErrorCode.NOT_FOUND, 'The organisation does not hold this area.');
    if (!canRevokeJurisdiction(ctx.viewer, grant)) throw forbidden('Only the granting organisation\'s ADMINs, the holder\'s ADMINs or a platform admin revoke a jurisdiction.');
    await tx.em.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`jurisdiction|${organization.id}`]);
    await tx.em.delete(OrganizationJurisdiction, { organizationId: organization.id, areaId: grant.areaId });
    tx.audit({ action: 'jurisdictionRevoke', recordType: 'Organization', recordId: organization.id, details: { areaId: grant.areaId, grantedByOrganizationId: grant.grantedByOrganizationId } });
    emitJurisdiction(tx, 'jurisdiction.revoked', organization.id, grant.grantedByOrganizationId, grant.areaId);
    await pruneDelegations(tx, organization.id, `revocation of ${grant.areaId} from ${organization.id}`);
    return { organization };
  });
}
