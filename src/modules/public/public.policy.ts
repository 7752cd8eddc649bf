import { MemberRole, SPEAKING_ROLES } from '../../shared/auth/roles';
import type { Viewer } from '../../shared/auth/viewer';

/**
 * Nothing is public unless someone with the right role published it.
 * Publishing speaks for an organisation to every resident, so it takes a
 * role that speaks for it (ADMIN, COORDINATOR, LIAISON_OFFICER), never a
 * MEMBER, OBSERVER or API client; contracts take a client's ADMIN.
 */

/** The first of the candidate organisations the viewer may publish for, or null. */
export function publishingOrganization(viewer: Viewer, candidates: readonly (string | null)[], roles: readonly MemberRole[] = SPEAKING_ROLES): string | null {
  if (!viewer.canWrite || viewer.kind !== 'user') return null;
  return candidates.find((id): id is string => id !== null && roles.includes(viewer.roleIn(id) as MemberRole)) ?? null;
}

/** A supervised case: the supervising organisation and organisations whose jurisdiction covers its area. */
export function casePublisher(viewer: Viewer, facts: { supervisingOrganizationId: string | null; jurisdictionOrganizationIds: readonly string[] }): string | null {
  return publishingOrganization(viewer, [facts.supervisingOrganizationId, ...facts.jurisdictionOrganizationIds]);
}

/** An upcoming activity: its organiser. */
export function activityPublisher(viewer: Viewer, organizerOrganizationId: string): string | null {
  return publishingOrganization(viewer, [organizerOrganizationId]);
}

/** A contract's results: an ADMIN of a CLIENT party (who pays for the service answers to residents for it). */
export function contractPublisher(viewer: Viewer, clientOrganizationIds: readonly string[]): string | null {
  return publishingOrganization(viewer, clientOrganizationIds, [MemberRole.ADMIN]);
}

/** Withdrawing: whoever may publish the record, and the organisation that published it (same roles). */
export function withdrawingOrganization(viewer: Viewer, publisherNow: string | null, publishedByOrganizationId: string): string | null {
  return publisherNow ?? publishingOrganization(viewer, [publishedByOrganizationId]);
}
