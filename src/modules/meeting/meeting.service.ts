import { subtreePattern } from '../area/area.service';
import { randomUUID } from 'node:crypto';
import { In } from 'typeorm';
import type { AppContext } from '../../shared/context';
import { UserErrorCode, forbidden } from '../../shared/errors';
import { clock } from '../../shared/clock';
import { paginate, type ConnectionArgs } from '../../shared/relay/connection';
import { fromGlobalId, toGlobalId } from '../../shared/relay/global-id';
import { type Tx, fail, failIfAny, inTransaction, updateVersioned } from '../../shared/transaction';
import { InputCheck } from '../../shared/validation';
import { Area } from '../area/area.entity';
import { Membership } from '../membership/membership.entity';
import { nodeFetcher } from '../node/node.registry';
import { Organization } from '../organization/organization.entity';
import { ActionItem, OPEN_ACTION_STATUSES } from '../action-item/action-item.entity';
import {
  AGENDA_LINK_TYPES,
  AgendaItem,
  AgendaItemStatus,
  Meeting,
  MeetingFrequency,
  MeetingParticipant,
  MeetingSeries,
  MeetingStatus,
  RsvpResponse,
} from './meeting.entity';
import type {
  AgendaItemAcceptInput,
  AgendaItemAddInput,
  AgendaItemMoveInput,
  AgendaItemRecordOutcomeInput,
  AgendaItemRemoveInput,
  AgendaItemUpdateInput,
  MeetingCancelInput,
  MeetingConcludeInput,
  MeetingRsvpInput,
  MeetingScheduleInput,
  MeetingStartInput,
  MeetingUpdateInput,
} from './meeting.inputs';
import { agendaItemsById, meetingFacts, meetingSeriesById, meetingsById, meetingsBySeriesId } from './meeting.loaders';
import { canConvene, canEditAgendaItem, canProposeAgendaItem, canSeeMeeting, meetingVisibleSql, type MeetingFacts } from './meeting.policy';

export const MEETING_TOPIC = 'meeting';
/** Event types of `meetingsFeed`: the calendar-level changes. */
export const MEETING_FEED_TYPES = ['meeting.scheduled', 'meeting.updated', 'meeting.cancelled'];

const MAX_PARTICIPANTS = 50;
const MAX_OCCURRENCES = 24;
const MAX_DURATION_MS = 24 * 3_600_000;
const CST_OFFSET_MS = 8 * 3_600_000;
const OPEN_AGENDA = [MeetingStatus.SCHEDULED, MeetingStatus.IN_PROGRESS];
const EDITABLE_ITEM = [AgendaItemStatus.PROPOSED, AgendaItemStatus.ACCEPTED];

// ---------------------------------------------------------------- reads

export interface MeetingFilter {
  organizationId?: string | null;
  withinAreaId?: string | null;
  statuses?: MeetingStatus[] | null;
  startsFrom?: Date | null;
  startsBefore?: Date | null;
  seriesId?: string | null;
  updatedSince?: Date | null;
}

/** Meetings the viewer may see (filtered in SQL), earliest first. */
export async function listMeetings(ctx: AppContext, filter: MeetingFilter, args: ConnectionArgs) {
  const qb = ctx.app.db.getRepository(Meeting).createQueryBuilder('m');
  const visible = meetingVisibleSql(ctx.viewer, 'm', 'viewerOrgs');
  qb.where(visible.sql, visible.params);
  if (filter.organizationId) {
    qb.andWhere(
      '(m.convener_organization_id = :orgId OR EXISTS (SELECT 1 FROM meeting_participant fp WHERE fp.meeting_id = m.id AND fp.organization_id = :orgId))',
      { orgId: filter.organizationId },
    );
  }
  if (filter.withinAreaId) {
    qb.andWhere(`EXISTS (SELECT 1 FROM area ma WHERE ma.id = m.area_id AND ma.path LIKE :within)`, { within: await subtreePattern(ctx, filter.withinAreaId) });
  }
  if (filter.statuses?.length) qb.andWhere('m.status IN (:...statuses)', { statuses: filter.statuses });
  if (filter.startsFrom) qb.andWhere('m.starts_at >= :from', { from: filter.startsFrom });
  if (filter.startsBefore) qb.andWhere('m.starts_at < :before', { before: filter.startsBefore });
  if (filter.seriesId) qb.andWhere('m.series_id = :seriesId', { seriesId: filter.seriesId });
  if (filter.updatedSince) qb.andWhere('m.updated_at >= :updatedSince', { updatedSince: filter.updatedSince });
  return paginate(qb, args, [
    { sql: 'm.starts_at', value: (m) => m.startsAt.toISOString() },
    { sql: 'm.id', value: (m) => m.id },
  ]);
}

/** A meeting, or null when unknown or not visible (the two look alike). */
export async function findMeeting(ctx: AppContext, id: string | null): Promise<Meeting | null> {
  if (!id) return null;
  const meeting = await meetingsById(ctx).load(id);
  return meeting && canSeeMeeting(ctx.viewer, await meetingFacts(ctx, meeting)) ? meeting : null;
}

export async function findAgendaItem(ctx: AppContext, id: string | null): Promise<AgendaItem | null> {
  if (!id) return null;
  const item = await agendaItemsById(ctx).load(id);
  return item && (await findMeeting(ctx, item.meetingId)) ? item : null;
}

/** Meetings of a series the viewer may see, earliest first. */
export async function visibleSeriesMeetings(ctx: AppContext, seriesId: string): Promise<Meeting[]> {
  const meetings = await meetingsBySeriesId(ctx).load(seriesId);
  const facts = await Promise.all(meetings.map((m) => meetingFacts(ctx, m)));
  return meetings.filter((_, i) => canSeeMeeting(ctx.viewer, facts[i]));
}

/** A series is visible when one of its meetings is. */
export async function findMeetingSeries(ctx: AppContext, id: string | null): Promise<MeetingSeries | null> {
  if (!id) return null;
  const series = await meetingSeriesById(ctx).load(id);
  if (!series) return null;
  if (ctx.viewer.isPlatformAdmin || ctx.viewer.isMemberOf(series.convenerOrganizationId)) return series;
  return (await visibleSeriesMeetings(ctx, id)).length > 0 ? series : null;
}

/** The linked Case / Consultation / Contract through its module's node fetcher (which applies visibility); null until that module exists. */
export async function linkedRecord(ctx: AppContext, item: AgendaItem): Promise<object | null> {
  if (!item.linkType || !item.linkId) return null;
  const fetcher = nodeFetcher(item.linkType);
  return fetcher ? fetcher(ctx, item.linkId) : null;
}

/**
 * For `meetingAgenda`: the meeting id behind a global id when the viewer may
 * see it, null otherwise (unknown and invisible look alike).
 */
export async function subscribableMeetingId(ctx: AppContext, globalId: string): Promise<string | null> {
  const parsed = fromGlobalId(globalId);
  if (!parsed || parsed.type !== 'Meeting') return null;
  return (await findMeeting(ctx, parsed.id))?.id ?? null;
}

// ---------------------------------------------------------------- helpers

/** Calendar date (China Standard Time) of an instant, YYYY-MM-DD. */
export function localDateOf(at: Date): string {
  return new Date(at.getTime() + CST_OFFSET_MS).toISOString().slice(0, 10);
}

/** Start times of a series: weekly adds 7 days; monthly keeps the day of month in CST, clamped to the month's last day. */
export function occurrenceStarts(first: Date, frequency: MeetingFrequency, count: number): Date[] {
  const starts: Date[] = [];
  const local = new Date(first.getTime() + CST_OFFSET_MS);
  for (let i = 0; i < count; i++) {
    if (frequency === MeetingFrequency.WEEKLY) {
      starts.push(new Date(first.getTime() + i * 7 * 86_400_000));
      continue;
    }
    const year = local.getUTCFullYear();
    const month = local.getUTCMonth() + i;
    const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
    const day = Math.min(local.getUTCDate(), lastDay);
    const at = Date.UTC(year, month, day, local.getUTCHours(), local.getUTCMinutes(), local.getUTCSeconds(), local.getUTCMilliseconds());
    starts.push(new Date(at - CST_OFFSET_MS));
  }
  return starts;
}

export interface LockedMeeting {
  meeting: Meeting;
  participants: MeetingParticipant[];
  facts: MeetingFacts;
  areaPath: string;
}

/** Locks the meeting row (serialising every change to it and its agenda) with its participants; no visibility check. */
export async function lockMeetingUnchecked(tx: Tx, id: string): Promise<LockedMeeting | null> {
  const meeting = await tx.em.findOne(Meeting, { where: { id }, lock: { mode: 'pessimistic_write' } });
  if (!meeting) return null;
  const participants = await tx.em.find(MeetingParticipant, { where: { meetingId: id }, order: { isConvener: 'DESC', createdAt: 'ASC', id: 'ASC' } });
  const facts: MeetingFacts = { convenerOrganizationId: meeting.convenerOrganizationId, participantOrganizationIds: participants.map((p) => p.organizationId) };
  const area = await tx.em.findOneByOrFail(Area, { id: meeting.areaId });
  return { meeting, participants, facts, areaPath: area.path };
}

/** Locks the meeting and checks the viewer may see it; an invisible meeting answers like an unknown id. */
export async function lockMeeting(tx: Tx, id: string, field: string, notFound = 'No Meeting with this id.'): Promise<LockedMeeting> {
  const locked = await lockMeetingUnchecked(tx, id);
  if (!locked || !canSeeMeeting(tx.ctx.viewer, locked.facts)) fail(field, UserErrorCode.NOT_FOUND, notFound);
  return locked;
}

/** Finds an agenda item and locks its meeting; an item of an invisible meeting answers like an unknown id. */
async function lockAgendaItem(tx: Tx, id: string): Promise<LockedMeeting & { item: AgendaItem }> {
  const found = await tx.em.findOneBy(AgendaItem, { id });
  if (!found) fail('id', UserErrorCode.NOT_FOUND, 'No AgendaItem with this id.');
  const locked = await lockMeeting(tx, found.meetingId, 'id', 'No AgendaItem with this id.');
  // Re-read under the meeting lock: a concurrent writer may have committed meanwhile.
  const item = await tx.em.findOneBy(AgendaItem, { id });
  if (!item) fail('id', UserErrorCode.NOT_FOUND, 'No AgendaItem with this id.');
  return { ...locked, item };
}

function audience(locked: Pick<LockedMeeting, 'facts'>, extra: string[] = []): string[] {
  return [locked.facts.convenerOrganizationId, ...locked.facts.participantOrganizationIds, ...extra];
}

export function emitMeetingEvent(tx: Tx, locked: Pick<LockedMeeting, 'meeting' | 'facts' | 'areaPath'>, type: string, payload: Record<string, unknown> = {}, extra: { organizationIds?: string[]; userIds?: string[] } = {}): void {
  tx.emit({
    topic: MEETING_TOPIC,
    type,
    subjectId: locked.meeting.id,
    areaPath: locked.areaPath,
    organizationIds: audience(locked, extra.organizationIds),
    userIds: extra.userIds,
    payload: { meetingId: locked.meeting.id, ...payload },
  });
}

function requireMeetingStatus(meeting: Meeting, allowed: MeetingStatus[], action: string): void {
  if (!allowed.includes(meeting.status)) fail('id', UserErrorCode.INVALID_TRANSITION, `A ${meeting.status} meeting cannot ${action}.`);
}

async function checkOrganizations(tx: Tx, field: string, ids: string[]): Promise<void> {
  if (!ids.length) return;
  const found = await tx.em.countBy(Organization, { id: In(ids) });
  if (found !== ids.length) fail(field, UserErrorCode.NOT_FOUND, 'One or more organisations do not exist.');
}

function checkTimes(check: InputCheck, startsAt: Date | null | undefined, endsAt: Date | null | undefined): void {
  if (!startsAt || !endsAt) return;
  if (Number.isNaN(startsAt.getTime()) || Number.isNaN(endsAt.getTime())) check.add('startsAt', UserErrorCode.INVALID, 'Not a valid time.');
  else if (endsAt <= startsAt) check.add('endsAt', UserErrorCode.DATE_ORDER, 'A meeting must end after it starts.');
  else if (endsAt.getTime() - startsAt.getTime() > MAX_DURATION_MS) check.add('endsAt', UserErrorCode.OUT_OF_RANGE, 'A meeting lasts at most 24 hours.');
}

// ---------------------------------------------------------------- meetings

export async function scheduleMeeting(ctx: AppContext, input: MeetingScheduleInput): Promise<{ meeting: Meeting; series: MeetingSeries | null }> {
  const check = new InputCheck();
  const convenerId = check.id('convenerOrganizationId', input.convenerOrganizationId, 'Organization', { required: true });
  const title = check.text('title', input.title, { max: 200, required: true });
  const description = check.text('description', input.description, { max: 5000 });
  const location = check.text('location', input.location, { max: 500 });
  const areaId = check.id('areaId', input.areaId, 'Area', { required: true });
  const invited = check.ids('participantOrganizationIds', input.participantOrganizationIds, 'Organization', { max: MAX_PARTICIPANTS }).filter((id) => id !== convenerId);
  checkTimes(check, input.startsAt, input.endsAt);
  let count = 1;
  if (input.recurrence) {
    if (!Object.values(MeetingFrequency).includes(input.recurrence.frequency)) check.add(['input', 'recurrence', 'frequency'], UserErrorCode.INVALID, 'Unknown frequency.');
    const n = check.int('recurrence.occurrences', input.recurrence.occurrences, { min: 2, max: MAX_OCCURRENCES });
    if (n !== null) count = n;
  }
  if (convenerId && !canConvene(ctx.viewer, convenerId)) throw forbidden('Only active members of the convening organisation schedule its meetings.');
  failIfAny(check.errors);

  return inTransaction(ctx, async (tx) => {
    await checkOrganizations(tx, 'convenerOrganizationId', [convenerId!]);
    await checkOrganizations(tx, 'participantOrganizationIds', invited);
    const area = await tx.em.findOneBy(Area, { id: areaId! });
    if (!area) fail('areaId', UserErrorCode.NOT_FOUND, 'No Area with this id.');

    let series: MeetingSeries | null = null;
    if (input.recurrence) {
      const seriesId = randomUUID();
      await tx.em.insert(MeetingSeries, { id: seriesId, convenerOrganizationId: convenerId!, title: title!, frequency: input.recurrence.frequency });
      series = await tx.em.findOneByOrFail(MeetingSeries, { id: seriesId });
      tx.audit({ action: 'meetingSchedule', recordType: 'MeetingSeries', recordId: seriesId, details: { title, frequency: input.recurrence.frequency, occurrences: count } });
    }
    const duration = input.endsAt.getTime() - input.startsAt.getTime();
    const starts = series ? occurrenceStarts(input.startsAt, series.frequency, count) : [input.startsAt];
    const organizationIds = [convenerId!, ...invited];
    const meetingIds: string[] = [];
    for (const [i, startsAt] of starts.entries()) {
      const id = randomUUID();
      meetingIds.push(id);
      await tx.em.insert(Meeting, {
        id,
        seriesId: series?.id ?? null,
        occurrence: series ? i + 1 : null,
        convenerOrganizationId: convenerId!,
        areaId: area.id,
        title: title!,
        description,
        location,
        startsAt,
        endsAt: new Date(startsAt.getTime() + duration),
        status: MeetingStatus.SCHEDULED,
        createdByUserId: ctx.viewer.userId,
      });
      await tx.em.insert(
        MeetingParticipant,
        organizationIds.map((organizationId) => ({ meetingId: id, organizationId, isConvener: organizationId === convenerId })),
      );
      tx.audit({ action: 'meetingSchedule', recordType: 'Meeting', recordId: id, details: { title, startsAt, seriesId: series?.id ?? null, participants: organizationIds } });
      tx.emit({
        topic: MEETING_TOPIC,
        type: 'meeting.scheduled',
        subjectId: id,
        areaPath: area.path,
        organizationIds,
        payload: { meetingId: id, seriesId: series?.id ?? null, startsAt: startsAt.toISOString() },
      });
    }
    return { meeting: await tx.em.findOneByOrFail(Meeting, { id: meetingIds[0] }), series };
  });
}

export async function updateMeeting(ctx: AppContext, input: MeetingUpdateInput): Promise<{ meeting: Meeting }> {
  const check = new InputCheck();
  const id = check.id('id', input.id, 'Meeting', { required: true });
  const title = input.title == null ? null : check.text('title', input.title, { max: 200, required: true });
  const description = input.description == null ? undefined : check.text('description', input.description, { max: 5000 });
  const location = input.location == null ? undefined : check.text('location', input.location, { max: 500 });
  const added = check.ids('addParticipantOrganizationIds', input.addParticipantOrganizationIds, 'Organization', { max: MAX_PARTICIPANTS });
  const removed = check.ids('removeParticipantOrganizationIds', input.removeParticipantOrganizationIds, 'Organization', { max: MAX_PARTICIPANTS });
  failIfAny(check.errors);

  return inTransaction(ctx, async (tx) => {
    const locked = await lockMeeting(tx, id!, 'id');
    const { meeting } = locked;
    if (!canConvene(ctx.viewer, meeting.convenerOrganizationId)) throw forbidden('Only the convener changes a meeting.');
    requireMeetingStatus(meeting, [MeetingStatus.SCHEDULED], 'be changed');
    const startsAt = input.startsAt ?? meeting.startsAt;
    const endsAt = input.endsAt ?? (input.startsAt ? new Date(input.startsAt.getTime() + (meeting.endsAt.getTime() - meeting.startsAt.getTime())) : meeting.endsAt);
    const times = new InputCheck();
    checkTimes(times, startsAt, endsAt);
    if (removed.includes(meeting.convenerOrganizationId)) times.add('removeParticipantOrganizationIds', UserErrorCode.INVALID, 'The convener cannot be uninvited.');
    const current = new Set(locked.facts.participantOrganizationIds);
    const toAdd = added.filter((o) => !current.has(o));
    const toRemove = removed.filter((o) => current.has(o) && o !== meeting.convenerOrganizationId);
    failIfAny(times.errors);
    await checkOrganizations(tx, 'addParticipantOrganizationIds', toAdd);

    const changes: Partial<Meeting> = {};
    if (title) changes.title = title;
    if (description !== undefined) changes.description = description;
    if (location !== undefined) changes.location = location;
    const moved = startsAt.getTime() !== meeting.startsAt.getTime() || endsAt.getTime() !== meeting.endsAt.getTime();
    if (moved) Object.assign(changes, { startsAt, endsAt });
    await updateVersioned(tx, Meeting, meeting.id, input.expectedVersion, changes, 'meeting');
    if (toAdd.length) await tx.em.insert(MeetingParticipant, toAdd.map((organizationId) => ({ meetingId: meeting.id, organizationId, isConvener: false })));
    if (toRemove.length) await tx.em.delete(MeetingParticipant, { meetingId: meeting.id, organizationId: In(toRemove) });

    const changed = Object.keys(changes).concat(toAdd.length || toRemove.length ? ['participants'] : []);
    tx.audit({ action: 'meetingUpdate', recordType: 'Meeting', recordId: meeting.id, details: { ...changes, addedOrganizationIds: toAdd, removedOrganizationIds: toRemove } });
    // Uninvited organisations still learn of the change that removed them; invited ones learn of the meeting.
    emitMeetingEvent(tx, locked, 'meeting.updated', { moved, changed, addedOrganizationIds: toAdd, removedOrganizationIds: toRemove, startsAt: startsAt.toISOString() }, { organizationIds: toAdd });
    return { meeting: await tx.em.findOneByOrFail(Meeting, { id: meeting.id }) };
  });
}

export async function cancelMeeting(ctx: AppContext, input: MeetingCancelInput): Promise<{ meeting: Meeting }> {
  const check = new InputCheck();
  const id = check.id('id', input.id, 'Meeting', { required: true });
  const reason = check.text('reason', input.reason, { max: 1000 });
  failIfAny(check.errors);

  return inTransaction(ctx, async (tx) => {
    const locked = await lockMeeting(tx, id!, 'id');
    if (!canConvene(ctx.viewer, locked.meeting.convenerOrganizationId)) throw forbidden('Only the convener cancels a meeting.');
    requireMeetingStatus(locked.meeting, [MeetingStatus.SCHEDULED], 'be cancelled');
    await updateVersioned(tx, Meeting, locked.meeting.id, input.expectedVersion, { status: MeetingStatus.CANCELLED, cancelledAt: clock.now(), cancelReason: reason }, 'meeting');
    tx.audit({ action: 'meetingCancel', recordType: 'Meeting', recordId: locked.meeting.id, details: { reason } });
    emitMeetingEvent(tx, locked, 'meeting.cancelled', { reason });
    return { meeting: await tx.em.findOneByOrFail(Meeting, { id: locked.meeting.id }) };
  });
}

export async function startMeeting(ctx: AppContext, input: MeetingStartInput): Promise<{ meeting: Meeting }> {
  const check = new InputCheck();
  const id = check.id('id', input.id, 'Meeting', { required: true });
  failIfAny(check.errors);

  return inTransaction(ctx, async (tx) => {
    const locked = await lockMeeting(tx, id!, 'id');
    if (!canConvene(ctx.viewer, locked.meeting.convenerOrganizationId)) throw forbidden('Only the convener opens a meeting.');
    requireMeetingStatus(locked.meeting, [MeetingStatus.SCHEDULED], 'be started');
    await updateVersioned(tx, Meeting, locked.meeting.id, input.expectedVersion, { status: MeetingStatus.IN_PROGRESS, startedAt: clock.now() }, 'meeting');
    tx.audit({ action: 'meetingStart', recordType: 'Meeting', recordId: locked.meeting.id });
    emitMeetingEvent(tx, locked, 'meeting.started');
    return { meeting: await tx.em.findOneByOrFail(Meeting, { id: locked.meeting.id }) };
  });
}

/**
 * Closes a meeting (started, or held without being opened in the system) and
 * records attendance. Accepted items that were not discussed are deferred;
 * deferred items and overdue action items of the series are then offered to
 * its next meeting.
 */
export async function concludeMeeting(ctx: AppContext, input: MeetingConcludeInput): Promise<{ meeting: Meeting }> {
  const check = new InputCheck();
  const id = check.id('id', input.id, 'Meeting', { required: true });
  const attended = check.ids('attendedOrganizationIds', input.attendedOrganizationIds, 'Organization', { max: MAX_PARTICIPANTS + 1 });
  failIfAny(check.errors);

  return inTransaction(ctx, async (tx) => {
    const locked = await lockMeeting(tx, id!, 'id');
    const { meeting } = locked;
    if (!canConvene(ctx.viewer, meeting.convenerOrganizationId)) throw forbidden('Only the convener concludes a meeting.');
    requireMeetingStatus(meeting, [MeetingStatus.SCHEDULED, MeetingStatus.IN_PROGRESS], 'be concluded');
    const strangers = attended.filter((o) => !locked.facts.participantOrganizationIds.includes(o));
    if (strangers.length) fail('attendedOrganizationIds', UserErrorCode.NOT_FOUND, 'Only participating organisations can be recorded as attending.');
    const now = clock.now();
    await updateVersioned(tx, Meeting, meeting.id, input.expectedVersion, { status: MeetingStatus.CONCLUDED, concludedAt: now, startedAt: meeting.startedAt ?? now }, 'meeting');
    await tx.em.update(MeetingParticipant, { meetingId: meeting.id }, { attended: false });
    if (attended.length) await tx.em.update(MeetingParticipant, { meetingId: meeting.id, organizationId: In(attended) }, { attended: true });
    const deferred: { id: string }[] = await tx.em.query(
      `UPDATE agenda_item SET status = 'DEFERRED', version = version + 1, updated_at = now() WHERE meeting_id = $1 AND status = 'ACCEPTED' RETURNING id`,
      [meeting.id],
    );
    tx.audit({ action: 'meetingConclude', recordType: 'Meeting', recordId: meeting.id, details: { attendedOrganizationIds: attended, deferredAgendaItemIds: deferred.map((d) => d.id) } });
    emitMeetingEvent(tx, locked, 'meeting.concluded', { attendedOrganizationIds: attended, deferredAgendaItemIds: deferred.map((d) => d.id) });
    if (meeting.seriesId) await offerCarryOvers(tx, meeting.seriesId, now);
    return { meeting: await tx.em.findOneByOrFail(Meeting, { id: meeting.id }) };
  });
}

export async function rsvpMeeting(ctx: AppContext, input: MeetingRsvpInput): Promise<{ meeting: Meeting }> {
  const check = new InputCheck();
  const meetingId = check.id('meetingId', input.meetingId, 'Meeting', { required: true });
  const organizationId = check.id('organizationId', input.organizationId, 'Organization', { required: true });
  const representativeId = check.id('representativeUserId', input.representativeUserId, 'User');
  const note = check.text('note', input.note, { max: 1000 });
  if (!Object.values(RsvpResponse).includes(input.response)) check.add('response', UserErrorCode.INVALID, 'Unknown reply.');
  failIfAny(check.errors);

  return inTransaction(ctx, async (tx) => {
    const locked = await lockMeeting(tx, meetingId!, 'meetingId');
    const participant = locked.participants.find((p) => p.organizationId === organizationId);
    if (!participant) fail('organizationId', UserErrorCode.NOT_FOUND, 'This organisation is not invited to the meeting.');
    if (!ctx.viewer.canActFor(organizationId!)) throw forbidden('Only active members of the organisation answer for it.');
    requireMeetingStatus(locked.meeting, [MeetingStatus.SCHEDULED], 'take replies');
    if (representativeId && !(await tx.em.existsBy(Membership, { userId: representativeId, organizationId: organizationId! }))) {
      fail('representativeUserId', UserErrorCode.NOT_PERMITTED_HERE, 'The representative must be a member of the organisation.');
    }
    await tx.em.update(MeetingParticipant, { id: participant.id }, { rsvp: input.response, representativeUserId: representativeId, rsvpNote: note, respondedAt: clock.now() });
    tx.audit({ action: 'meetingRsvp', recordType: 'Meeting', recordId: locked.meeting.id, details: { organizationId, response: input.response, representativeUserId: representativeId } });
    emitMeetingEvent(tx, locked, 'meeting.rsvp', { organizationId, response: input.response });
    return { meeting: locked.meeting };
  });
}

// ---------------------------------------------------------------- agenda

interface LinkValue {
  linkType: string | null;
  linkId: string | null;
}

/** Validates a Case / Consultation / Contract global id; undefined means "no change", null "no link". */
async function resolveLink(ctx: AppContext, globalId: string | null | undefined): Promise<LinkValue | undefined> {
  if (globalId === undefined || globalId === null) return undefined;
  if (globalId === '') return { linkType: null, linkId: null };
  const parsed = fromGlobalId(globalId);
  if (!parsed || !(AGENDA_LINK_TYPES as readonly string[]).includes(parsed.type)) {
    fail('linkedRecordId', UserErrorCode.INVALID, 'An agenda item links to a Case, a Consultation or a Contract.');
  }
  const fetcher = nodeFetcher(parsed.type);
  if (fetcher && !(await fetcher(ctx, parsed.id))) fail('linkedRecordId', UserErrorCode.NOT_FOUND, `No ${parsed.type} with this id.`);
  return { linkType: parsed.type, linkId: parsed.id };
}

export async function addAgendaItem(ctx: AppContext, input: AgendaItemAddInput): Promise<{ agendaItem: AgendaItem }> {
  const check = new InputCheck();
  const meetingId = check.id('meetingId', input.meetingId, 'Meeting', { required: true });
  const title = check.text('title', input.title, { max: 200, required: true });
  const description = check.text('description', input.description, { max: 5000 });
  const proposerId = check.id('proposedByOrganizationId', input.proposedByOrganizationId, 'Organization');
  const presenterId = check.id('presenterOrganizationId', input.presenterOrganizationId, 'Organization');
  const plannedMinutes = check.int('plannedMinutes', input.plannedMinutes, { min: 1, max: 480 }) ?? 10;
  failIfAny(check.errors);

  return inTransaction(ctx, async (tx) => {
    const locked = await lockMeeting(tx, meetingId!, 'meetingId');
    const { meeting, facts } = locked;
    if (!canProposeAgendaItem(ctx.viewer, facts)) throw forbidden('Only active members of participating organisations propose agenda items.');
    requireMeetingStatus(meeting, OPEN_AGENDA, 'take agenda items');
    const proposedBy =
      proposerId ??
      facts.participantOrganizationIds.find((o) => ctx.viewer.canActFor(o)) ??
      meeting.convenerOrganizationId;
    if (!facts.participantOrganizationIds.includes(proposedBy)) fail('proposedByOrganizationId', UserErrorCode.NOT_PERMITTED_HERE, 'The proposer must be a participating organisation.');
    const isConvener = proposedBy === meeting.convenerOrganizationId;
    if (!(isConvener ? canConvene(ctx.viewer, proposedBy) : ctx.viewer.canActFor(proposedBy))) throw forbidden('You do not act for the proposing organisation.');
    const presenter = presenterId ?? proposedBy;
    if (!facts.participantOrganizationIds.includes(presenter)) fail('presenterOrganizationId', UserErrorCode.NOT_PERMITTED_HERE, 'The presenter must be a participating organisation.');
    const link = (await resolveLink(ctx, input.linkedRecordId)) ?? { linkType: null, linkId: null };
    const [{ next }] = await tx.em.query('SELECT coalesce(max(position), 0) + 1 AS next FROM agenda_item WHERE meeting_id = $1', [meeting.id]);
    const id = randomUUID();
    const status = isConvener ? AgendaItemStatus.ACCEPTED : AgendaItemStatus.PROPOSED;
    await tx.em.insert(AgendaItem, {
      id,
      meetingId: meeting.id,
      position: Number(next),
      title: title!,
      description,
      proposedByOrganizationId: proposedBy,
      proposedByUserId: ctx.viewer.userId,
      presenterOrganizationId: presenter,
      plannedMinutes,
      status,
      ...link,
    });
    tx.audit({ action: 'agendaItemAdd', recordType: 'AgendaItem', recordId: id, details: { meetingId: meeting.id, title, proposedBy, presenter, status, ...link } });
    emitMeetingEvent(tx, locked, 'agenda.itemAdded', { agendaItemId: id, position: Number(next), status });
    return { agendaItem: await tx.em.findOneByOrFail(AgendaItem, { id }) };
  });
}

export async function updateAgendaItem(ctx: AppContext, input: AgendaItemUpdateInput): Promise<{ agendaItem: AgendaItem }> {
  const check = new InputCheck();
  const id = check.id('id', input.id, 'AgendaItem', { required: true });
  const title = input.title == null ? null : check.text('title', input.title, { max: 200, required: true });
  const description = input.description == null ? undefined : check.text('description', input.description, { max: 5000 });
  const presenterId = check.id('presenterOrganizationId', input.presenterOrganizationId, 'Organization');
  const plannedMinutes = check.int('plannedMinutes', input.plannedMinutes, { min: 1, max: 480 });
  if (!Number.isInteger(input.expectedVersion)) check.add('expectedVersion', UserErrorCode.REQUIRED, 'expectedVersion is required.');
  failIfAny(check.errors);

  return inTransaction(ctx, async (tx) => {
    const locked = await lockAgendaItem(tx, id!);
    const { item, meeting, facts } = locked;
    if (!canEditAgendaItem(ctx.viewer, facts, item.proposedByOrganizationId)) throw forbidden('Only the proposing organisation or the convener edits an agenda item.');
    requireMeetingStatus(meeting, OPEN_AGENDA, 'have its agenda changed');
    if (!EDITABLE_ITEM.includes(item.status)) fail('id', UserErrorCode.INVALID_TRANSITION, `A ${item.status} agenda item cannot be edited.`);
    if (presenterId && !facts.participantOrganizationIds.includes(presenterId)) fail('presenterOrganizationId', UserErrorCode.NOT_PERMITTED_HERE, 'The presenter must be a participating organisation.');
    const link = await resolveLink(ctx, input.linkedRecordId);
    const changes: Partial<AgendaItem> = { ...(link ?? {}) };
    if (title) changes.title = title;
    if (description !== undefined) changes.description = description;
    if (presenterId) changes.presenterOrganizationId = presenterId;
    if (plannedMinutes !== null) changes.plannedMinutes = plannedMinutes;
    await updateVersioned(tx, AgendaItem, item.id, input.expectedVersion, changes, 'agenda item');
    tx.audit({ action: 'agendaItemUpdate', recordType: 'AgendaItem', recordId: item.id, details: { ...changes, expectedVersion: input.expectedVersion } });
    emitMeetingEvent(tx, locked, 'agenda.itemUpdated', { agendaItemId: item.id, changed: Object.keys(changes), version: input.expectedVersion + 1 });
    return { agendaItem: await tx.em.findOneByOrFail(AgendaItem, { id: item.id }) };
  });
}

export async function moveAgendaItem(ctx: AppContext, input: AgendaItemMoveInput): Promise<{ agendaItem: AgendaItem }> {
  const check = new InputCheck();
  const id = check.id('id', input.id, 'AgendaItem', { required: true });
  failIfAny(check.errors);

  return inTransaction(ctx, async (tx) => {
    const locked = await lockAgendaItem(tx, id!);
    const { item, meeting } = locked;
    if (!canConvene(ctx.viewer, meeting.convenerOrganizationId)) throw forbidden('Only the convener orders the agenda.');
    requireMeetingStatus(meeting, OPEN_AGENDA, 'have its agenda changed');
    const items = await tx.em.find(AgendaItem, { where: { meetingId: meeting.id }, order: { position: 'ASC', id: 'ASC' } });
    if (!Number.isInteger(input.position) || input.position < 1 || input.position > items.length) {
      fail('position', UserErrorCode.OUT_OF_RANGE, `position must be between 1 and ${items.length}.`);
    }
    const from = item.position;
    await updateVersioned(tx, AgendaItem, item.id, input.expectedVersion, {}, 'agenda item');
    const order = items.filter((i) => i.id !== item.id);
    order.splice(input.position - 1, 0, item);
    // The (meeting, position) key is checked at commit, so positions may collide in between.
    for (const [i, row] of order.entries()) {
      if (row.position !== i + 1) await tx.em.update(AgendaItem, { id: row.id }, { position: i + 1 });
    }
    tx.audit({ action: 'agendaItemMove', recordType: 'AgendaItem', recordId: item.id, details: { from, to: input.position } });
    emitMeetingEvent(tx, locked, 'agenda.itemMoved', { agendaItemId: item.id, from, to: input.position });
    return { agendaItem: await tx.em.findOneByOrFail(AgendaItem, { id: item.id }) };
  });
}

export async function removeAgendaItem(ctx: AppContext, input: AgendaItemRemoveInput): Promise<{ removedAgendaItemId: string; meeting: Meeting }> {
  const check = new InputCheck();
  const id = check.id('id', input.id, 'AgendaItem', { required: true });
  failIfAny(check.errors);

  return inTransaction(ctx, async (tx) => {
    const locked = await lockAgendaItem(tx, id!);
    const { item, meeting, facts } = locked;
    if (!canEditAgendaItem(ctx.viewer, facts, item.proposedByOrganizationId)) throw forbidden('Only the proposing organisation or the convener withdraws an agenda item.');
    requireMeetingStatus(meeting, OPEN_AGENDA, 'have its agenda changed');
    if (!EDITABLE_ITEM.includes(item.status)) fail('id', UserErrorCode.INVALID_TRANSITION, `A ${item.status} agenda item cannot be withdrawn.`);
    if (input.expectedVersion != null && input.expectedVersion !== item.version) fail('expectedVersion', UserErrorCode.CONFLICT, 'The agenda item changed since you read it; reload and retry.');
    await tx.em.delete(AgendaItem, { id: item.id });
    await tx.em.query('UPDATE agenda_item SET position = position - 1 WHERE meeting_id = $1 AND position > $2', [meeting.id, item.position]);
    tx.audit({ action: 'agendaItemRemove', recordType: 'AgendaItem', recordId: item.id, details: { title: item.title, position: item.position } });
    emitMeetingEvent(tx, locked, 'agenda.itemRemoved', { agendaItemId: item.id, position: item.position });
    return { removedAgendaItemId: toGlobalId('AgendaItem', item.id), meeting };
  });
}

export async function acceptAgendaItem(ctx: AppContext, input: AgendaItemAcceptInput): Promise<{ agendaItem: AgendaItem }> {
  const check = new InputCheck();
  const id = check.id('id', input.id, 'AgendaItem', { required: true });
  failIfAny(check.errors);

  return inTransaction(ctx, async (tx) => {
    const locked = await lockAgendaItem(tx, id!);
    const { item, meeting } = locked;
    if (!canConvene(ctx.viewer, meeting.convenerOrganizationId)) throw forbidden('Only the convener accepts agenda items.');
    requireMeetingStatus(meeting, OPEN_AGENDA, 'have its agenda changed');
    if (item.status === AgendaItemStatus.ACCEPTED) fail('id', UserErrorCode.ALREADY_DONE, 'The agenda item is already accepted.');
    if (item.status !== AgendaItemStatus.PROPOSED) fail('id', UserErrorCode.INVALID_TRANSITION, `A ${item.status} agenda item cannot be accepted.`);
    await updateVersioned(tx, AgendaItem, item.id, input.expectedVersion, { status: AgendaItemStatus.ACCEPTED }, 'agenda item');
    tx.audit({ action: 'agendaItemAccept', recordType: 'AgendaItem', recordId: item.id });
    emitMeetingEvent(tx, locked, 'agenda.itemAccepted', { agendaItemId: item.id, status: AgendaItemStatus.ACCEPTED });
    return { agendaItem: await tx.em.findOneByOrFail(AgendaItem, { id: item.id }) };
  });
}

export async function recordAgendaItemOutcome(ctx: AppContext, input: AgendaItemRecordOutcomeInput): Promise<{ agendaItem: AgendaItem }> {
  const check = new InputCheck();
  const id = check.id('id', input.id, 'AgendaItem', { required: true });
  const minutes = input.minutes == null ? undefined : check.text('minutes', input.minutes, { max: 20000 });
  const decision = input.decision == null ? undefined : check.text('decision', input.decision, { max: 5000 });
  if (![AgendaItemStatus.DISCUSSED, AgendaItemStatus.DEFERRED].includes(input.status)) check.add('status', UserErrorCode.INVALID, 'An outcome is DISCUSSED or DEFERRED.');
  failIfAny(check.errors);

  return inTransaction(ctx, async (tx) => {
    const locked = await lockAgendaItem(tx, id!);
    const { item, meeting } = locked;
    if (!canConvene(ctx.viewer, meeting.convenerOrganizationId)) throw forbidden('Only the convener records minutes and decisions.');
    requireMeetingStatus(meeting, [MeetingStatus.IN_PROGRESS, MeetingStatus.CONCLUDED], 'have minutes recorded');
    if (item.status === AgendaItemStatus.PROPOSED) fail('id', UserErrorCode.INVALID_TRANSITION, 'Accept the agenda item before recording its outcome.');
    if (item.status !== input.status) {
      if (item.status === AgendaItemStatus.DEFERRED && (await tx.em.existsBy(AgendaItem, { carriedFromItemId: item.id }))) {
        fail('status', UserErrorCode.INVALID_TRANSITION, 'The item was already carried over to the next meeting.');
      }
      if (input.status === AgendaItemStatus.DEFERRED && (await tx.em.existsBy(ActionItem, { agendaItemId: item.id }))) {
        fail('status', UserErrorCode.INVALID_TRANSITION, 'An item with action items cannot be deferred.');
      }
    }
    const changes: Partial<AgendaItem> = { status: input.status };
    if (minutes !== undefined) changes.minutes = minutes;
    if (decision !== undefined) changes.decision = decision;
    await updateVersioned(tx, AgendaItem, item.id, input.expectedVersion, changes, 'agenda item');
    tx.audit({ action: 'agendaItemRecordOutcome', recordType: 'AgendaItem', recordId: item.id, details: changes });
    emitMeetingEvent(tx, locked, 'agenda.outcomeRecorded', { agendaItemId: item.id, status: input.status });
    return { agendaItem: await tx.em.findOneByOrFail(AgendaItem, { id: item.id }) };
  });
}

// ---------------------------------------------------------------- carry-over

/**
 * Offers the next scheduled meeting of a series what earlier meetings left
 * open: deferred agenda items (carried over as ACCEPTED items) and overdue
 * action items (offered as PROPOSED items for the convener to accept). Safe to
 * run again: each is offered once per meeting (unique indexes back this up).
 */
export async function offerCarryOvers(tx: Tx, seriesId: string, now: Date): Promise<number> {
  const next = await tx.em
    .createQueryBuilder(Meeting, 'm')
    .setLock('pessimistic_write')
    .where('m.series_id = :seriesId AND m.status = :status AND m.starts_at > :now', { seriesId, status: MeetingStatus.SCHEDULED, now })
    .orderBy('m.starts_at', 'ASC')
    .limit(1)
    .getOne();
  if (!next) return 0;
  const deferred = await tx.em
    .createQueryBuilder(AgendaItem, 'ai')
    .innerJoin(Meeting, 'pm', 'pm.id = ai.meeting_id')
    .where('pm.series_id = :seriesId AND pm.id <> :nextId AND pm.status = :concluded AND pm.starts_at < :nextStart', {
      seriesId,
      nextId: next.id,
      concluded: MeetingStatus.CONCLUDED,
      nextStart: next.startsAt,
    })
    .andWhere('ai.status = :deferred', { deferred: AgendaItemStatus.DEFERRED })
    .andWhere('NOT EXISTS (SELECT 1 FROM agenda_item c WHERE c.carried_from_item_id = ai.id)')
    .orderBy('pm.starts_at', 'ASC')
    .addOrderBy('ai.position', 'ASC')
    .getMany();
  const overdue = await tx.em
    .createQueryBuilder(ActionItem, 'a')
    .innerJoin(Meeting, 'am', 'am.id = a.meeting_id')
    .where('am.series_id = :seriesId AND am.id <> :nextId', { seriesId, nextId: next.id })
    .andWhere('a.status IN (:...open) AND a.due_on < :today', { open: OPEN_ACTION_STATUSES, today: localDateOf(now) })
    .andWhere('NOT EXISTS (SELECT 1 FROM agenda_item c WHERE c.meeting_id = :nextId AND c.source_action_item_id = a.id)')
    .orderBy('a.due_on', 'ASC')
    .addOrderBy('a.id', 'ASC')
    .getMany();
  if (!deferred.length && !overdue.length) return 0;

  const participants = await tx.em.find(MeetingParticipant, { where: { meetingId: next.id } });
  const facts: MeetingFacts = { convenerOrganizationId: next.convenerOrganizationId, participantOrganizationIds: participants.map((p) => p.organizationId) };
  const area = await tx.em.findOneByOrFail(Area, { id: next.areaId });
  const locked = { meeting: next, facts, areaPath: area.path };
  const presenterFor = (org: string) => (facts.participantOrganizationIds.includes(org) ? org : next.convenerOrganizationId);
  const [{ max }] = await tx.em.query('SELECT coalesce(max(position), 0) AS max FROM agenda_item WHERE meeting_id = $1', [next.id]);
  let position = Number(max);
  const rows: Partial<AgendaItem>[] = [
    ...deferred.map((d) => ({
      title: d.title,
      description: d.description,
      presenterOrganizationId: presenterFor(d.presenterOrganizationId),
      plannedMinutes: d.plannedMinutes,
      status: AgendaItemStatus.ACCEPTED,
      linkType: d.linkType,
      linkId: d.linkId,
      carriedFromItemId: d.id,
    })),
    ...overdue.map((a) => ({
      title: `逾期督辦：${a.title}`.slice(0, 200),
      description: `Overdue action item (due ${a.dueOn}), offered for follow-up.${a.description ? `\n${a.description}` : ''}`.slice(0, 5000),
      presenterOrganizationId: presenterFor(a.responsibleOrganizationId),
      plannedMinutes: 10,
      status: AgendaItemStatus.PROPOSED,
      sourceActionItemId: a.id,
    })),
  ];
  for (const row of rows) {
    const id = randomUUID();
    position += 1;
    await tx.em.insert(AgendaItem, { ...row, id, meetingId: next.id, position, proposedByOrganizationId: next.convenerOrganizationId, proposedByUserId: null } as AgendaItem);
    tx.audit({ action: 'agendaItemCarryOver', recordType: 'AgendaItem', recordId: id, details: { meetingId: next.id, carriedFromItemId: row.carriedFromItemId ?? null, sourceActionItemId: row.sourceActionItemId ?? null } });
    emitMeetingEvent(tx, locked, 'agenda.itemAdded', { agendaItemId: id, position, status: row.status, carriedOver: true });
  }
  return rows.length;
}
