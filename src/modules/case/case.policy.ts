import type { Viewer } from '../../shared/auth/viewer';

/**
 * Record-level rules for cases, as pure functions of the viewer and facts
 * about one case. Who sees a case (DESIGN.md): the reporter (own cases, the
 * public part only), the assigned (responsible) organisation, the supervising
 * organisation, organisations whose jurisdiction covers the case's area, and
 * platform admins. Anyone else gets what an unknown id gets.
 */
export interface CaseFacts {
  responsibleOrganizationId: string | null;
  supervisingOrganizationId: string | null;
  /** Organisations whose jurisdiction covers the case's area. */
  jurisdictionOrganizationIds: readonly string[];
  /** The reporter and the reporters of duplicates merged into the case. */
  reporterUserIds: readonly string[];
  /** Partner organisations whose systems reported the case or a merged duplicate. */
  reporterOrganizationIds: readonly string[];
}

export type CaseAccess = 'FULL' | 'PUBLIC' | 'NONE';

/** Sees everything about the case, internal timeline included. */
export function canSeeWholeCase(viewer: Viewer, facts: CaseFacts): boolean {
  if (viewer.isPlatformAdmin) return true;
  return viewer.sharesAnyOrganization(
    [facts.responsibleOrganizationId, facts.supervisingOrganizationId, ...facts.jurisdictionOrganizationIds].filter((id): id is string => !!id),
  );
}

/** Reported it (or a duplicate merged into it): sees the public part. */
export function isCaseReporter(viewer: Viewer, facts: CaseFacts): boolean {
  if (viewer.userId && facts.reporterUserIds.includes(viewer.userId)) return true;
  return viewer.sharesAnyOrganization(facts.reporterOrganizationIds);
}

export function caseAccess(viewer: Viewer, facts: CaseFacts): CaseAccess {
  if (canSeeWholeCase(viewer, facts)) return 'FULL';
  if (isCaseReporter(viewer, facts)) return 'PUBLIC';
  return 'NONE';
}

/** Triage, assign, reassign, merge, supervise, close, reopen: acting members of an organisation whose jurisdiction covers the area, and platform admins. */
export function canDispatchCase(viewer: Viewer, facts: CaseFacts): boolean {
  if (!viewer.canWrite) return false;
  return viewer.isPlatformAdmin || facts.jurisdictionOrganizationIds.some((id) => viewer.canActFor(id));
}

/** Start and resolve: acting members of the responsible organisation, and dispatchers. */
export function canWorkCase(viewer: Viewer, facts: CaseFacts): boolean {
  if (!viewer.canWrite) return false;
  if (facts.responsibleOrganizationId && viewer.canActFor(facts.responsibleOrganizationId)) return true;
  return canDispatchCase(viewer, facts);
}

/** Close a resolved case (recording the reporter's satisfaction) or reopen it: workers and the supervising organisation. */
export function canCloseOrReopenCase(viewer: Viewer, facts: CaseFacts): boolean {
  if (!viewer.canWrite) return false;
  if (facts.supervisingOrganizationId && viewer.canActFor(facts.supervisingOrganizationId)) return true;
  return canWorkCase(viewer, facts);
}

/** Comment: whoever sees the whole case (any visibility), and the reporter (public comments only). */
export function canComment(viewer: Viewer, facts: CaseFacts, internal: boolean): boolean {
  if (!viewer.canWrite) return false;
  if (viewer.isPlatformAdmin) return true;
  const handling = [facts.responsibleOrganizationId, facts.supervisingOrganizationId, ...facts.jurisdictionOrganizationIds].filter((id): id is string => !!id);
  if (handling.some((id) => viewer.canActFor(id))) return true;
  return !internal && isCaseReporter(viewer, facts);
}

/**
 * The contact an anonymous reporter left: the handling organisations only
 * (responsible organisation, and the jurisdiction organisations that dispatch
 * the case), and platform admins; not the supervising organisation, not other reporters.
 */
export function canSeeReporterContact(viewer: Viewer, facts: CaseFacts): boolean {
  if (viewer.isPlatformAdmin) return true;
  return viewer.sharesAnyOrganization([facts.responsibleOrganizationId, ...facts.jurisdictionOrganizationIds].filter((id): id is string => !!id));
}

/** A jurisdiction's dashboard and unit performance: members of an organisation whose jurisdiction covers the area, and platform admins. */
export function canSeeJurisdiction(viewer: Viewer, coveringOrganizationIds: readonly string[]): boolean {
  return viewer.isPlatformAdmin || viewer.sharesAnyOrganization(coveringOrganizationIds);
}
