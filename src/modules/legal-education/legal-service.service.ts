import type { AppContext } from '../../shared/context';
import { paginate, paginateArray, type ConnectionArgs, type Page } from '../../shared/relay/connection';
import { idOf } from '../../shared/relay/global-id';
import { clock } from '../../shared/clock';
import { forbidden, UserErrorCode } from '../../shared/errors';
import { fail, failIfAny, inTransaction } from '../../shared/transaction';
import { InputCheck } from '../../shared/validation';
import { areasById } from '../area/area.loaders';
import { jurisdictionOrganizationIdsByAreaId } from '../case/case.loaders';
import { findCase } from '../case/case.service';
import { Organization, OrganizationKind } from '../organization/organization.entity';
import { LegalConsultation, LegalConsultationOutcome, LegalServiceDuty, LegalServiceRoom } from './legal-service.entity';
import type { LegalConsultationLogInput, LegalServiceDutyAddInput, LegalServiceRoomOpenInput } from './legal-education.inputs';
import { legalServiceDutiesByRoomId, legalServiceRoomsById } from './legal-education.loaders';
import { canLogLegalConsultation, canRunLegalServiceRoom, canSeeLegalServiceRecords } from './legal-education.policy';
import { EDUCATION_TOPIC } from './legal-education.service';

const HOUR_MS = 3_600_000;

export async function findRoom(ctx: AppContext, id: string | null): Promise<LegalServiceRoom | null> {
  if (!id || !ctx.viewer.signedIn) return null;
  return legalServiceRoomsById(ctx).load(id);
}

/** Whether the viewer sees a room's consultations and its lawyers' phones. */
export async function seesRoomRecords(ctx: AppContext, room: LegalServiceRoom): Promise<boolean> {
  const [duties, jurisdiction] = await Promise.all([legalServiceDutiesByRoomId(ctx).load(room.id), jurisdictionOrganizationIdsByAreaId(ctx).load(room.areaId)]);
  return canSeeLegalServiceRecords(ctx.viewer, {
    roomOrganizationId: room.organizationId,
    lawyerOrganizationIds: duties.map((d) => d.lawyerOrganizationId).filter((id): id is string => !!id),
    jurisdictionOrganizationIds: jurisdiction,
  });
}

export async function openRoom(ctx: AppContext, input: LegalServiceRoomOpenInput): Promise<{ room: LegalServiceRoom }> {
  const check = new InputCheck();
  const organizationId = check.id('organizationId', input.organizationId, 'Organization', { required: true });
  const areaId = check.id('areaId', input.areaId, 'Area', { required: true });
  const name = check.text('name', input.name, { max: 200, required: true });
  const address = check.text('address', input.address, { max: 200 });
  const openingHours = check.text('openingHours', input.openingHours, { max: 200 });
  failIfAny(check.errors);
  if (!canRunLegalServiceRoom(ctx.viewer, organizationId!)) throw forbidden('Only members who act for the committee register its legal-service room.');
  const [organization, area, covering] = await Promise.all([
    ctx.app.db.getRepository(Organization).findOneBy({ id: organizationId! }),
    areasById(ctx).load(areaId!),
    jurisdictionOrganizationIdsByAreaId(ctx).load(areaId!),
  ]);
  if (!area) fail('areaId', UserErrorCode.NOT_FOUND, 'No Area with this id.');
  if (organization?.kind !== OrganizationKind.RESIDENT_COMMITTEE && organization?.kind !== OrganizationKind.VILLAGE_COMMITTEE) {
    fail('organizationId', UserErrorCode.NOT_PERMITTED_HERE, 'Community legal-service rooms are run by resident or village committees.');
  }
  if (!covering.includes(organization.id)) fail('areaId', UserErrorCode.NOT_PERMITTED_HERE, "The area lies outside the committee's jurisdiction.");
  return inTransaction(ctx, async (tx) => {
    const room = tx.em.create(LegalServiceRoom, { organizationId: organization.id, areaId: area.id, name: name!, address, openingHours });
    await tx.em.insert(LegalServiceRoom, room);
    tx.audit({ action: 'legalServiceRoomOpen', recordType: 'LegalServiceRoom', recordId: room.id, details: { areaId: area.id, name } });
    tx.emit({ topic: EDUCATION_TOPIC, type: 'legalService.roomOpened', areaPath: area.path, organizationIds: [organization.id, ...covering], payload: { legalServiceRoomId: room.id, name } });
    return { room: await tx.em.findOneByOrFail(LegalServiceRoom, { id: room.id }) };
  });
}

export async function addDuty(ctx: AppContext, input: LegalServiceDutyAddInput): Promise<{ duty: LegalServiceDuty }> {
  const check = new InputCheck();
  const roomId = check.id('roomId', input.roomId, 'LegalServiceRoom', { required: true });
  const lawyerName = check.text('lawyerName', input.lawyerName, { max: 100, required: true });
  const lawyerOrganizationId = check.id('lawyerOrganizationId', input.lawyerOrganizationId, 'Organization');
  const lawyerPhone = check.text('lawyerPhone', input.lawyerPhone, { max: 30 });
  const startsAt = new Date(input.startsAt);
  const endsAt = new Date(input.endsAt);
  if (endsAt <= startsAt) check.add('endsAt', UserErrorCode.DATE_ORDER, 'endsAt must lie after startsAt.');
  else if (endsAt.getTime() - startsAt.getTime() > 24 * HOUR_MS) check.add('endsAt', UserErrorCode.OUT_OF_RANGE, 'A duty lasts at most 24 hours.');
  failIfAny(check.errors);
  const room = await findRoom(ctx, roomId);
  if (!room) fail('roomId', UserErrorCode.NOT_FOUND, 'No LegalServiceRoom with this id.');
  if (!canRunLegalServiceRoom(ctx.viewer, room.organizationId)) throw forbidden("Only members who act for the room's committee keep its duty roster.");
  if (lawyerOrganizationId && !(await ctx.app.db.getRepository(Organization).existsBy({ id: lawyerOrganizationId }))) fail('lawyerOrganizationId', UserErrorCode.NOT_FOUND, 'No Organization with this id.');
  return inTransaction(ctx, async (tx) => {
    const duty = tx.em.create(LegalServiceDuty, { roomId: room.id, lawyerName: lawyerName!, lawyerOrganizationId, lawyerPhone, startsAt, endsAt });
    await tx.em.insert(LegalServiceDuty, duty);
    tx.audit({ action: 'legalServiceDutyAdd', recordType: 'LegalServiceDuty', recordId: duty.id, details: { roomId: room.id, lawyerName, lawyerOrganizationId, startsAt, endsAt } });
    tx.emit({
      topic: EDUCATION_TOPIC,
      type: 'legalService.dutyAdded',
      organizationIds: [room.organizationId, ...(lawyerOrganizationId ? [lawyerOrganizationId] : [])],
      payload: { legalServiceRoomId: room.id, legalServiceDutyId: duty.id, startsAt: startsAt.toISOString(), endsAt: endsAt.toISOString() },
    });
    return { duty: await tx.em.findOneByOrFail(LegalServiceDuty, { id: duty.id }) };
  });
}

/** Logs a consultation against the duty that covered its time (if any); no personal data of the person who asked is taken. */
export async function logConsultation(ctx: AppContext, input: LegalConsultationLogInput): Promise<{ consultation: LegalConsultation }> {
  const check = new InputCheck();
  const roomId = check.id('roomId', input.roomId, 'LegalServiceRoom', { required: true });
  const topic = check.text('topic', input.topic, { max: 200, required: true });
  const caseId = check.id('caseId', input.caseId, 'Case');
  const occurredAt = new Date(input.occurredAt);
  if (occurredAt > clock.now()) check.add('occurredAt', UserErrorCode.OUT_OF_RANGE, 'occurredAt lies in the future.');
  if (caseId && input.outcome !== LegalConsultationOutcome.CASE_OPENED) check.add('caseId', UserErrorCode.INVALID, 'Only a CASE_OPENED consultation links a case.');
  failIfAny(check.errors);
  const room = await findRoom(ctx, roomId);
  if (!room) fail('roomId', UserErrorCode.NOT_FOUND, 'No LegalServiceRoom with this id.');
  const duty = (await legalServiceDutiesByRoomId(ctx).load(room.id)).find((d) => d.startsAt <= occurredAt && d.endsAt > occurredAt) ?? null;
  if (!canLogLegalConsultation(ctx.viewer, room.organizationId, duty?.lawyerOrganizationId ?? null)) throw forbidden('Only the room\'s committee or the organisation of the lawyer on duty logs its consultations.');
  if (caseId && !(await findCase(ctx, caseId))) fail('caseId', UserErrorCode.NOT_FOUND, 'No Case with this id.');
  const area = await areasById(ctx).load(room.areaId);
  const covering = await jurisdictionOrganizationIdsByAreaId(ctx).load(room.areaId);
  return inTransaction(ctx, async (tx) => {
    const consultation = tx.em.create(LegalConsultation, { roomId: room.id, dutyId: duty?.id ?? null, occurredAt, topic: topic!, caseCategory: input.caseCategory ?? null, outcome: input.outcome, caseId, loggedByUserId: ctx.viewer.userId });
    await tx.em.insert(LegalConsultation, consultation);
    tx.audit({ action: 'legalConsultationLog', recordType: 'LegalConsultation', recordId: consultation.id, details: { roomId: room.id, dutyId: duty?.id ?? null, outcome: input.outcome, caseId } });
    tx.emit({
      topic: EDUCATION_TOPIC,
      type: 'legalService.consultationLogged',
      areaPath: area?.path ?? null,
      organizationIds: [room.organizationId, ...covering, ...(duty?.lawyerOrganizationId ? [duty.lawyerOrganizationId] : [])],
      payload: { legalServiceRoomId: room.id, legalConsultationId: consultation.id, outcome: input.outcome, caseCategory: input.caseCategory ?? null },
    });
    return { consultation: await tx.em.findOneByOrFail(LegalConsultation, { id: consultation.id }) };
  });
}

/** Community legal-service rooms in an area subtree, by name; none for an unknown area. */
export async function listRoomsInArea(ctx: AppContext, areaGlobalId: string, page: ConnectionArgs): Promise<Page<LegalServiceRoom>> {
  const areaId = idOf(areaGlobalId, 'Area');
  const area = areaId ? await areasById(ctx).load(areaId) : null;
  if (!area) return paginateArray([] as LegalServiceRoom[], page, (r) => r.id);
  const qb = ctx.app.db.getRepository(LegalServiceRoom).createQueryBuilder('r').where(`r.area_id IN (SELECT id FROM area WHERE path LIKE :path || '%')`, { path: area.path });
  return paginate(qb, page, [{ sql: 'r.name', value: (r) => r.name }, { sql: 'r.id', value: (r) => r.id }]);
}
