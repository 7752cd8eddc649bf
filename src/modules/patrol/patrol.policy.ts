import { MemberRole } from '../../shared/auth/roles';
import type { Viewer } from '../../shared/auth/viewer';
import { today } from '../../shared/clock';

/**
 * Record-level rules for patrol teams, checkpoints, routes, patrols and their
 * events. Who may see a record is its *audience*: the owning organisation,
 * organisations whose jurisdiction covers the record's area, and, for
 * contracted work, organisations contracting with the owner whose zone covers
 * the area. The audience is computed in SQL (`patrol_audience`, see the
 * Patrols migration) so lists filter by it, single records and events carry
 * it, and these functions decide on it.
 */
export function canSeePatrolRecord(viewer: Viewer, audienceOrganizationIds: readonly string[]): boolean {
  return viewer.isPlatformAdmin || viewer.sharesAnyOrganization(audienceOrganizationIds);
}

/**
 * canSeePatrolRecord as SQL, for lists: `owner` is the owning organisation's id, `contracted` whether the work is
 * contracted, `path` the record's area path (SQL expressions over the row); `bind` adds a parameter. The owner sees
 * its own records without computing the audience.
 */
export function canSeePatrolRecordsSql(viewer: Viewer, owner: string, contracted: string, path: string, bind: (value: unknown) => string): string {
  if (viewer.isPlatformAdmin) return 'TRUE';
  const orgs = viewer.organizationIds;
  if (orgs.length === 0) return 'FALSE';
  const viewerOrgs = bind(orgs);
  return `(${owner} = ANY(CAST(${viewerOrgs} AS uuid[])) OR patrol_audience(${owner}, ${contracted}, ${path}, CAST(${bind(today())} AS date)) && CAST(${viewerOrgs} AS uuid[]))`;
}

/** Teams, checkpoints, routes and plans are run by the owning organisation's ADMINs and COORDINATORs. */
export function canManagePatrols(viewer: Viewer, organizationId: string): boolean {
  if (!viewer.canWrite) return false;
  if (viewer.isPlatformAdmin) return true;
  const role = viewer.roleIn(organizationId);
  return role === MemberRole.ADMIN || role === MemberRole.COORDINATOR;
}

/**
 * Check-ins come from the team's members (who are members of its
 * organisation), from those who run the organisation's patrols, and from the
 * organisation's own API clients with write scope (a dispatch system).
 */
export function canRecordPatrolEvents(viewer: Viewer, facts: { teamOrganizationId: string; viewerIsTeamMember: boolean }): boolean {
  if (!viewer.canWrite) return false;
  if (canManagePatrols(viewer, facts.teamOrganizationId)) return true;
  if (viewer.kind === 'client') return viewer.isMemberOf(facts.teamOrganizationId);
  return facts.viewerIsTeamMember && viewer.canActFor(facts.teamOrganizationId);
}

/**
 * Watching an area live: the viewer must belong to an organisation that may
 * see patrols somewhere in it (decided in SQL from jurisdictions, teams and
 * contracts). Each event is then checked again against its own audience.
 */
export function canWatchPatrolArea(viewer: Viewer, viewerHasStakeInArea: boolean): boolean {
  return viewer.isPlatformAdmin || viewerHasStakeInArea;
}
