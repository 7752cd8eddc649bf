import type { AppContext } from '../../shared/context';
import { badUserInput } from '../../shared/errors';
import { today } from '../../shared/clock';
import { paginate, paginateArray, type ConnectionArgs, type Page } from '../../shared/relay/connection';
import { Contract, ContractPartyRole, ContractStatus } from './contract.entity';
import { contractPartiesByContractId, contractSignaturesByContractId, contractsById, contractsByPartyOrganizationId, overseerOrganizationIdsByOrganizationId } from './contract.loaders';
import { canSeeContract, type ContractFacts } from './contract.policy';

export const MAX_EXPIRING_WITHIN_DAYS = 3650;
export const MAX_FEE_MINOR = Number.MAX_SAFE_INTEGER;

// ---------------------------------------------------------------- reading

/** Facts for the visibility rule, through the request's loaders. */
async function loadFacts(ctx: AppContext, contract: Contract, skipOverseers: boolean): Promise<ContractFacts> {
  const parties = await contractPartiesByContractId(ctx).load(contract.id);
  const partyOrganizationIds = [...new Set(parties.map((p) => p.organizationId))];
  const own = { status: contract.status, createdByOrganizationId: contract.createdByOrganizationId };
  if (skipOverseers) return { partyOrganizationIds, overseerOrganizationIds: [], ...own };
  const overseers = await overseerOrganizationIdsByOrganizationId(ctx).loadMany(partyOrganizationIds);
  return { partyOrganizationIds, overseerOrganizationIds: overseers.flatMap((o) => (Array.isArray(o) ? o : [])), ...own };
}

export async function isContractVisible(ctx: AppContext, contract: Contract): Promise<boolean> {
  if (!ctx.viewer.signedIn) return false;
  if (ctx.viewer.isPlatformAdmin) return true;
  if (contract.status === ContractStatus.DRAFT) return canSeeContract(ctx.viewer, await loadFacts(ctx, contract, true));
  const direct = await loadFacts(ctx, contract, true);
  if (ctx.viewer.sharesAnyOrganization(direct.partyOrganizationIds)) return true;
  return canSeeContract(ctx.viewer, await loadFacts(ctx, contract, false));
}

/** The contract if the viewer may see it; null exactly as for an unknown id. */
export async function findContract(ctx: AppContext, id: string | null): Promise<Contract | null> {
  if (!id) return null;
  const contract = await contractsById(ctx).load(id);
  return contract && (await isContractVisible(ctx, contract)) ? contract : null;
}

export interface ContractFilter {
  partyOrganizationId?: string | null;
  role?: ContractPartyRole | null;
  statuses?: ContractStatus[] | null;
  areaId?: string | null;
  expiringWithinDays?: number | null;
  updatedSince?: Date | null;
}

/** Visible contracts, oldest first; visibility and filters are applied in SQL. */
export async function listContracts(ctx: AppContext, filter: ContractFilter, args: ConnectionArgs): Promise<Page<Contract>> {
  const on = today();
  const qb = ctx.app.db.getRepository(Contract).createQueryBuilder('c');
  if (!ctx.viewer.isPlatformAdmin) {
    // The same rule as canSeeContract: a draft only for its drafter; later, parties and accepted overseers.
    qb.andWhere(
      `((c.status = 'DRAFT' AND c.created_by_organization_id = ANY(:viewerOrgs))
        OR (c.status <> 'DRAFT' AND EXISTS (SELECT 1 FROM contract_party vp WHERE vp.contract_id = c.id AND (
         vp.organization_id = ANY(:viewerOrgs)
         OR EXISTS (SELECT 1 FROM relationship vr
                     WHERE vr.to_organization_id = vp.organization_id AND vr.from_organization_id = ANY(:viewerOrgs)
                       AND vr.type IN ('SUPERVISES','GUIDES') AND vr.status = 'ACCEPTED' AND vr.starts_on <= :on AND (vr.ends_on IS NULL OR vr.ends_on >= :on))))))`,
      { viewerOrgs: ctx.viewer.organizationIds, on },
    );
  }
  if (filter.partyOrganizationId) {
    qb.andWhere(
      `EXISTS (SELECT 1 FROM contract_party fp WHERE fp.contract_id = c.id AND fp.organization_id = :partyId ${filter.role ? 'AND fp.role = :role' : ''})`,
      { partyId: filter.partyOrganizationId, role: filter.role },
    );
  } else if (filter.role) {
    // A role without a party: contracts in which one of the viewer's organisations holds it.
    qb.andWhere(`EXISTS (SELECT 1 FROM contract_party fp WHERE fp.contract_id = c.id AND fp.role = :role AND fp.organization_id = ANY(:viewerOrgs))`, {
      role: filter.role,
      viewerOrgs: ctx.viewer.organizationIds,
    });
  }
  if (filter.statuses?.length) qb.andWhere('c.status IN (:...statuses)', { statuses: filter.statuses });
  if (filter.updatedSince) qb.andWhere('c.updated_at >= :updatedSince', { updatedSince: filter.updatedSince });
  if (filter.areaId) {
    // Scope overlaps the area: a covered area lies within it, or it lies within a covered area.
    qb.andWhere(
      `EXISTS (SELECT 1 FROM contract_area fa JOIN area a ON a.id = fa.area_id, area w
                WHERE fa.contract_id = c.id AND w.id = :areaId AND (a.path LIKE w.path || '%' OR w.path LIKE a.path || '%'))`,
      { areaId: filter.areaId },
    );
  }
  if (filter.expiringWithinDays != null) {
    if (!Number.isInteger(filter.expiringWithinDays) || filter.expiringWithinDays < 0 || filter.expiringWithinDays > MAX_EXPIRING_WITHIN_DAYS) {
      throw badUserInput(`expiringWithinDays must be between 0 and ${MAX_EXPIRING_WITHIN_DAYS}`);
    }
    qb.andWhere(`c.status IN ('ACTIVE','SUSPENDED') AND c.ends_on >= :on AND c.ends_on <= (CAST(:on AS date) + CAST(:days AS int))`, { on, days: filter.expiringWithinDays });
  }
  return paginate(qb, args, [
    { sql: 'c.created_at', value: (c) => c.createdAt.toISOString() },
    { sql: 'c.id', value: (c) => c.id },
  ]);
}

/** Contracts an organisation is a party to that the viewer may see (`Organization.contracts`). */
export async function contractsOfOrganization(
  ctx: AppContext,
  organizationId: string,
  filter: { role?: ContractPartyRole | null; statuses?: ContractStatus[] | null },
  args: ConnectionArgs,
): Promise<Page<Contract>> {
  const all = await contractsByPartyOrganizationId(ctx).load(organizationId);
  const parties = await contractPartiesByContractId(ctx).loadMany(all.map((c) => c.id));
  const matching = all.filter((c, i) => {
    const ps = parties[i];
    if (!Array.isArray(ps)) return false;
    if (filter.role && !ps.some((p) => p.organizationId === organizationId && p.role === filter.role)) return false;
    return !filter.statuses?.length || filter.statuses.includes(c.status);
  });
  const visible = await Promise.all(matching.map((c) => isContractVisible(ctx, c)));
  return paginateArray(matching.filter((_, i) => visible[i]), args, (c) => c.id);
}

/** Organisations that still have to sign the version awaiting signatures (the proposal or a pending amendment). */
export async function awaitingSignatureOrganizationIds(ctx: AppContext, contract: Contract): Promise<string[]> {
  const number = awaitingVersionNumber(contract);
  if (number === null) return [];
  const [parties, signatures] = await Promise.all([contractPartiesByContractId(ctx).load(contract.id), contractSignaturesByContractId(ctx).load(contract.id)]);
  const signed = new Set(signatures.filter((s) => s.versionNumber === number).map((s) => s.organizationId));
  return [...new Set(parties.map((p) => p.organizationId))].filter((id) => !signed.has(id));
}

/** The version signatures are collected for: the proposal while PROPOSED, else a pending amendment. */
export function awaitingVersionNumber(contract: Contract): number | null {
  if (contract.status === ContractStatus.PROPOSED) return contract.currentVersion;
  if ((contract.status === ContractStatus.ACTIVE || contract.status === ContractStatus.SUSPENDED) && contract.pendingVersion !== null) return contract.pendingVersion;
  return null;
}
