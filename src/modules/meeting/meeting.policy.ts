import type { Viewer } from '../../shared/auth/viewer';

/**
 * Record-level rules for meetings, as pure functions of the viewer and the
 * meeting's facts. The same rules are written in SQL by `meetingVisibleSql`
 * for lists; keep the two in step.
 */
export interface MeetingFacts {
  convenerOrganizationId: string;
  /** Every invited organisation, the convener included. */
  participantOrganizationIds: readonly string[];
}

/** Convener, participants and platform admins see a meeting, its agenda and its minutes. */
export function canSeeMeeting(viewer: Viewer, meeting: MeetingFacts): boolean {
  if (viewer.isPlatformAdmin) return true;
  return viewer.isMemberOf(meeting.convenerOrganizationId) || viewer.sharesAnyOrganization(meeting.participantOrganizationIds);
}

/** canSeeMeeting as SQL over a meeting row alias, for reads PostgreSQL answers whole (read-plan/sql-answer.ts). */
export function canSeeMeetingSql(viewer: Viewer, meeting: string, bind: (value: unknown) => string): string {
  if (viewer.isPlatformAdmin) return 'true';
  const mine = bind(viewer.organizationIds);
  return `(${meeting}.convener_organization_id = ANY(${mine}::uuid[])
           OR EXISTS (SELECT 1 FROM meeting_participant mp WHERE mp.meeting_id = ${meeting}.id AND mp.organization_id = ANY(${mine}::uuid[])))`;
}

/** Schedules meetings for, and runs the meetings of, a convening organisation: its active members (not OBSERVERs) and platform admins. */
export function canConvene(viewer: Viewer, convenerOrganizationId: string): boolean {
  return viewer.canWrite && (viewer.isPlatformAdmin || viewer.canActFor(convenerOrganizationId));
}

/** Acts for one participating organisation (RSVP, proposing items): its active members. */
export function canActForParticipant(viewer: Viewer, organizationId: string): boolean {
  return viewer.canActFor(organizationId);
}

/** Proposes agenda items: an active member of any participating organisation, or the convener side. */
export function canProposeAgendaItem(viewer: Viewer, meeting: MeetingFacts): boolean {
  return canConvene(viewer, meeting.convenerOrganizationId) || meeting.participantOrganizationIds.some((id) => viewer.canActFor(id));
}

/** Edits or withdraws an agenda item: the proposing organisation or the convener. */
export function canEditAgendaItem(viewer: Viewer, meeting: MeetingFacts, proposedByOrganizationId: string): boolean {
  return canConvene(viewer, meeting.convenerOrganizationId) || viewer.canActFor(proposedByOrganizationId);
}

/** SQL condition (on a meeting alias) equivalent to `canSeeMeeting`; `param` names a uuid[] parameter with the viewer's organisations. */
export function meetingVisibleSql(viewer: Viewer, alias: string, param: string): { sql: string; params: Record<string, unknown> } {
  if (viewer.isPlatformAdmin) return { sql: 'TRUE', params: {} };
  return {
    sql: `(${alias}.convener_organization_id = ANY(:${param}) OR EXISTS (SELECT 1 FROM meeting_participant vp WHERE vp.meeting_id = ${alias}.id AND vp.organization_id = ANY(:${param})))`,
    params: { [param]: viewer.organizationIds },
  };
}
