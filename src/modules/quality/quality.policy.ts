import type { Viewer } from '../../shared/auth/viewer';

/** Setting a standard: an ADMIN of the police station (the service checks its kind and jurisdiction). */
export function canSetQualityStandard(viewer: Viewer, organizationId: string): boolean {
  return viewer.canWrite && viewer.isAdminOf(organizationId);
}

/** Evaluating under a standard: members who act for the organisation that set it; the providers evaluated cannot. */
export function canEvaluateQuality(viewer: Viewer, standardOrganizationId: string): boolean {
  return viewer.canActFor(standardOrganizationId);
}

/** A standard's evaluations: the organisation that set it and platform admins (parties see theirs on the contract). */
export function canSeeQualityEvaluations(viewer: Viewer, standardOrganizationId: string): boolean {
  return viewer.isPlatformAdmin || viewer.isMemberOf(standardOrganizationId);
}

/** Adopting a standard: an ADMIN of a CLIENT party of the contract. */
export function canAdoptQualityStandard(viewer: Viewer, parties: readonly { organizationId: string; role: string }[]): boolean {
  return viewer.canWrite && parties.some((p) => p.role === 'CLIENT' && viewer.isAdminOf(p.organizationId));
}
