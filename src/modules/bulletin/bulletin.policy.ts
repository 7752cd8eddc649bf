import { SPEAKING_ROLES } from '../../shared/auth/roles';
import type { Viewer } from '../../shared/auth/viewer';

/** Issuing: ADMINs, COORDINATORs and LIAISON_OFFICERs of the issuer (the service checks its kind and jurisdiction). */
export function canIssueBulletin(viewer: Viewer, issuerOrganizationId: string): boolean {
  const role = viewer.roleIn(issuerOrganizationId);
  return viewer.canWrite && role !== null && SPEAKING_ROLES.includes(role);
}

/** A bulletin: the issuer, the recipients, platform admins. */
export function canSeeBulletin(viewer: Viewer, facts: { issuerOrganizationId: string; recipientOrganizationIds: readonly string[] }): boolean {
  if (!viewer.signedIn) return false;
  return viewer.isPlatformAdmin || viewer.sharesAnyOrganization([facts.issuerOrganizationId, ...facts.recipientOrganizationIds]);
}

/** Every recipient and its acknowledgement: the issuer and platform admins; a recipient sees its own row only. */
export function canSeeAllRecipients(viewer: Viewer, issuerOrganizationId: string): boolean {
  return viewer.isPlatformAdmin || viewer.isMemberOf(issuerOrganizationId);
}

/** Acknowledging for a recipient: members who act for it (not OBSERVERs). */
export function canAcknowledgeBulletin(viewer: Viewer, recipientOrganizationId: string): boolean {
  return viewer.canActFor(recipientOrganizationId);
}
