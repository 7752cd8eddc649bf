import type { GraphQLObjectType, GraphQLResolveInfo } from 'graphql';
import type { AppContext } from '../../shared/context';
import { pageSize, decodeCursor, type ConnectionArgs, type Page } from '../../shared/relay/connection';
import { connectionNodes, pageable, sameArguments, subFields } from '../../shared/read-plan/selection';
import { keepPlanned, planned } from '../../shared/read-plan/planned';
import { entityColumns } from '../../shared/read-plan/columns';
import { Area } from '../area/area.entity';
import { Organization } from '../organization/organization.entity';
import { AgendaItem, Meeting, MeetingParticipant } from './meeting.entity';
import { agendaItemsByMeetingId, participantsByMeetingId } from './meeting.loaders';
import { canSeeMeeting } from './meeting.policy';

/**
 * `meeting(id)` read as a whole: one statement for the meeting, its area and
 * convener (joins), every participant with its organisation and one page of
 * the agenda with presenters and proposers (sub-selects aggregated as JSON),
 * with only the entities' columns. The rows are kept for this request (the
 * planned store, the participants loader and the agenda child connection),
 * so the field resolvers answer from them and whatever the plan does not
 * cover falls back to the loaders.
 *
 * Every participant is read, not only a page of them: the visibility rule
 * (convener, participants, platform admins) needs all of them, as
 * `findMeeting` does, and the participants field pages that same list.
 */
interface Plan {
  area: boolean;
  convener: boolean;
  participantOrganization: boolean;
  /** Arguments of the `agendaItems` page, when one page of it is asked for. */
  agenda: ConnectionArgs | null;
  presenter: boolean;
  proposedBy: boolean;
}

function planOf(info: GraphQLResolveInfo): Plan {
  const fields = info.fieldNodes;
  const agenda = subFields(info, fields, 'agendaItems');
  const agendaDef = (info.schema.getType('Meeting') as GraphQLObjectType).getFields().agendaItems;
  const agendaArgs = agenda.length ? sameArguments(info, agendaDef, agenda) : null;
  const items = connectionNodes(info, agenda);
  return {
    area: subFields(info, fields, 'area').length > 0,
    convener: subFields(info, fields, 'convener').length > 0,
    participantOrganization: subFields(info, connectionNodes(info, subFields(info, fields, 'participants')), 'organization').length > 0,
    agenda: pageable(agendaArgs as ConnectionArgs | null, 2),
    presenter: subFields(info, items, 'presenter').length > 0,
    proposedBy: subFields(info, items, 'proposedBy').length > 0,
  };
}

/** Key of a planned agenda page: the meeting and the page arguments as the loader normalises them. */
export function agendaPageKey(meetingId: string, args: ConnectionArgs): string {
  return `${meetingId}|${pageSize(args.first)}|${args.after ?? ''}`;
}

/** The participants a planned read holds for a meeting (all of them, in the loader's order). */
export function plannedParticipants(ctx: AppContext, meetingId: string): MeetingParticipant[] | undefined {
  return planned<MeetingParticipant[]>(ctx, 'Meeting.participants', meetingId);
}

/** The meeting, planned; undefined when planning is off (the caller takes `findMeeting`), null when unknown or not visible. */
export async function readMeetingPlanned(ctx: AppContext, id: string | null, info: GraphQLResolveInfo): Promise<Meeting | null | undefined> {
  if (!ctx.app.config.readPlan) return undefined;
  if (!id) return null;
  const plan = planOf(info);
  const db = ctx.app.db;
  const meeting = entityColumns(db, Meeting);
  const area = entityColumns(db, Area);
  const organization = entityColumns(db, Organization);
  const participant = entityColumns(db, MeetingParticipant);
  const item = entityColumns(db, AgendaItem);
  const params: unknown[] = [id];
  const bind = (value: unknown) => (params.push(value), `$${params.length}`);

  // canSeeMeeting in SQL (as meetingVisibleSql): a meeting the viewer may not see is not read at all.
  const visible = ctx.viewer.isPlatformAdmin
    ? 'true'
    : `(m.convener_organization_id = ANY(${bind(ctx.viewer.organizationIds)}::uuid[])
        OR EXISTS (SELECT 1 FROM meeting_participant vp WHERE vp.meeting_id = m.id AND vp.organization_id = ANY($${params.length}::uuid[])))`;

  const select = [`${meeting.array('m')} AS m`];
  const joins: string[] = [];
  if (plan.area) {
    select.push(`${area.array('a')} AS a`);
    joins.push('JOIN area a ON a.id = m.area_id');
  }
  if (plan.convener) {
    select.push(`${organization.array('cv')} AS cv`);
    joins.push('JOIN organization cv ON cv.id = m.convener_organization_id');
  }
  // The participants loader's order: convener first, then by organisation name.
  select.push(`(SELECT json_agg(json_build_array(${participant.array('p')}${plan.participantOrganization ? `, ${organization.array('po')}` : ''})
                                ORDER BY p.is_convener DESC, po.name, p.id)
                  FROM meeting_participant p JOIN organization po ON po.id = p.organization_id
                 WHERE p.meeting_id = m.id) AS participants`);
  const agenda = plan.agenda;
  const agendaFirst = agenda ? pageSize(agenda.first) : 0;
  if (agenda && agendaFirst > 0) {
    let after = '';
    if (agenda.after) {
      const [position, itemId] = decodeCursor(agenda.after, 2);
      after = `AND (i.position, i.id) > (${bind(position)}, ${bind(itemId)})`;
    }
    const presenter = plan.presenter ? `, ${organization.array('pr')}` : '';
    const proposer = plan.proposedBy ? `, ${organization.array('pb')}` : '';
    select.push(`(SELECT json_agg(json_build_array(${item.array('i')}${presenter}${proposer}) ORDER BY i.position, i.id)
                    FROM (SELECT i.* FROM agenda_item i WHERE i.meeting_id = m.id ${after} ORDER BY i.position, i.id LIMIT ${bind(agendaFirst + 1)}) i
                    ${plan.presenter ? 'JOIN organization pr ON pr.id = i.presenter_organization_id' : ''}
                    ${plan.proposedBy ? 'JOIN organization pb ON pb.id = i.proposed_by_organization_id' : ''}) AS agenda`);
  }
  const rows: any[] = await db.query(`SELECT ${select.join(', ')} FROM meeting m ${joins.join(' ')} WHERE m.id = ${'$1'} AND ${visible}`, params);
  if (rows.length === 0) return null;
  const row = rows[0];
  const found = meeting.readArray(row.m)!;

  const entries = (row.participants ?? []) as (string | null)[][][];
  const participants = entries.map((entry) => participant.readArray(entry[0])!);
  // The resolver's own rule, on the facts just read: the SQL condition above is its copy, not its replacement.
  if (!canSeeMeeting(ctx.viewer, { convenerOrganizationId: found.convenerOrganizationId, participantOrganizationIds: participants.map((p) => p.organizationId) })) {
    return null;
  }
  keepPlanned(ctx, 'Meeting', found.id, found);
  for (const [i, p] of participants.entries()) {
    keepPlanned(ctx, 'MeetingParticipant', p.id, p);
    if (plan.participantOrganization) keep(ctx, 'Organization', organization.readArray(entries[i][1]));
  }
  participantsByMeetingId(ctx).prime(found.id, participants);
  keepPlanned(ctx, 'Meeting.participants', found.id, participants);
  if (plan.area) keep(ctx, 'Area', area.readArray(row.a));
  if (plan.convener) keep(ctx, 'Organization', organization.readArray(row.cv));

  if (agenda) {
    const items: AgendaItem[] = [];
    for (const entry of (row.agenda ?? []) as (string | null)[][][]) {
      const agendaItem = item.readArray(entry[0])!;
      items.push(agendaItem);
      keepPlanned(ctx, 'AgendaItem', agendaItem.id, agendaItem);
      if (plan.presenter) keep(ctx, 'Organization', organization.readArray(entry[1]));
      if (plan.proposedBy) keep(ctx, 'Organization', organization.readArray(entry[plan.presenter ? 2 : 1]));
    }
    const page: Page<AgendaItem> = agendaItemsByMeetingId.prime(ctx, found.id, agenda, items);
    keepPlanned(ctx, 'Meeting.agendaItems', agendaPageKey(found.id, agenda), page);
  }
  return found;
}

function keep<T extends { id: string }>(ctx: AppContext, kind: string, row: T | null): void {
  if (row) keepPlanned(ctx, kind, row.id, row);
}
