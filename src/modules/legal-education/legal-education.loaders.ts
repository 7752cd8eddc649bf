import { In } from 'typeorm';
import { defineByIdLoader, defineLoader, groupByKey } from '../../shared/loaders';
import { LegalEducationActivity, LegalEducationCase, LegalEducationPlan } from './legal-education.entity';
import { LegalConsultation, LegalServiceDuty, LegalServiceRoom } from './legal-service.entity';

export const legalEducationActivitiesById = defineByIdLoader(LegalEducationActivity);
export const legalEducationPlansById = defineByIdLoader(LegalEducationPlan);
export const legalServiceRoomsById = defineByIdLoader(LegalServiceRoom);
export const legalServiceDutiesById = defineByIdLoader(LegalServiceDuty);
export const legalConsultationsById = defineByIdLoader(LegalConsultation);

/** Ids of the cases each activity explained (以案釋法). */
export const explainedCaseIdsByActivityId = defineLoader<string, string[]>(async (ids, ctx) => {
  const rows = await ctx.app.db.getRepository(LegalEducationCase).find({ where: { activityId: In([...ids]) }, order: { caseId: 'ASC' } });
  return groupByKey(ids, rows, (r) => r.activityId).map((group) => group.map((r) => r.caseId));
});

/** The duty roster of each room, earliest first. */
export const legalServiceDutiesByRoomId = defineLoader<string, LegalServiceDuty[]>(async (ids, ctx) => {
  const rows = await ctx.app.db.getRepository(LegalServiceDuty).find({ where: { roomId: In([...ids]) }, order: { startsAt: 'ASC', id: 'ASC' } });
  return groupByKey(ids, rows, (d) => d.roomId);
});

/** Consultations logged at each room, newest first. */
export const legalConsultationsByRoomId = defineLoader<string, LegalConsultation[]>(async (ids, ctx) => {
  const rows = await ctx.app.db.getRepository(LegalConsultation).find({ where: { roomId: In([...ids]) }, order: { occurredAt: 'DESC', id: 'ASC' } });
  return groupByKey(ids, rows, (c) => c.roomId);
});
