import { LocalDateResolver } from 'graphql-scalars';
import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Args, Ctx, FieldResolver, Float, ID, Info, Int, Mutation, Query, Resolver, Root, Subscription } from 'type-graphql';
import type { AppContext } from '../../shared/context';
import { Access, AccessLevel } from '../../shared/auth/policy';
import { clock, isLocalDate, today } from '../../shared/clock';
import { badUserInput, notFound } from '../../shared/errors';
import type { EventRecord } from '../../shared/events/event.entity';
import { eventStream, parseCursor } from '../../shared/events/event-stream';
import { Connection, ConnectionArgs, paginateArray, toConnection } from '../../shared/relay/connection';
import { filterId, idOf, NO_MATCH, toGlobalId } from '../../shared/relay/global-id';
import { withUserErrors } from '../../shared/transaction';
import { REOPEN_WINDOW_DAYS, giveCaseFeedback } from './case.feedback';
import { Area } from '../area/area.entity';
import { areasById } from '../area/area.loaders';
import { registerNodeType } from '../node/node.registry';
import { Organization } from '../organization/organization.entity';
import { organizationsById } from '../organization/organization.loaders';
import { User } from '../user/user.entity';
import { usersById } from '../user/user.loaders';
import { Case, CaseCategory, CaseChannel, CaseEvent, CaseEventVisibility, CaseStatus, DisposalPlanPhase, IllegalConstructionLedgerRecord, OPEN_STATUSES, isMajorDispute } from './case.entity';
import {
  CaseAssignInput,
  CaseAssignPayload,
  CaseClosePayload,
  CaseCloseInput,
  CaseCommentInput,
  CaseCommentPayload,
  CaseDisposalPhaseCompleteInput,
  CaseDisposalPhaseCompletePayload,
  CaseDisposalPlanSetInput,
  CaseDisposalPlanSetPayload,
  CaseLedgerSetInput,
  CaseLedgerSetPayload,
  CaseMergeInput,
  CaseMergePayload,
  CaseReassignPayload,
  CaseReopenInput,
  CaseFeedbackInput,
  CaseFeedbackPayload,
  CaseReopenPayload,
  CaseReportInput,
  CaseReportPayload,
  CaseResolveInput,
  CaseResolvePayload,
  CaseStartPayload,
  CaseStepInput,
  CaseSuperviseInput,
  CaseSupervisePayload,
  CaseTriageInput,
  CaseTriagePayload,
} from './case.inputs';
import {
  caseEventsByCaseId,
  caseEventsById,
  caseFollowersByCaseId,
  casesById,
  disposalPhasesByCaseId,
  disposalPhasesById,
  jurisdictionOrganizationIdsByAreaId,
  ledgerRecordsByCaseId,
  publicCaseEventsByCaseId,
} from './case.loaders';
import { canSeeReporterContact } from './case.policy';
import { accessTo, caseFacts, findCase, knownAccess, listCases, listDisputeScreening, listLedger, listMyQueue, reportCase } from './case.service';
import { assignCase, closeCase, commentOnCase, mergeCases, reassignCase, reopenCase, resolveCase, startCase, superviseCase, triageCase } from './case.transitions';
import { completeDisposalPhase, setDisposalPlan, setLedger } from './case.ledger';
import { CaseUpdate, toCaseUpdate } from './case.types';
import { COUNT_BOUND } from './case.lists';
import { readCasesPlanned } from './case.read-plan';
import { planned } from '../../shared/read-plan/planned';
import './case.jobs';

const CaseConnection = Connection(Case, 'Case', {
  boundedCount: `Number of cases in the whole list, across all pages: exact up to ${COUNT_BOUND.toLocaleString('en')}; above that an estimate from the database's statistics (never below ${(COUNT_BOUND + 1).toLocaleString('en')}), and \`totalCountIsExact\` is false. Computed only when selected.`,
});
const CaseEventConnection = Connection(CaseEvent);
const DisposalPlanPhaseConnection = Connection(DisposalPlanPhase);
const LedgerConnection = Connection(IllegalConstructionLedgerRecord);


registerNodeType('Case', (ctx, id) => findCase(ctx, id));
// A disposal-plan phase is part of the ledger: visible to those who see the whole case, like the ledger itself.
// A timeline entry is seen as the timeline is: whole by those with full access, public steps by the reporter.
registerNodeType('CaseEvent', async (ctx, id) => {
  const entry = await caseEventsById(ctx).load(id);
  const record = entry ? await casesById(ctx).load(entry.caseId) : null;
  const access = record ? await accessTo(ctx, record) : 'NONE';
  return access === 'FULL' || (access === 'PUBLIC' && entry!.visibility === CaseEventVisibility.PUBLIC) ? entry : null;
});
// The ledger is shown to viewers with full access to the case only (a reporter gets null), like Case.illegalConstruction.
registerNodeType('IllegalConstructionLedgerRecord', async (ctx, id) => {
  const record = await casesById(ctx).load(id);
  return record && (await accessTo(ctx, record)) === 'FULL' ? ledgerRecordsByCaseId(ctx).load(id) : null;
});
registerNodeType('DisposalPlanPhase', async (ctx, id) => {
  const phase = await disposalPhasesById(ctx).load(id);
  const record = phase ? await casesById(ctx).load(phase.caseId) : null;
  return record && (await accessTo(ctx, record)) === 'FULL' ? phase : null;
});

type P<T extends abstract new (...args: never) => unknown> = InstanceType<T>;

/** Planned rows answer at once (no promise per field); otherwise the loader. */
function organizationOf(ctx: AppContext, id: string): Organization | Promise<Organization | null> {
  return planned<Organization>(ctx, 'Organization', id) ?? organizationsById(ctx).load(id);
}

/** A user shown only to viewers who see the whole case (leader, handler); at once when access and row are known. */
function userOfWholeCase(ctx: AppContext, record: Case, userId: string): User | null | Promise<User | null> {
  const user = () => planned<User>(ctx, 'User', userId) ?? usersById(ctx).load(userId);
  const access = knownAccess(ctx, record);
  if (access) return access === 'FULL' ? user() : null;
  return accessTo(ctx, record).then((a) => (a === 'FULL' ? user() : null));
}

/** What a page of replayed case updates reads: the cases, their audiences (jurisdiction, followers) and timeline entries, batched. */
async function prefetchCaseUpdates(ctx: AppContext, events: EventRecord[]): Promise<void> {
  const ids = (key: string) => [...new Set(events.map((e) => e.payload[key]).filter((v): v is string => typeof v === 'string'))];
  const caseIds = ids('caseId');
  const [cases] = await Promise.all([casesById(ctx).loadMany(caseIds), caseFollowersByCaseId(ctx).loadMany(caseIds), caseEventsById(ctx).loadMany(ids('caseEventId'))]);
  const areaIds = [...new Set(cases.flatMap((c) => (c instanceof Case ? [c.areaId] : [])))];
  await jurisdictionOrganizationIdsByAreaId(ctx).loadMany(areaIds);
}

@Resolver(() => Case)
export class CaseResolver {
  // ---------- queries ----------

  @Query(() => CaseConnection, { description: 'Cases the viewer may see, newest first: own reports, cases of organisations the viewer belongs to (responsible, supervising, or with jurisdiction over the area). Platform admins see all.' })
  @Access(AccessLevel.SIGNED_IN)
  async cases(
    @Ctx() ctx: AppContext,
    @Args() page: ConnectionArgs,
    @Arg('withinAreaId', () => ID, { nullable: true, description: 'Only cases in this area or below it.' }) withinAreaId?: string,
    @Arg('categories', () => [CaseCategory], { nullable: true, description: 'Only cases of these categories.' }) categories?: CaseCategory[],
    @Arg('statuses', () => [CaseStatus], { nullable: true, description: 'Only cases in these statuses.' }) statuses?: CaseStatus[],
    @Arg('channels', () => [CaseChannel], { nullable: true, description: 'Only cases that came through these channels.' }) channels?: CaseChannel[],
    @Arg('overdue', () => Boolean, { nullable: true, description: 'true: only open cases past their due date; false: only the others.' }) overdue?: boolean,
    @Arg('assignedToMe', () => Boolean, { nullable: true, description: 'Only cases the viewer leads or handles.' }) assignedToMe?: boolean,
    @Arg('myOrganizations', () => Boolean, { nullable: true, description: "Only cases assigned to one of the viewer's organisations." }) myOrganizations?: boolean,
    @Arg('supervised', () => Boolean, { nullable: true, description: 'true: only publicly supervised cases (掛牌督辦); false: only the others.' }) supervised?: boolean,
    @Arg('updatedSince', () => Date, { nullable: true, description: 'Only cases changed at or after this time, for partners catching up by polling.' }) updatedSince?: Date,
    @Info() info?: GraphQLResolveInfo,
  ) {
    const filter = { withinAreaId: filterId(withinAreaId, 'Area'), categories, statuses, channels, overdue, assignedToMe, myOrganizations, supervised, updatedSince };
    return toConnection((info && (await readCasesPlanned(ctx, filter, page, info))) || (await listCases(ctx, filter, page)));
  }

  @Query(() => Case, { nullable: true, description: 'One case; null when the id is unknown or the viewer may not see it.' })
  @Access(AccessLevel.SIGNED_IN)
  case(@Ctx() ctx: AppContext, @Arg('id', () => ID, { description: 'Global id.' }) id: string) {
    return findCase(ctx, idOf(id, 'Case'));
  }

  @Query(() => CaseConnection, { description: 'What the viewer should act on, most urgent first: open cases they lead or handle, and cases waiting for triage or assignment in the jurisdiction of organisations they act for.' })
  @Access(AccessLevel.SIGNED_IN)
  async myCaseQueue(@Ctx() ctx: AppContext, @Args() page: ConnectionArgs) {
    return toConnection(await listMyQueue(ctx, page));
  }

  @Query(() => CaseConnection, { description: 'Weekly dispute screening (矛盾糾紛排查): DISPUTE cases of the area subtree open at some time during the week, major disputes first.' })
  @Access(AccessLevel.SIGNED_IN)
  async disputeScreening(
    @Ctx() ctx: AppContext,
    @Args() page: ConnectionArgs,
    @Arg('areaId', () => ID, { description: 'The area; its subtree counts.' }) areaId: string,
    @Arg('weekOf', () => LocalDateResolver, { description: 'Any day of the week (Monday to Sunday, China Standard Time).' }) weekOf: string,
  ) {
    if (!isLocalDate(weekOf)) throw badUserInput('weekOf must be a date (YYYY-MM-DD)');
    return toConnection(await listDisputeScreening(ctx, idOf(areaId, 'Area') ?? NO_MATCH, weekOf, page));
  }

  @Query(() => LedgerConnection, { description: 'The illegal-construction ledger (臺賬) of an area subtree with disposal-plan progress, newest case first; cases the viewer handles, supervises or has jurisdiction over.' })
  @Access(AccessLevel.SIGNED_IN)
  async illegalConstructionLedger(
    @Ctx() ctx: AppContext,
    @Args() page: ConnectionArgs,
    @Arg('areaId', () => ID, { description: 'The area; its subtree counts.' }) areaId: string,
  ) {
    return toConnection(await listLedger(ctx, idOf(areaId, 'Area') ?? NO_MATCH, page));
  }

  // ---------- mutations ----------

  @Mutation(() => CaseReportPayload, { description: 'Reports a case. Signed-in people (as reporter, or anonymously) and partner systems with write scope (for their organisation; the same externalId twice yields one case).' })
  @Access(AccessLevel.WRITE)
  caseReport(@Ctx() ctx: AppContext, @Arg('input', { description: 'The report.' }) input: CaseReportInput) {
    // A refused input is not a replay either.
    return withUserErrors<CaseReportPayload>(() => reportCase(ctx, input)).then((payload) => ({ ...payload, replayed: payload.replayed ?? false }));
  }

  @Mutation(() => CaseTriagePayload, { description: 'Settles category, severity and due date of a REPORTED case (TRIAGED, or ASSIGNED when a responsible unit, leader and handler are given, which a major dispute requires). Organisations whose jurisdiction covers the area.' })
  @Access(AccessLevel.WRITE)
  caseTriage(@Ctx() ctx: AppContext, @Arg('input', { description: 'The triage.' }) input: CaseTriageInput) {
    return withUserErrors<P<typeof CaseTriagePayload>>(() => triageCase(ctx, input));
  }

  @Mutation(() => CaseAssignPayload, { description: 'Assigns a TRIAGED case to a responsible organisation, leader and handler. Organisations whose jurisdiction covers the area.' })
  @Access(AccessLevel.WRITE)
  caseAssign(@Ctx() ctx: AppContext, @Arg('input', { description: 'The assignment.' }) input: CaseAssignInput) {
    return withUserErrors<P<typeof CaseAssignPayload>>(() => assignCase(ctx, input));
  }

  @Mutation(() => CaseReassignPayload, { description: 'Changes the responsible organisation, leader or handler of an ASSIGNED, IN_PROGRESS or REOPENED case; it becomes ASSIGNED. Organisations whose jurisdiction covers the area.' })
  @Access(AccessLevel.WRITE)
  caseReassign(@Ctx() ctx: AppContext, @Arg('input', { description: 'The new assignment.' }) input: CaseAssignInput) {
    return withUserErrors<P<typeof CaseReassignPayload>>(() => reassignCase(ctx, input));
  }

  @Mutation(() => CaseStartPayload, { description: 'Starts work on an ASSIGNED or REOPENED case. The responsible organisation (and dispatchers).' })
  @Access(AccessLevel.WRITE)
  caseStart(@Ctx() ctx: AppContext, @Arg('input', { description: 'The case.' }) input: CaseStepInput) {
    return withUserErrors<P<typeof CaseStartPayload>>(() => startCase(ctx, input));
  }

  @Mutation(() => CaseCommentPayload, { description: 'Adds a comment to the timeline, internal or visible to the reporter. Acting members of the handling organisations; reporters (visible comments only).' })
  @Access(AccessLevel.WRITE)
  caseComment(@Ctx() ctx: AppContext, @Arg('input', { description: 'The comment.' }) input: CaseCommentInput) {
    return withUserErrors<P<typeof CaseCommentPayload>>(() => commentOnCase(ctx, input));
  }

  @Mutation(() => CaseResolvePayload, { description: 'Records the resolution of an IN_PROGRESS case. The responsible organisation (and dispatchers).' })
  @Access(AccessLevel.WRITE)
  caseResolve(@Ctx() ctx: AppContext, @Arg('input', { description: 'The resolution.' }) input: CaseResolveInput) {
    return withUserErrors<P<typeof CaseResolvePayload>>(() => resolveCase(ctx, input));
  }

  @Mutation(() => CaseClosePayload, { description: 'Closes a RESOLVED case. Handling and supervising organisations. The rating is not theirs to give: the reporter rates with caseFeedback.' })
  @Access(AccessLevel.WRITE)
  caseClose(@Ctx() ctx: AppContext, @Arg('input', { description: 'The closure.' }) input: CaseCloseInput) {
    return withUserErrors<P<typeof CaseClosePayload>>(() => closeCase(ctx, input));
  }

  @Mutation(() => CaseReopenPayload, { description: 'Reopens a RESOLVED or CLOSED case with a new due date. Handling and supervising organisations.' })
  @Access(AccessLevel.WRITE)
  caseReopen(@Ctx() ctx: AppContext, @Arg('input', { description: 'The reason.' }) input: CaseReopenInput) {
    return withUserErrors<P<typeof CaseReopenPayload>>(() => reopenCase(ctx, input));
  }

  @Mutation(() => CaseFeedbackPayload, {
    description: `The reporter's say on a RESOLVED or CLOSED case: confirmed or disputed, a rating of 1-5, and (disputed, within ${REOPEN_WINDOW_DAYS} days of the resolution) a reopening. Only the person who reported the case; the handling organisations cannot rate their own work.`,
  })
  @Access(AccessLevel.WRITE)
  caseFeedback(@Ctx() ctx: AppContext, @Arg('input', { description: 'The verdict, rating and whether to reopen.' }) input: CaseFeedbackInput) {
    return withUserErrors<P<typeof CaseFeedbackPayload>>(() => giveCaseFeedback(ctx, input));
  }

  @Mutation(() => CaseMergePayload, { description: "Merges an open duplicate into the original: the duplicate is CLOSED and its reporter follows the original. Returns the original. Organisations whose jurisdiction covers both cases' areas." })
  @Access(AccessLevel.WRITE)
  caseMerge(@Ctx() ctx: AppContext, @Arg('input', { description: 'Duplicate and original.' }) input: CaseMergeInput) {
    return withUserErrors<P<typeof CaseMergePayload>>(() => mergeCases(ctx, input));
  }

  @Mutation(() => CaseSupervisePayload, { description: 'Puts a case under public supervision (掛牌督辦) by a supervising organisation, which then sees it and its escalations. Organisations whose jurisdiction covers the area.' })
  @Access(AccessLevel.WRITE)
  caseSupervise(@Ctx() ctx: AppContext, @Arg('input', { description: 'The supervision.' }) input: CaseSuperviseInput) {
    return withUserErrors<P<typeof CaseSupervisePayload>>(() => superviseCase(ctx, input));
  }

  @Mutation(() => CaseLedgerSetPayload, { description: 'Writes the ledger record (臺賬) of an ILLEGAL_CONSTRUCTION case. The responsible organisation and dispatchers.' })
  @Access(AccessLevel.WRITE)
  caseLedgerSet(@Ctx() ctx: AppContext, @Arg('input', { description: 'The ledger record.' }) input: CaseLedgerSetInput) {
    return withUserErrors<P<typeof CaseLedgerSetPayload>>(() => setLedger(ctx, input));
  }

  @Mutation(() => CaseDisposalPlanSetPayload, { description: 'Sets the phased disposal plan of an illegal construction (its open phases; completed ones stay). The responsible organisation and dispatchers.' })
  @Access(AccessLevel.WRITE)
  caseDisposalPlanSet(@Ctx() ctx: AppContext, @Arg('input', { description: 'The plan.' }) input: CaseDisposalPlanSetInput) {
    return withUserErrors<P<typeof CaseDisposalPlanSetPayload>>(() => setDisposalPlan(ctx, input));
  }

  @Mutation(() => CaseDisposalPhaseCompletePayload, { description: 'Marks a disposal-plan phase completed. The responsible organisation and dispatchers.' })
  @Access(AccessLevel.WRITE)
  caseDisposalPhaseComplete(@Ctx() ctx: AppContext, @Arg('input', { description: 'The phase.' }) input: CaseDisposalPhaseCompleteInput) {
    return withUserErrors<P<typeof CaseDisposalPhaseCompletePayload>>(() => completeDisposalPhase(ctx, input));
  }

  // ---------- fields ----------

  @FieldResolver(() => Area, { description: 'Where the case happens.' })
  area(@Root() record: Case, @Ctx() ctx: AppContext) {
    return planned<Area>(ctx, 'Area', record.areaId) ?? areasById(ctx).load(record.areaId);
  }

  @FieldResolver(() => Boolean, { description: 'Whether the viewer sees the whole case (internal timeline, leader, handler); false for a reporter, who sees the public part.' })
  async viewerSeesInternal(@Root() record: Case, @Ctx() ctx: AppContext) {
    return (await accessTo(ctx, record)) === 'FULL';
  }

  @FieldResolver(() => Boolean, { description: 'Whether the case was reported without a named reporter.' })
  anonymous(@Root() record: Case) {
    return record.reporterUserId === null;
  }

  @FieldResolver(() => User, { nullable: true, description: 'Who reported it; null when anonymous, or for viewers other than the reporter and the handling organisations.' })
  async reporter(@Root() record: Case, @Ctx() ctx: AppContext) {
    if (!record.reporterUserId) return null;
    if (record.reporterUserId !== ctx.viewer.userId && (await accessTo(ctx, record)) !== 'FULL') return null;
    return usersById(ctx).load(record.reporterUserId);
  }

  @FieldResolver(() => Organization, { nullable: true, description: 'The partner organisation whose system reported it, if any.' })
  reporterOrganization(@Root() record: Case, @Ctx() ctx: AppContext) {
    return record.reporterOrganizationId ? organizationsById(ctx).load(record.reporterOrganizationId) : null;
  }

  @FieldResolver(() => String, { nullable: true, description: 'How to reach an anonymous reporter; shown only to the handling organisations (responsible, and with jurisdiction) and platform admins.' })
  async reporterContact(@Root() record: Case, @Ctx() ctx: AppContext) {
    if (!record.reporterContact) return null;
    return canSeeReporterContact(ctx.viewer, await caseFacts(ctx, record)) ? record.reporterContact : null;
  }

  @FieldResolver(() => Organization, { nullable: true, description: 'The responsible organisation (定單位), once assigned.' })
  responsibleOrganization(@Root() record: Case, @Ctx() ctx: AppContext) {
    return record.responsibleOrganizationId ? organizationOf(ctx, record.responsibleOrganizationId) : null;
  }

  @FieldResolver(() => User, { nullable: true, description: 'The responsible leader (定領導); null until assigned, and for reporters.' })
  leader(@Root() record: Case, @Ctx() ctx: AppContext) {
    return record.leaderUserId ? userOfWholeCase(ctx, record, record.leaderUserId) : null;
  }

  @FieldResolver(() => User, { nullable: true, description: 'The handler (定責任人); null until assigned, and for reporters.' })
  handler(@Root() record: Case, @Ctx() ctx: AppContext) {
    return record.handlerUserId ? userOfWholeCase(ctx, record, record.handlerUserId) : null;
  }

  @FieldResolver(() => Organization, { nullable: true, description: 'The organisation supervising the case publicly (掛牌督辦), if any.' })
  supervisingOrganization(@Root() record: Case, @Ctx() ctx: AppContext) {
    return record.supervisingOrganizationId ? organizationOf(ctx, record.supervisingOrganizationId) : null;
  }

  @FieldResolver(() => Boolean, { description: 'Whether the case is under public supervision (掛牌督辦).' })
  supervised(@Root() record: Case) {
    return record.supervisingOrganizationId !== null;
  }

  @FieldResolver(() => Boolean, { description: 'Whether the case is still open past its due date.' })
  overdue(@Root() record: Case) {
    return OPEN_STATUSES.includes(record.status) && record.dueAt.getTime() < clock.now().getTime();
  }

  @FieldResolver(() => Boolean, { description: 'Whether the case is a major dispute (a DISPUTE of HIGH or CRITICAL severity), which needs a responsible unit, leader and handler at triage.' })
  majorDispute(@Root() record: Case) {
    return isMajorDispute(record.category, record.severity);
  }

  @FieldResolver(() => Date, { nullable: true, description: 'When the case was escalated for passing its due date; null when it was not (for the current due date). Null for reporters.' })
  async escalatedAt(@Root() record: Case, @Ctx() ctx: AppContext) {
    return record.escalatedAt && (await accessTo(ctx, record)) === 'FULL' ? record.escalatedAt : null;
  }

  @FieldResolver(() => Case, { nullable: true, description: 'The original case this duplicate was merged into, if the viewer may see it.' })
  mergedInto(@Root() record: Case, @Ctx() ctx: AppContext) {
    return record.mergedIntoId ? findCase(ctx, record.mergedIntoId) : null;
  }

  @FieldResolver(() => ID, { nullable: true, description: 'Global id of the patrol that raised the case as an incident, for the handling organisations.' })
  async patrolId(@Root() record: Case, @Ctx() ctx: AppContext) {
    return record.patrolId && (await accessTo(ctx, record)) === 'FULL' ? toGlobalId('Patrol', record.patrolId) : null;
  }

  @FieldResolver(() => CaseEventConnection, { description: 'Every step of the case, oldest first (append-only). Reporters see the public steps only.' })
  async timeline(@Root() record: Case, @Ctx() ctx: AppContext, @Args() page: ConnectionArgs) {
    const access = await accessTo(ctx, record);
    const loader = access === 'FULL' ? caseEventsByCaseId : publicCaseEventsByCaseId;
    return toConnection(await loader(ctx, record.id, page));
  }

  @FieldResolver(() => IllegalConstructionLedgerRecord, { nullable: true, description: 'The ledger record (臺賬) of an illegal-construction case, with its disposal plan; null when none is recorded, and for reporters.' })
  async illegalConstruction(@Root() record: Case, @Ctx() ctx: AppContext) {
    if (record.category !== CaseCategory.ILLEGAL_CONSTRUCTION || (await accessTo(ctx, record)) !== 'FULL') return null;
    return ledgerRecordsByCaseId(ctx).load(record.id);
  }

  // ---------- subscription ----------

  @Subscription(() => CaseUpdate, {
    description: 'Changes to cases in an area subtree, for the organisations that may see them (and their reporters, public steps only). Replays what came after `after` first, then goes live.',
    subscribe: async ({ args, context }) => {
      const ctx = context as AppContext;
      const cursor = parseCursor(args.after);
      const areaId = idOf(args.areaId as string, 'Area');
      const area = areaId ? await areasById(ctx).load(areaId) : null;
      if (!area) throw notFound('Area');
      return eventStream(ctx, { topic: 'case', areaPathPrefix: area.path, prefetch: prefetchCaseUpdates }, cursor);
    },
  })
  @Access(AccessLevel.SIGNED_IN)
  caseUpdates(
    @Root() event: EventRecord,
    @Arg('areaId', () => ID, { description: 'The area; its subtree counts.' }) _areaId: string,
    @Arg('after', () => String, { nullable: true, description: 'Cursor of the last update you have; omit to receive only new updates.' }) _after?: string,
  ): CaseUpdate {
    return toCaseUpdate(event);
  }
}

@Resolver(() => CaseUpdate)
export class CaseUpdateResolver {
  @FieldResolver(() => Case, { nullable: true, description: 'The case as it is now; null when the viewer may no longer see it.' })
  case(@Root() update: CaseUpdate, @Ctx() ctx: AppContext) {
    const id = update.event.payload.caseId;
    return typeof id === 'string' ? findCase(ctx, id) : null;
  }

  @FieldResolver(() => CaseEvent, { nullable: true, description: 'The timeline step this update is about.' })
  async timelineEntry(@Root() update: CaseUpdate, @Ctx() ctx: AppContext) {
    const id = update.event.payload.caseEventId;
    return typeof id === 'string' ? caseEventsById(ctx).load(id) : null;
  }
}

@Resolver(() => CaseEvent)
export class CaseEventResolver {
  @FieldResolver(() => User, { nullable: true, description: 'Who took the step; null for system steps, partner systems, and for reporters unless it was them.' })
  async actor(@Root() entry: CaseEvent, @Ctx() ctx: AppContext) {
    if (!entry.actorUserId) return null;
    if (entry.actorUserId !== ctx.viewer.userId) {
      const record = await casesById(ctx).load(entry.caseId);
      if (!record || (await accessTo(ctx, record)) !== 'FULL') return null;
    }
    return usersById(ctx).load(entry.actorUserId);
  }
}

@Resolver(() => IllegalConstructionLedgerRecord)
export class IllegalConstructionLedgerResolver {
  @FieldResolver(() => Case, { description: 'The case.' })
  case(@Root() record: IllegalConstructionLedgerRecord, @Ctx() ctx: AppContext) {
    return casesById(ctx).load(record.caseId);
  }

  @FieldResolver(() => DisposalPlanPhaseConnection, { description: 'The disposal plan, phase by phase.' })
  async disposalPlan(@Root() record: IllegalConstructionLedgerRecord, @Ctx() ctx: AppContext, @Args() page: ConnectionArgs) {
    return toConnection(paginateArray(await disposalPhasesByCaseId(ctx).load(record.caseId), page, (p) => p.id));
  }

  @FieldResolver(() => Int, { description: 'Number of phases in the plan.' })
  async phaseCount(@Root() record: IllegalConstructionLedgerRecord, @Ctx() ctx: AppContext) {
    return (await disposalPhasesByCaseId(ctx).load(record.caseId)).length;
  }

  @FieldResolver(() => Int, { description: 'Number of completed phases.' })
  async completedPhaseCount(@Root() record: IllegalConstructionLedgerRecord, @Ctx() ctx: AppContext) {
    return (await disposalPhasesByCaseId(ctx).load(record.caseId)).filter((p) => p.completedOn).length;
  }

  @FieldResolver(() => Float, { nullable: true, description: 'Share of phases completed, 0 to 1; null without a plan.' })
  async progress(@Root() record: IllegalConstructionLedgerRecord, @Ctx() ctx: AppContext) {
    const phases = await disposalPhasesByCaseId(ctx).load(record.caseId);
    return phases.length ? phases.filter((p) => p.completedOn).length / phases.length : null;
  }

  @FieldResolver(() => Int, { description: 'Open phases past their due date (China Standard Time).' })
  async overduePhaseCount(@Root() record: IllegalConstructionLedgerRecord, @Ctx() ctx: AppContext) {
    const now = today();
    return (await disposalPhasesByCaseId(ctx).load(record.caseId)).filter((p) => !p.completedOn && p.dueOn < now).length;
  }

  @FieldResolver(() => LocalDateResolver, { nullable: true, description: 'Due date of the next open phase; null when every phase is completed.' })
  async nextDueOn(@Root() record: IllegalConstructionLedgerRecord, @Ctx() ctx: AppContext) {
    return (await disposalPhasesByCaseId(ctx).load(record.caseId)).find((p) => !p.completedOn)?.dueOn ?? null;
  }
}
