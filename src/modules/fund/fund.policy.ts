import { MemberRole } from '../../shared/auth/roles';
import type { Viewer } from '../../shared/auth/viewer';

/**
 * Record-level rules for security funds. A fund's *audience* (computed in SQL
 * by `security_fund_audience`, see the SecurityFunds migration) is its
 * organisation, organisations that supervise or guide it, the organisations
 * of the teams it pays and the parties of its contract. Money moves only by
 * people (never API clients): a person is accountable for every entry.
 */
export function canSeeFund(viewer: Viewer, audienceOrganizationIds: readonly string[]): boolean {
  return viewer.isPlatformAdmin || viewer.sharesAnyOrganization(audienceOrganizationIds);
}

/** Setting up a fund and changing what it pays: an ADMIN of its organisation. */
export function canManageFund(viewer: Viewer, organizationId: string): boolean {
  return viewer.kind === 'user' && viewer.canWrite && viewer.isAdminOf(organizationId);
}

/** Recording contributions and payouts: a person who acts for the fund's organisation (not an OBSERVER). */
export function canRecordFundEntry(viewer: Viewer, organizationId: string): boolean {
  return viewer.kind === 'user' && viewer.canActFor(organizationId);
}

/** Approving or rejecting payouts and reversals: an ADMIN or COORDINATOR of the fund's organisation. */
export function canApproveFundEntries(viewer: Viewer, organizationId: string): boolean {
  if (viewer.kind !== 'user' || !viewer.canWrite) return false;
  const role = viewer.roleIn(organizationId);
  return role === MemberRole.ADMIN || role === MemberRole.COORDINATOR;
}

/** Two-person rule: the one who decides on an entry is not the one who recorded it. */
export function isSecondPerson(viewer: Viewer, recordedByUserId: string): boolean {
  return viewer.userId !== null && viewer.userId !== recordedByUserId;
}

/** Publishing a statement (公示) freezes a period: an ADMIN of the fund's organisation. */
export function canPublishFundStatement(viewer: Viewer, organizationId: string): boolean {
  return viewer.kind === 'user' && viewer.canWrite && viewer.isAdminOf(organizationId);
}
