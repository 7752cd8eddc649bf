import type { Viewer } from '../../shared/auth/viewer';

export interface ConsultationFacts {
  convenerOrganizationId: string;
  inviteeOrganizationIds: readonly string[];
}

export function participantIds(facts: ConsultationFacts): string[] {
  return [...new Set([facts.convenerOrganizationId, ...facts.inviteeOrganizationIds])];
}

/** The convening organisation, the invited organisations and platform admins. */
export function canSeeConsultation(viewer: Viewer, facts: ConsultationFacts): boolean {
  if (!viewer.signedIn) return false;
  return viewer.isPlatformAdmin || viewer.sharesAnyOrganization(participantIds(facts));
}

/** Opening a consultation, and closing it: members who act (not OBSERVER) for the convener. */
export function canConvene(viewer: Viewer, convenerOrganizationId: string): boolean {
  return viewer.canActFor(convenerOrganizationId);
}

/** Stating a position or adding a proposal for an organisation: a member who acts for it, when it takes part. */
export function canSpeakFor(viewer: Viewer, facts: ConsultationFacts, organizationId: string): boolean {
  return participantIds(facts).includes(organizationId) && viewer.canActFor(organizationId);
}
