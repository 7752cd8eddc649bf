import { In } from 'typeorm';
import { Organization } from '../organization/organization.entity';
import { defineByIdLoader, defineLoader, groupByKey } from '../../shared/loaders';
import { defineChildConnection } from '../../shared/relay/child-connection';
import { AgendaItem, Meeting, MeetingParticipant, MeetingSeries } from './meeting.entity';
import type { MeetingFacts } from './meeting.policy';

export const meetingsById = defineByIdLoader(Meeting);

export const meetingSeriesById = defineByIdLoader(MeetingSeries);

export const meetingParticipantsById = defineByIdLoader(MeetingParticipant);

/** Meetings of each series, earliest first. */
export const meetingsBySeriesId = defineLoader<string, Meeting[]>(async (ids, ctx) => {
  const rows = await ctx.app.db.getRepository(Meeting).find({ where: { seriesId: In([...ids]) }, order: { startsAt: 'ASC', id: 'ASC' } });
  return groupByKey(ids, rows, (m) => m.seriesId!);
});

/** Participants of each meeting, convener first, then in order of invitation. */
export const participantsByMeetingId = defineLoader<string, MeetingParticipant[]>(async (ids, ctx) => {
  // Invitations of one meeting share a timestamp, so order by something stable a person can follow: the name.
  const rows = await ctx.app.db
    .getRepository(MeetingParticipant)
    .createQueryBuilder('p')
    .innerJoin(Organization, 'o', 'o.id = p.organization_id')
    .where('p.meeting_id IN (:...ids)', { ids })
    .orderBy('p.is_convener', 'DESC')
    .addOrderBy('o.name', 'ASC')
    .addOrderBy('p.id', 'ASC')
    .getMany();
  return groupByKey(ids, rows, (p) => p.meetingId);
});

export const agendaItemsById = defineByIdLoader(AgendaItem);

/** The agenda of each meeting, in agenda order. */
export const agendaItemsByMeetingId = defineChildConnection<AgendaItem>({
  entity: AgendaItem,
  parentColumn: 'x.meeting_id',
  sort: [
    { sql: 'x.position', value: (a) => a.position },
    { sql: 'x.id', value: (a) => a.id },
  ],
});

/** The facts the meeting policy needs, loaded for many meetings at once. */
export async function meetingFacts(ctx: Parameters<typeof meetingsById>[0], meeting: Meeting): Promise<MeetingFacts> {
  const participants = await participantsByMeetingId(ctx).load(meeting.id);
  return { convenerOrganizationId: meeting.convenerOrganizationId, participantOrganizationIds: participants.map((p) => p.organizationId) };
}
