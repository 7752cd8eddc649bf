import { ContractStatus } from './contract.entity';
import type { Viewer } from '../../shared/auth/viewer';

/** What the contract rules need to know about one contract. */
export interface ContractFacts {
  /** Organisations that are parties (any role). */
  partyOrganizationIds: readonly string[];
  /** Organisations that SUPERVISE or GUIDE a party through an accepted relation in force today. */
  overseerOrganizationIds: readonly string[];
  /** DRAFT or later; a draft binds nobody but its drafter. */
  status: ContractStatus;
  /** The organisation that drafted the contract. */
  createdByOrganizationId: string;
}

/**
 * A draft names parties but binds none: until it is proposed, only the
 * drafting organisation (and platform admins) see it. Once proposed: the
 * parties, organisations that SUPERVISE or GUIDE a party, platform admins.
 */
export function canSeeContract(viewer: Viewer, facts: ContractFacts): boolean {
  if (!viewer.signedIn) return false;
  if (viewer.isPlatformAdmin) return true;
  if (facts.status === ContractStatus.DRAFT) return viewer.isMemberOf(facts.createdByOrganizationId);
  return viewer.sharesAnyOrganization(facts.partyOrganizationIds) || viewer.sharesAnyOrganization(facts.overseerOrganizationIds);
}

/** Statuses of a contract every party signed: only these bind the provider, so only these compute compliance from its patrols. */
export const SIGNED_STATUSES: readonly ContractStatus[] = [ContractStatus.ACTIVE, ContractStatus.SUSPENDED, ContractStatus.TERMINATED, ContractStatus.EXPIRED];

/** Declining a proposal: an ADMIN of a party other than the drafter, while the contract is PROPOSED. */
export function canDeclineContractFor(viewer: Viewer, organizationId: string): boolean {
  return viewer.canWrite && viewer.isAdminOf(organizationId);
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

/** Who is told about a change: those who may see the contract, as of the change (the drafter alone for a draft). */
export function contractAudience(facts: ContractFacts): string[] {
  if (facts.status === ContractStatus.DRAFT) return [facts.createdByOrganizationId];
  return [...new Set([...facts.partyOrganizationIds, ...facts.overseerOrganizationIds])];
}

/**
 * Assessing a service level that people check (CUSTOM): a member who acts
 * for a CLIENT party (not OBSERVER). The provider cannot grade itself: an
 * organisation that is also the PROVIDER, or a person who also belongs to
 * the provider, may not record an assessment.
 */
export function canAssessServiceLevels(viewer: Viewer, parties: readonly { organizationId: string; role: string }[]): string | null {
  const providers = parties.filter((p) => p.role === 'PROVIDER').map((p) => p.organizationId);
  if (viewer.sharesAnyOrganization(providers)) return null;
  const client = parties.find((p) => p.role === 'CLIENT' && !providers.includes(p.organizationId) && viewer.canActFor(p.organizationId));
  return client?.organizationId ?? null;
}
