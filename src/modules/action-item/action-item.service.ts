import { randomUUID } from 'node:crypto';
import type { AppContext } from '../../shared/context';
import { UserErrorCode, forbidden } from '../../shared/errors';
import { clock, isLocalDate, today } from '../../shared/clock';
import { paginate, type ConnectionArgs } from '../../shared/relay/connection';
import { type Tx, fail, failIfAny, inTransaction, updateVersioned } from '../../shared/transaction';
import { InputCheck } from '../../shared/validation';
import { Organization } from '../organization/organization.entity';
import { AgendaItem, AgendaItemStatus } from '../meeting/meeting.entity';
import { meetingFacts, meetingsById } from '../meeting/meeting.loaders';
import { emitMeetingEvent, localDateOf, lockMeeting, lockMeetingUnchecked, type LockedMeeting } from '../meeting/meeting.service';
import { ActionItem, ActionItemStatus, OPEN_ACTION_STATUSES } from './action-item.entity';
import type { ActionItemCompleteInput, ActionItemCreateInput, ActionItemUpdateInput } from './action-item.inputs';
import { actionItemsById } from './action-item.loaders';
import { actionItemVisibleSql, canAssignActionItems, canSeeActionItem, canWorkOnActionItem } from './action-item.policy';

export interface ActionItemFilter {
  responsibleOrganizationId?: string | null;
  statuses?: ActionItemStatus[] | null;
  overdue?: boolean | null;
  meetingId?: string | null;
  seriesId?: string | null;
}

/** Open work past its due date (China Standard Time). */
export function isOverdue(item: Pick<ActionItem, 'status' | 'dueOn'>, on: string = today()): boolean {
  return OPEN_ACTION_STATUSES.includes(item.status) && item.dueOn < on;
}

/** Action items the viewer may see (filtered in SQL), earliest due first. */
export async function listActionItems(ctx: AppContext, filter: ActionItemFilter, args: ConnectionArgs) {
  const qb = ctx.app.db.getRepository(ActionItem).createQueryBuilder('a');
  const visible = actionItemVisibleSql(ctx.viewer, 'a', 'viewerOrgs');
  qb.where(visible.sql, visible.params);
  if (filter.responsibleOrganizationId) qb.andWhere('a.responsible_organization_id = :responsible', { responsible: filter.responsibleOrganizationId });
  if (filter.statuses?.length) qb.andWhere('a.status IN (:...statuses)', { statuses: filter.statuses });
  if (filter.overdue != null) {
    const overdue = `(a.status IN (:...open) AND a.due_on < :today)`;
    qb.andWhere(filter.overdue ? overdue : `NOT ${overdue}`, { open: OPEN_ACTION_STATUSES, today: today() });
  }
  if (filter.meetingId) qb.andWhere('a.meeting_id = :meetingId', { meetingId: filter.meetingId });
  if (filter.seriesId) qb.andWhere('EXISTS (SELECT 1 FROM meeting sm WHERE sm.id = a.meeting_id AND sm.series_id = :seriesId)', { seriesId: filter.seriesId });
  return paginate(qb, args, [
    { sql: 'a.due_on', value: (a) => a.dueOn },
    { sql: 'a.id', value: (a) => a.id },
  ]);
}

/** An action item, or null when unknown or not visible (the two look alike). */
export async function findActionItem(ctx: AppContext, id: string | null): Promise<ActionItem | null> {
  if (!id) return null;
  const item = await actionItemsById(ctx).load(id);
  if (!item) return null;
  const meeting = await meetingsById(ctx).load(item.meetingId);
  return meeting && canSeeActionItem(ctx.viewer, await meetingFacts(ctx, meeting), item.responsibleOrganizationId) ? item : null;
}

async function checkPeople(tx: Tx, organizationId: string, people: { field: string; userId: string | null }[]): Promise<void> {
  const ids = people.map((p) => p.userId).filter((id): id is string => Boolean(id));
  if (!ids.length) return;
  const rows: { user_id: string }[] = await tx.em.query('SELECT user_id FROM membership WHERE organization_id = $1 AND user_id = ANY($2::uuid[])', [organizationId, ids]);
  const members = new Set(rows.map((r) => r.user_id));
  for (const p of people) {
    if (p.userId && !members.has(p.userId)) fail(p.field, UserErrorCode.NOT_PERMITTED_HERE, 'Leader and handler must be members of the responsible organisation.');
  }
}

function checkDueOn(check: InputCheck, value: string | null | undefined): string | null {
  if (value == null) return null;
  if (!isLocalDate(value)) {
    check.add('dueOn', UserErrorCode.INVALID, 'dueOn must be a date (YYYY-MM-DD).');
    return null;
  }
  return value;
}

/** Locks the meeting of an action item and the item itself; an item the viewer may not see answers like an unknown id. */
async function lockActionItem(tx: Tx, id: string): Promise<LockedMeeting & { action: ActionItem }> {
  const found = await tx.em.findOneBy(ActionItem, { id });
  const locked = found && (await lockMeetingUnchecked(tx, found.meetingId));
  const action = locked && (await tx.em.findOne(ActionItem, { where: { id }, lock: { mode: 'pessimistic_write' } }));
  if (!locked || !action || !canSeeActionItem(tx.ctx.viewer, locked.facts, action.responsibleOrganizationId)) {
    fail('id', UserErrorCode.NOT_FOUND, 'No ActionItem with this id.');
  }
  return { ...locked, action };
}

function emitActionEvent(tx: Tx, locked: LockedMeeting, action: ActionItem, type: string, payload: Record<string, unknown> = {}): void {
  emitMeetingEvent(tx, locked, type, { actionItemId: action.id, agendaItemId: action.agendaItemId, ...payload }, {
    organizationIds: [action.responsibleOrganizationId],
    userIds: [action.leaderUserId, action.handlerUserId],
  });
}

export async function createActionItem(ctx: AppContext, input: ActionItemCreateInput): Promise<{ actionItem: ActionItem }> {
  const check = new InputCheck();
  const agendaItemId = check.id('agendaItemId', input.agendaItemId, 'AgendaItem', { required: true });
  const title = check.text('title', input.title, { max: 200, required: true });
  const description = check.text('description', input.description, { max: 5000 });
  const responsibleId = check.id('responsibleOrganizationId', input.responsibleOrganizationId, 'Organization', { required: true });
  const leaderId = check.id('leaderUserId', input.leaderUserId, 'User', { required: true });
  const handlerId = check.id('handlerUserId', input.handlerUserId, 'User', { required: true });
  const dueOn = checkDueOn(check, input.dueOn);
  if (input.dueOn == null) check.add('dueOn', UserErrorCode.REQUIRED, 'dueOn is required.');
  failIfAny(check.errors);

  return inTransaction(ctx, async (tx) => {
    const found = await tx.em.findOneBy(AgendaItem, { id: agendaItemId! });
    if (!found) fail('agendaItemId', UserErrorCode.NOT_FOUND, 'No AgendaItem with this id.');
    const locked = await lockMeeting(tx, found.meetingId, 'agendaItemId', 'No AgendaItem with this id.');
    if (!canAssignActionItems(ctx.viewer, locked.facts)) throw forbidden('Only the convener assigns action items.');
    const item = await tx.em.findOneByOrFail(AgendaItem, { id: found.id });
    if (item.status !== AgendaItemStatus.DISCUSSED) fail('agendaItemId', UserErrorCode.INVALID_TRANSITION, 'Action items come from the decision of a DISCUSSED agenda item.');
    if (!(await tx.em.existsBy(Organization, { id: responsibleId! }))) fail('responsibleOrganizationId', UserErrorCode.NOT_FOUND, 'No Organization with this id.');
    await checkPeople(tx, responsibleId!, [
      { field: 'leaderUserId', userId: leaderId },
      { field: 'handlerUserId', userId: handlerId },
    ]);
    if (dueOn! < localDateOf(locked.meeting.startsAt)) fail('dueOn', UserErrorCode.DATE_ORDER, 'An action item cannot be due before its meeting.');
    const id = randomUUID();
    await tx.em.insert(ActionItem, {
      id,
      meetingId: locked.meeting.id,
      agendaItemId: item.id,
      title: title!,
      description,
      responsibleOrganizationId: responsibleId!,
      leaderUserId: leaderId!,
      handlerUserId: handlerId!,
      dueOn: dueOn!,
      status: ActionItemStatus.OPEN,
      createdByUserId: ctx.viewer.userId,
    });
    const action = await tx.em.findOneByOrFail(ActionItem, { id });
    tx.audit({ action: 'actionItemCreate', recordType: 'ActionItem', recordId: id, details: { agendaItemId: item.id, title, responsibleId, leaderId, handlerId, dueOn } });
    emitActionEvent(tx, locked, action, 'actionItem.created', { dueOn });
    return { actionItem: action };
  });
}

export async function updateActionItem(ctx: AppContext, input: ActionItemUpdateInput): Promise<{ actionItem: ActionItem }> {
  const check = new InputCheck();
  const id = check.id('id', input.id, 'ActionItem', { required: true });
  const title = input.title == null ? null : check.text('title', input.title, { max: 200, required: true });
  const description = input.description == null ? undefined : check.text('description', input.description, { max: 5000 });
  const leaderId = check.id('leaderUserId', input.leaderUserId, 'User');
  const handlerId = check.id('handlerUserId', input.handlerUserId, 'User');
  const dueOn = checkDueOn(check, input.dueOn);
  if (input.status === ActionItemStatus.DONE) check.add('status', UserErrorCode.INVALID, 'Use actionItemComplete to mark an action item done.');
  else if (input.status != null && !Object.values(ActionItemStatus).includes(input.status)) check.add('status', UserErrorCode.INVALID, 'Unknown status.');
  failIfAny(check.errors);

  return inTransaction(ctx, async (tx) => {
    const locked = await lockActionItem(tx, id!);
    const { action, facts } = locked;
    if (!canWorkOnActionItem(ctx.viewer, facts, action.responsibleOrganizationId)) throw forbidden('Only the responsible organisation or the convener updates an action item.');
    const conveningChange = title !== null || description !== undefined || dueOn !== null || input.status === ActionItemStatus.CANCELLED;
    if (conveningChange && !canAssignActionItems(ctx.viewer, facts)) throw forbidden('Only the convener changes what is to be done, by when, or cancels it.');
    if (!OPEN_ACTION_STATUSES.includes(action.status)) fail('id', UserErrorCode.INVALID_TRANSITION, `A ${action.status} action item cannot be changed.`);
    await checkPeople(tx, action.responsibleOrganizationId, [
      { field: 'leaderUserId', userId: leaderId },
      { field: 'handlerUserId', userId: handlerId },
    ]);
    const changes: Partial<ActionItem> = {};
    if (title) changes.title = title;
    if (description !== undefined) changes.description = description;
    if (leaderId) changes.leaderUserId = leaderId;
    if (handlerId) changes.handlerUserId = handlerId;
    if (dueOn) changes.dueOn = dueOn;
    if (input.status) changes.status = input.status;
    await updateVersioned(tx, ActionItem, action.id, input.expectedVersion, changes, 'action item');
    const updated = await tx.em.findOneByOrFail(ActionItem, { id: action.id });
    tx.audit({ action: 'actionItemUpdate', recordType: 'ActionItem', recordId: action.id, details: changes });
    emitActionEvent(tx, locked, updated, 'actionItem.updated', { changed: Object.keys(changes), status: updated.status });
    return { actionItem: updated };
  });
}

export async function completeActionItem(ctx: AppContext, input: ActionItemCompleteInput): Promise<{ actionItem: ActionItem }> {
  const check = new InputCheck();
  const id = check.id('id', input.id, 'ActionItem', { required: true });
  const note = check.text('note', input.note, { max: 5000 });
  failIfAny(check.errors);

  return inTransaction(ctx, async (tx) => {
    const locked = await lockActionItem(tx, id!);
    const { action, facts } = locked;
    if (!canWorkOnActionItem(ctx.viewer, facts, action.responsibleOrganizationId)) throw forbidden('Only the responsible organisation or the convener completes an action item.');
    if (action.status === ActionItemStatus.DONE) fail('id', UserErrorCode.ALREADY_DONE, 'The action item is already done.');
    if (action.status === ActionItemStatus.CANCELLED) fail('id', UserErrorCode.INVALID_TRANSITION, 'A cancelled action item cannot be completed.');
    await updateVersioned(tx, ActionItem, action.id, input.expectedVersion, { status: ActionItemStatus.DONE, completedAt: clock.now(), completionNote: note }, 'action item');
    const updated = await tx.em.findOneByOrFail(ActionItem, { id: action.id });
    tx.audit({ action: 'actionItemComplete', recordType: 'ActionItem', recordId: action.id, details: { note } });
    emitActionEvent(tx, locked, updated, 'actionItem.completed', { status: updated.status });
    return { actionItem: updated };
  });
}
