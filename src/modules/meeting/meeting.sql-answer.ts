import type { SqlAnswers } from '../../shared/read-plan/sql-answer';
import { canSeeMeetingSql } from './meeting.policy';

/**
 * One meeting as PostgreSQL answers it whole (shared/read-plan/sql-answer.ts): null unless canSeeMeeting admits the
 * viewer, as findMeeting answers; its agenda and participants in the loaders' orders. Everything under a meeting the
 * viewer sees is the viewer's to see (meeting.policy.ts), so the parts carry no rule of their own.
 */
export const meetingSqlAnswers: SqlAnswers = {
  roots: {
    meeting: { type: 'Meeting', byId: true, visible: canSeeMeetingSql },
  },
  tables: {
    Meeting: {
      table: 'meeting',
      fields: {
        id: { globalId: true },
        occurrence: { column: 'occurrence' },
        title: { column: 'title' },
        description: { column: 'description' },
        location: { column: 'location' },
        status: { column: 'status' },
        cancelReason: { column: 'cancel_reason' },
        version: { column: 'version' },
        startsAt: { column: 'starts_at' },
        endsAt: { column: 'ends_at' },
        startedAt: { column: 'started_at' },
        concludedAt: { column: 'concluded_at' },
        cancelledAt: { column: 'cancelled_at' },
        createdAt: { column: 'created_at' },
        updatedAt: { column: 'updated_at' },
        convener: { one: 'Organization', key: 'convener_organization_id' },
        area: { one: 'Area', key: 'area_id' },
        // participantsByMeetingId: the convener first, then by the organisation's name.
        participants: {
          page: 'MeetingParticipant',
          foreignKey: 'meeting_id',
          order: (p) => `${p}.is_convener DESC, (SELECT o.name FROM organization o WHERE o.id = ${p}.organization_id), ${p}.id`,
        },
        // agendaItemsByMeetingId: agenda order.
        agendaItems: { page: 'AgendaItem', foreignKey: 'meeting_id', order: (i) => `${i}.position, ${i}.id` },
      },
    },
    MeetingParticipant: {
      table: 'meeting_participant',
      fields: {
        id: { globalId: true },
        isConvener: { column: 'is_convener' },
        rsvp: { column: 'rsvp' },
        rsvpNote: { column: 'rsvp_note' },
        attended: { column: 'attended' },
        respondedAt: { column: 'responded_at' },
        createdAt: { column: 'created_at' },
        organization: { one: 'Organization', key: 'organization_id' },
      },
    },
    AgendaItem: {
      table: 'agenda_item',
      fields: {
        id: { globalId: true },
        position: { column: 'position' },
        title: { column: 'title' },
        description: { column: 'description' },
        plannedMinutes: { column: 'planned_minutes' },
        status: { column: 'status' },
        minutes: { column: 'minutes' },
        decision: { column: 'decision' },
        version: { column: 'version' },
        createdAt: { column: 'created_at' },
        updatedAt: { column: 'updated_at' },
        proposedBy: { one: 'Organization', key: 'proposed_by_organization_id' },
        presenter: { one: 'Organization', key: 'presenter_organization_id' },
      },
    },
  },
};
