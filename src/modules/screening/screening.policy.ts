import type { Viewer } from '../../shared/auth/viewer';

/**
 * Screening returns and special periods are the business of the jurisdiction:
 * organisations whose jurisdiction covers the area, the organisation that
 * filed or declared them, and platform admins.
 */
export function canSeeScreening(viewer: Viewer, coveringOrganizationIds: readonly string[], ownOrganizationId: string | null = null): boolean {
  if (!viewer.signedIn) return false;
  if (viewer.isPlatformAdmin) return true;
  return viewer.sharesAnyOrganization(coveringOrganizationIds) || (ownOrganizationId !== null && viewer.isMemberOf(ownOrganizationId));
}

/**
 * Filing a return or declaring a special period: a member who acts (not
 * OBSERVER) for an organisation whose jurisdiction covers the area. Returns
 * the organisation acted for: the one asked for, or the only candidate; null
 * when there is none (or the choice is ambiguous and `requested` is null,
 * in which case the caller asks for `organizationId`).
 */
export function screeningActor(viewer: Viewer, coveringOrganizationIds: readonly string[], requested: string | null): { organizationId: string | null; ambiguous: boolean } {
  const candidates = coveringOrganizationIds.filter((id) => viewer.canActFor(id));
  if (requested) return { organizationId: candidates.includes(requested) ? requested : null, ambiguous: false };
  if (candidates.length === 1) return { organizationId: candidates[0], ambiguous: false };
  return { organizationId: null, ambiguous: candidates.length > 1 };
}

/** Who is told about a return or a special period: the covering organisations and the filer. */
export function screeningAudience(coveringOrganizationIds: readonly string[], ownOrganizationId: string): string[] {
  return [...new Set([...coveringOrganizationIds, ownOrganizationId])];
}
