import type { Viewer } from '../../shared/auth/viewer';
import { canConvene, canSeeMeeting, meetingVisibleSql, type MeetingFacts } from '../meeting/meeting.policy';

/** An action item is visible to the meeting's convener and participants, the responsible organisation, and platform admins. */
export function canSeeActionItem(viewer: Viewer, meeting: MeetingFacts, responsibleOrganizationId: string): boolean {
  return canSeeMeeting(viewer, meeting) || viewer.isMemberOf(responsibleOrganizationId);
}

/** Creates action items from a decision, cancels them: the convener. */
export function canAssignActionItems(viewer: Viewer, meeting: MeetingFacts): boolean {
  return canConvene(viewer, meeting.convenerOrganizationId);
}

/** Updates progress or completes the work: the responsible organisation's active members, or the convener. */
export function canWorkOnActionItem(viewer: Viewer, meeting: MeetingFacts, responsibleOrganizationId: string): boolean {
  return canConvene(viewer, meeting.convenerOrganizationId) || viewer.canActFor(responsibleOrganizationId);
}

/** SQL condition (on an action item alias) equivalent to `canSeeActionItem`. */
export function actionItemVisibleSql(viewer: Viewer, alias: string, param: string): { sql: string; params: Record<string, unknown> } {
  if (viewer.isPlatformAdmin) return { sql: 'TRUE', params: {} };
  const meeting = meetingVisibleSql(viewer, 'vm', param);
  return {
    sql: `(${alias}.responsible_organization_id = ANY(:${param}) OR EXISTS (SELECT 1 FROM meeting vm WHERE vm.id = ${alias}.meeting_id AND ${meeting.sql}))`,
    params: meeting.params,
  };
}
