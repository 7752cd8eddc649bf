import type { Viewer } from '../../shared/auth/viewer';

/**
 * Record-level rules for legal education (普法). Activities are public work:
 * every signed-in user sees them. Who organises is who is responsible
 * (誰執法誰普法), so only those who act for the organiser plan, report or
 * cancel its activities.
 */

/** Plan, report, cancel an activity: members who act for the organiser (not OBSERVERs). */
export function canOrganizeLegalEducation(viewer: Viewer, organizerOrganizationId: string): boolean {
  return viewer.canActFor(organizerOrganizationId);
}

/** Setting an organisation's annual plan: its ADMINs and platform admins. */
export function canSetLegalEducationPlan(viewer: Viewer, organizationId: string): boolean {
  return viewer.canWrite && (viewer.isPlatformAdmin || viewer.isAdminOf(organizationId));
}

/** A plan and its plan-versus-done figures: the organisation, organisations that SUPERVISE or GUIDE it, and platform admins. */
export function canSeeLegalEducationPlan(viewer: Viewer, organizationId: string, overseerOrganizationIds: readonly string[]): boolean {
  if (!viewer.signedIn) return false;
  return viewer.isPlatformAdmin || viewer.isMemberOf(organizationId) || viewer.sharesAnyOrganization(overseerOrganizationIds);
}

/**
 * The effect view counts cases of an area: organisations whose jurisdiction
 * covers the area (they see those cases anyway) and platform admins.
 */
export function canSeeAreaCaseFigures(viewer: Viewer, jurisdictionOrganizationIds: readonly string[]): boolean {
  if (!viewer.signedIn) return false;
  return viewer.isPlatformAdmin || viewer.sharesAnyOrganization(jurisdictionOrganizationIds);
}

/** Registering a room and its duty roster: members who act for the committee that runs it. */
export function canRunLegalServiceRoom(viewer: Viewer, roomOrganizationId: string): boolean {
  return viewer.canActFor(roomOrganizationId);
}

/** Logging a consultation: who runs the room, and who acts for the organisation of the lawyer on duty. */
export function canLogLegalConsultation(viewer: Viewer, roomOrganizationId: string, lawyerOrganizationId: string | null): boolean {
  return viewer.canActFor(roomOrganizationId) || (lawyerOrganizationId !== null && viewer.canActFor(lawyerOrganizationId));
}

/**
 * Consultations of a room (and lawyers' phones): the room's organisation,
 * the lawyers' organisations, organisations whose jurisdiction covers the
 * room's area, and platform admins.
 */
export function canSeeLegalServiceRecords(viewer: Viewer, facts: { roomOrganizationId: string; lawyerOrganizationIds: readonly string[]; jurisdictionOrganizationIds: readonly string[] }): boolean {
  if (!viewer.signedIn) return false;
  if (viewer.isPlatformAdmin) return true;
  return viewer.sharesAnyOrganization([facts.roomOrganizationId, ...facts.lawyerOrganizationIds, ...facts.jurisdictionOrganizationIds]);
}
