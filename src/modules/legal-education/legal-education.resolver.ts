import { Arg, Args, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { AppContext } from '../../shared/context';
import { Access, AccessLevel } from '../../shared/auth/policy';
import { Connection, ConnectionArgs, paginateArray, toConnection } from '../../shared/relay/connection';
import { idOf } from '../../shared/relay/global-id';
import { withUserErrors } from '../../shared/transaction';
import { Area } from '../area/area.entity';
import { areasById } from '../area/area.loaders';
import { Case, CaseCategory } from '../case/case.entity';
import { findCase } from '../case/case.service';
import { registerNodeType } from '../node/node.registry';
import { Organization } from '../organization/organization.entity';
import { organizationsById } from '../organization/organization.loaders';
import { LegalEducationActivity, LegalEducationEffect, LegalEducationEffectWindow, LegalEducationPlan, LegalEducationPlanProgress, LegalEducationStatus, LegalEducationTarget, LegalEducationTargetProgress } from './legal-education.entity';
import { LegalConsultation, LegalServiceDuty, LegalServiceRoom } from './legal-service.entity';
import { LegalConsultationLogInput, LegalConsultationPayload, LegalEducationActivityCancelInput, LegalEducationActivityPayload, LegalEducationActivityPlanInput, LegalEducationActivityReportInput, LegalEducationPlanPayload, LegalEducationPlanSetInput, LegalServiceDutyAddInput, LegalServiceDutyPayload, LegalServiceRoomOpenInput, LegalServiceRoomPayload } from './legal-education.inputs';
import { legalEducationEffect, planProgress } from './legal-education.figures';
import { explainedCaseIdsByActivityId, legalConsultationsById, legalConsultationsByRoomId, legalEducationActivitiesById, legalEducationPlansById, legalServiceDutiesById, legalServiceDutiesByRoomId, legalServiceRoomsById } from './legal-education.loaders';
import { cancelActivity, findActivity, findPlan, listActivities, planActivity, planOf, reportActivity, setPlan } from './legal-education.service';
import { addDuty, findRoom, listRoomsInArea, logConsultation, openRoom, seesRoomRecords } from './legal-service.service';

const ActivityConnection = Connection(LegalEducationActivity);
const RoomConnection = Connection(LegalServiceRoom);
const ConsultationConnection = Connection(LegalConsultation);

registerNodeType('LegalEducationActivity', (ctx, id) => findActivity(ctx, id));
registerNodeType('LegalEducationPlan', async (ctx, id) => (ctx.viewer.signedIn ? findPlan(ctx, await legalEducationPlansById(ctx).load(id)) : null));
registerNodeType('LegalServiceRoom', (ctx, id) => findRoom(ctx, id));
registerNodeType('LegalServiceDuty', async (ctx, id) => {
  const duty = ctx.viewer.signedIn ? await legalServiceDutiesById(ctx).load(id) : null;
  return duty && (await findRoom(ctx, duty.roomId)) ? duty : null;
});
registerNodeType('LegalConsultation', async (ctx, id) => {
  const consultation = ctx.viewer.signedIn ? await legalConsultationsById(ctx).load(id) : null;
  const room = consultation ? await findRoom(ctx, consultation.roomId) : null;
  return room && (await seesRoomRecords(ctx, room)) ? consultation : null;
});

const areaOf = (ctx: AppContext, id: string | null) => (id ? areasById(ctx).load(id) : null);

@Resolver(() => LegalEducationActivity)
export class LegalEducationActivityResolver {
  @Query(() => ActivityConnection, { description: 'Legal-education activities by start time, earliest first. Every signed-in user: activities are public work.' })
  @Access(AccessLevel.SIGNED_IN)
  async legalEducationActivities(
    @Ctx() ctx: AppContext,
    @Args() page: ConnectionArgs,
    @Arg('organizerOrganizationId', () => ID, { nullable: true, description: 'Only activities this organisation organised.' }) organizerOrganizationId?: string,
    @Arg('areaId', () => ID, { nullable: true, description: 'Only activities held in this area subtree.' }) areaId?: string,
    @Arg('statuses', () => [LegalEducationStatus], { nullable: true, description: 'Only activities in these states.' }) statuses?: LegalEducationStatus[],
    @Arg('startsFrom', () => Date, { nullable: true, description: 'Only activities starting at or after this time.' }) startsFrom?: Date,
    @Arg('startsBefore', () => Date, { nullable: true, description: 'Only activities starting before this time.' }) startsBefore?: Date,
  ) {
    return toConnection(await listActivities(ctx, { organizerOrganizationId, areaId, statuses, startsFrom, startsBefore }, page));
  }

  @Query(() => LegalEducationPlan, { nullable: true, description: "An organisation's plan for a year; null when there is none or you may not see it (the organisation, organisations that supervise or guide it, platform admins)." })
  @Access(AccessLevel.SIGNED_IN)
  legalEducationPlan(
    @Ctx() ctx: AppContext,
    @Arg('organizationId', () => ID, { description: 'The organisation.' }) organizationId: string,
    @Arg('year', () => Int, { description: 'The year.' }) year: number,
  ) {
    const id = idOf(organizationId, 'Organization');
    return id ? planOf(ctx, id, year) : null;
  }

  @Query(() => LegalEducationEffect, {
    nullable: true,
    description: 'Held activities whose related case category is the one asked (and whose topic contains `topic`), in an area subtree, beside the cases of that category reported there: month by month and before/after each activity. Null when the area is unknown or you may not see its case figures (organisations whose jurisdiction covers it, platform admins).',
  })
  @Access(AccessLevel.SIGNED_IN)
  legalEducationEffect(
    @Ctx() ctx: AppContext,
    @Arg('areaId', () => ID, { description: 'The area.' }) areaId: string,
    @Arg('caseCategory', () => CaseCategory, { description: 'The case category compared.' }) caseCategory: CaseCategory,
    @Arg('from', { description: 'First month (YYYY-MM, China Standard Time).' }) from: string,
    @Arg('to', { description: 'Last month, inclusive (at most 36 months after from).' }) to: string,
    @Arg('topic', () => String, { nullable: true, description: 'Only activities whose topic contains this text.' }) topic?: string,
    @Arg('windowDays', () => Int, { defaultValue: 90, description: 'Days of each before/after window (7-365).' }) windowDays = 90,
  ) {
    return legalEducationEffect(ctx, { areaId: idOf(areaId, 'Area'), caseCategory, topic, from, to, windowDays });
  }

  @Query(() => RoomConnection, { description: 'Community legal-service rooms in an area subtree, by name. Every signed-in user.' })
  @Access(AccessLevel.SIGNED_IN)
  async legalServiceRooms(@Ctx() ctx: AppContext, @Args() page: ConnectionArgs, @Arg('areaId', () => ID, { description: 'The area.' }) areaId: string) {
    return toConnection(await listRoomsInArea(ctx, areaId, page));
  }

  @Mutation(() => LegalEducationActivityPayload, { description: 'Announces a legal-education activity (PLANNED). Members who act for the organiser, which is responsible for it under 誰執法誰普法.' })
  @Access(AccessLevel.WRITE)
  legalEducationActivityPlan(@Ctx() ctx: AppContext, @Arg('input', { description: 'The activity.' }) input: LegalEducationActivityPlanInput) {
    return withUserErrors<LegalEducationActivityPayload>(() => planActivity(ctx, input));
  }

  @Mutation(() => LegalEducationActivityPayload, { description: 'Reports a held activity (attendance, materials, questions answered, cases explained): PLANNED or HELD becomes HELD. Members who act for the organiser.' })
  @Access(AccessLevel.WRITE)
  legalEducationActivityReport(@Ctx() ctx: AppContext, @Arg('input', { description: 'The report.' }) input: LegalEducationActivityReportInput) {
    return withUserErrors<LegalEducationActivityPayload>(() => reportActivity(ctx, input));
  }

  @Mutation(() => LegalEducationActivityPayload, { description: 'Cancels a planned activity. Members who act for the organiser.' })
  @Access(AccessLevel.WRITE)
  legalEducationActivityCancel(@Ctx() ctx: AppContext, @Arg('input', { description: 'The activity and why.' }) input: LegalEducationActivityCancelInput) {
    return withUserErrors<LegalEducationActivityPayload>(() => cancelActivity(ctx, input));
  }

  @Mutation(() => LegalEducationPlanPayload, { description: "Sets or replaces an organisation's annual legal-education plan. The organisation's ADMINs and platform admins." })
  @Access(AccessLevel.WRITE)
  legalEducationPlanSet(@Ctx() ctx: AppContext, @Arg('input', { description: 'The plan.' }) input: LegalEducationPlanSetInput) {
    return withUserErrors<LegalEducationPlanPayload>(() => setPlan(ctx, input));
  }

  @Mutation(() => LegalServiceRoomPayload, { description: 'Registers a community legal-service room (村(社區)公共法律服務工作室). Members who act for the resident or village committee whose jurisdiction holds the area.' })
  @Access(AccessLevel.WRITE)
  legalServiceRoomOpen(@Ctx() ctx: AppContext, @Arg('input', { description: 'The room.' }) input: LegalServiceRoomOpenInput) {
    return withUserErrors<LegalServiceRoomPayload>(() => openRoom(ctx, input));
  }

  @Mutation(() => LegalServiceDutyPayload, { description: "Adds a lawyer's duty to a room's roster. Members who act for the room's committee." })
  @Access(AccessLevel.WRITE)
  legalServiceDutyAdd(@Ctx() ctx: AppContext, @Arg('input', { description: 'The duty.' }) input: LegalServiceDutyAddInput) {
    return withUserErrors<LegalServiceDutyPayload>(() => addDuty(ctx, input));
  }

  @Mutation(() => LegalConsultationPayload, { description: "Logs a consultation at a room. Members who act for the room's committee or for the organisation of the lawyer on duty at the time." })
  @Access(AccessLevel.WRITE)
  legalConsultationLog(@Ctx() ctx: AppContext, @Arg('input', { description: 'The consultation.' }) input: LegalConsultationLogInput) {
    return withUserErrors<LegalConsultationPayload>(() => logConsultation(ctx, input));
  }

  @FieldResolver(() => Organization, { description: 'The organiser, responsible under 誰執法誰普法.' })
  organizer(@Root() activity: LegalEducationActivity, @Ctx() ctx: AppContext) {
    return organizationsById(ctx).load(activity.organizerOrganizationId);
  }

  @FieldResolver(() => Area, { description: 'The venue area.' })
  area(@Root() activity: LegalEducationActivity, @Ctx() ctx: AppContext) {
    return areasById(ctx).load(activity.areaId);
  }

  @FieldResolver(() => Int, { description: 'How many real cases it explained (以案釋法).' })
  async casesExplainedCount(@Root() activity: LegalEducationActivity, @Ctx() ctx: AppContext) {
    return (await explainedCaseIdsByActivityId(ctx).load(activity.id)).length;
  }

  @FieldResolver(() => [Case], { description: 'The cases it explained that you may see (the others are counted in casesExplainedCount only).' })
  async casesExplained(@Root() activity: LegalEducationActivity, @Ctx() ctx: AppContext) {
    const cases = await Promise.all((await explainedCaseIdsByActivityId(ctx).load(activity.id)).map((id) => findCase(ctx, id)));
    return cases.filter((c): c is Case => c !== null);
  }
}

@Resolver(() => LegalEducationPlan)
export class LegalEducationPlanResolver {
  @FieldResolver(() => Organization, { description: 'Whose plan it is.' })
  organization(@Root() plan: LegalEducationPlan, @Ctx() ctx: AppContext) {
    return organizationsById(ctx).load(plan.organizationId);
  }

  @FieldResolver(() => [LegalEducationTarget], { description: 'The targets by form and area.' })
  targets(@Root() plan: LegalEducationPlan) {
    return plan.targets.map((t) => Object.assign(new LegalEducationTarget(), t));
  }

  @FieldResolver(() => LegalEducationPlanProgress, { description: 'Plan versus done: held activities of the year against each target.' })
  progress(@Root() plan: LegalEducationPlan, @Ctx() ctx: AppContext) {
    return planProgress(ctx, plan);
  }
}

@Resolver(() => LegalEducationTarget)
export class LegalEducationTargetResolver {
  @FieldResolver(() => Area, { nullable: true, description: 'Only activities in this area subtree count; null: anywhere.' })
  area(@Root() target: LegalEducationTarget, @Ctx() ctx: AppContext) {
    return areaOf(ctx, target.areaId);
  }
}

@Resolver(() => LegalEducationTargetProgress)
export class LegalEducationTargetProgressResolver {
  @FieldResolver(() => Area, { nullable: true, description: "The target's area; null: anywhere." })
  area(@Root() target: LegalEducationTargetProgress, @Ctx() ctx: AppContext) {
    return areaOf(ctx, target.areaId);
  }
}

@Resolver(() => LegalEducationEffectWindow)
export class LegalEducationEffectWindowResolver {
  @FieldResolver(() => LegalEducationActivity, { description: 'The activity.' })
  activity(@Root() window: LegalEducationEffectWindow, @Ctx() ctx: AppContext) {
    return legalEducationActivitiesById(ctx).load(window.activityId);
  }
}

@Resolver(() => LegalServiceRoom)
export class LegalServiceRoomResolver {
  @FieldResolver(() => Organization, { description: 'The committee that runs it.' })
  organization(@Root() room: LegalServiceRoom, @Ctx() ctx: AppContext) {
    return organizationsById(ctx).load(room.organizationId);
  }

  @FieldResolver(() => Area, { description: 'The community or village it serves.' })
  area(@Root() room: LegalServiceRoom, @Ctx() ctx: AppContext) {
    return areasById(ctx).load(room.areaId);
  }

  @FieldResolver(() => [LegalServiceDuty], { description: 'The duty roster in a time range, earliest first (at most 200).' })
  async duties(
    @Root() room: LegalServiceRoom,
    @Ctx() ctx: AppContext,
    @Arg('from', () => Date, { nullable: true, description: 'Duties ending after this time; now when left out.' }) from?: Date,
    @Arg('to', () => Date, { nullable: true, description: 'Duties starting before this time; no bound when left out.' }) to?: Date,
  ) {
    const start = from ?? new Date();
    return (await legalServiceDutiesByRoomId(ctx).load(room.id)).filter((d) => d.endsAt > start && (!to || d.startsAt < to)).slice(0, 200);
  }

  @FieldResolver(() => ConsultationConnection, { nullable: true, description: "Consultations logged, newest first; null unless you may see them (the room's committee, the lawyers' organisations, organisations whose jurisdiction covers the area, platform admins)." })
  async consultations(@Root() room: LegalServiceRoom, @Ctx() ctx: AppContext, @Args() page: ConnectionArgs) {
    if (!(await seesRoomRecords(ctx, room))) return null;
    return toConnection(paginateArray(await legalConsultationsByRoomId(ctx).load(room.id), page, (c) => c.id));
  }
}

@Resolver(() => LegalServiceDuty)
export class LegalServiceDutyResolver {
  @FieldResolver(() => LegalServiceRoom, { description: 'The room.' })
  room(@Root() duty: LegalServiceDuty, @Ctx() ctx: AppContext) {
    return legalServiceRoomsById(ctx).load(duty.roomId);
  }

  @FieldResolver(() => Organization, { nullable: true, description: 'The firm or legal-service organisation the lawyer comes from.' })
  lawyerOrganization(@Root() duty: LegalServiceDuty, @Ctx() ctx: AppContext) {
    return duty.lawyerOrganizationId ? organizationsById(ctx).load(duty.lawyerOrganizationId) : null;
  }

  @FieldResolver(() => String, { nullable: true, description: "The lawyer's booking phone; null unless you may see the room's records." })
  async lawyerPhone(@Root() duty: LegalServiceDuty, @Ctx() ctx: AppContext) {
    const room = await legalServiceRoomsById(ctx).load(duty.roomId);
    return room && (await seesRoomRecords(ctx, room)) ? duty.lawyerPhone : null;
  }
}

@Resolver(() => LegalConsultation)
export class LegalConsultationResolver {
  @FieldResolver(() => LegalServiceRoom, { description: 'The room.' })
  room(@Root() consultation: LegalConsultation, @Ctx() ctx: AppContext) {
    return legalServiceRoomsById(ctx).load(consultation.roomId);
  }

  @FieldResolver(() => LegalServiceDuty, { nullable: true, description: 'The duty it fell in; null when no lawyer was on duty.' })
  duty(@Root() consultation: LegalConsultation, @Ctx() ctx: AppContext) {
    return consultation.dutyId ? legalServiceDutiesById(ctx).load(consultation.dutyId) : null;
  }

  @FieldResolver(() => Case, { nullable: true, description: 'The case opened from it; null when none or you may not see it.' })
  case(@Root() consultation: LegalConsultation, @Ctx() ctx: AppContext) {
    return findCase(ctx, consultation.caseId);
  }
}

export const legalEducationResolvers = [
  LegalEducationActivityResolver,
  LegalEducationPlanResolver,
  LegalEducationTargetResolver,
  LegalEducationTargetProgressResolver,
  LegalEducationEffectWindowResolver,
  LegalServiceRoomResolver,
  LegalServiceDutyResolver,
  LegalConsultationResolver,
] as const;

