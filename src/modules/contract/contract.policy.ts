import type { Viewer } from '../../shared/auth/viewer';

/** What the contract rules need to know about one contract. */
export interface ContractFacts {
  /** Organisations that are parties (any role). */
  partyOrganizationIds: readonly string[];
  /** Organisations that SUPERVISE or GUIDE a party through a relation in force today. */
  overseerOrganizationIds: readonly string[];
}

/** Parties, organisations that SUPERVISE or GUIDE a party, and platform admins. */
export function canSeeContract(viewer: Viewer, facts: ContractFacts): boolean {
  if (!viewer.signedIn) return false;
  if (viewer.isPlatformAdmin) return true;
  return viewer.sharesAnyOrganization(facts.partyOrganizationIds) || viewer.sharesAnyOrganization(facts.overseerOrganizationIds);
}

/** Drafting, changing a draft and proposing it: a member who may act (not OBSERVER) for one of the parties. */
export function canEditContract(viewer: Viewer, partyOrganizationIds: readonly string[]): boolean {
  return partyOrganizationIds.some((id) => viewer.canActFor(id));
}

/** Signing for a party: that party's ADMIN. */
export function canSignContractFor(viewer: Viewer, organizationId: string): boolean {
  return viewer.canWrite && viewer.isAdminOf(organizationId);
}

/** Suspending, resuming, terminating and amending: an ADMIN of one of the parties. */
export function canManageContract(viewer: Viewer, partyOrganizationIds: readonly string[]): boolean {
  return viewer.canWrite && partyOrganizationIds.some((id) => viewer.isAdminOf(id));
}

/** Who is told about a change: the parties and their overseers, as of the change. */
export function contractAudience(facts: ContractFacts): string[] {
  return [...new Set([...facts.partyOrganizationIds, ...facts.overseerOrganizationIds])];
}
