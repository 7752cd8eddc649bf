import { MemberRole } from '../../shared/auth/roles';
import type { Viewer } from '../../shared/auth/viewer';
import { canManagePatrols, canRecordPatrolEvents } from '../patrol/patrol.policy';

/**
 * Record-level rules for rosters. Seeing a roster entry, its hours and its
 * recognitions follows the team (the patrol audience: the team's
 * organisation, organisations whose jurisdiction covers its area, and for a
 * contracted team its clients): the team and the community.
 */

/** Keeping the roster (adding, changing, marking a leave): those who run the team's organisation's patrols. */
export function canManageRoster(viewer: Viewer, teamOrganizationId: string): boolean {
  return canManagePatrols(viewer, teamOrganizationId);
}

/** Recording who took part in a patrol: whoever may record the patrol's check-ins. */
export function canRecordParticipants(viewer: Viewer, facts: { teamOrganizationId: string; viewerIsTeamMember: boolean }): boolean {
  return canRecordPatrolEvents(viewer, facts);
}

/**
 * A phone number and a pay rate are personal: the team's ADMINs and
 * COORDINATORs (who call them out and pay them), the person themself when
 * linked to an account, and platform admins. Like `canSeeEmail`.
 */
export function canSeeRosterContact(viewer: Viewer, facts: { teamOrganizationId: string; linkedUserId: string | null }): boolean {
  if (viewer.isPlatformAdmin) return true;
  if (facts.linkedUserId !== null && viewer.userId === facts.linkedUserId) return true;
  const role = viewer.roleIn(facts.teamOrganizationId);
  return role === MemberRole.ADMIN || role === MemberRole.COORDINATOR;
}

/**
 * Recognition is given by people who lead an organisation of the team's
 * audience (the team's own, the community's or the police station's ADMINs
 * and COORDINATORs); the first such organisation is recorded as the giver.
 */
export function recognitionGiver(viewer: Viewer, audienceOrganizationIds: readonly string[]): string | null {
  if (viewer.kind !== 'user' || !viewer.canWrite) return null;
  return audienceOrganizationIds.find((id) => {
    const role = viewer.roleIn(id);
    return role === MemberRole.ADMIN || role === MemberRole.COORDINATOR;
  }) ?? null;
}
