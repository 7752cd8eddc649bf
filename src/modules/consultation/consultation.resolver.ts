import { Arg, Args, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root, Subscription } from 'type-graphql';
import type { AppContext } from '../../shared/context';
import { Access, AccessLevel } from '../../shared/auth/policy';
import type { EventRecord } from '../../shared/events/event.entity';
import { eventStream, parseCursor } from '../../shared/events/event-stream';
import { Connection, ConnectionArgs, paginateArray, toConnection } from '../../shared/relay/connection';
import { filterId, idOf } from '../../shared/relay/global-id';
import { withUserErrors } from '../../shared/transaction';
import { registerNodeType } from '../node/node.registry';
import { Node } from '../node/node.type';
import { Organization } from '../organization/organization.entity';
import { organizationsById } from '../organization/organization.loaders';
import { Consultation, ConsultationPosition, ConsultationPositionSummary, ConsultationProposal, ConsultationStatus } from './consultation.entity';
import { ConsultationUpdate, toConsultationUpdate } from './consultation.events';
import {
  ConsultationCloseInput,
  ConsultationOpenInput,
  ConsultationPayload,
  ConsultationPositionPayload,
  ConsultationPositionStateInput,
  ConsultationProposalAddInput,
  ConsultationProposalPayload,
} from './consultation.inputs';
import {
  consultationPositionsByConsultationId,
  consultationPositionsById,
  consultationProposalsByConsultationId,
  consultationProposalsById,
  inviteeIdsByConsultationId,
} from './consultation.loaders';
import {
  acceptsPositions,
  addProposal,
  closeConsultation,
  findConsultation,
  linkedRecord,
  listConsultations,
  openConsultation,
  positionSummary,
  requireVisibleConsultation,
  statePosition,
} from './consultation.service';

const ConsultationConnection = Connection(Consultation);
const ConsultationPositionConnection = Connection(ConsultationPosition);
const ConsultationProposalConnection = Connection(ConsultationProposal);


registerNodeType('Consultation', (ctx, id) => findConsultation(ctx, id));
// Positions and proposals are seen by whoever sees the consultation.
registerNodeType('ConsultationPosition', async (ctx, id) => {
  const position = await consultationPositionsById(ctx).load(id);
  return position && (await findConsultation(ctx, position.consultationId)) ? position : null;
});
registerNodeType('ConsultationProposal', async (ctx, id) => {
  const proposal = await consultationProposalsById(ctx).load(id);
  return proposal && (await findConsultation(ctx, proposal.consultationId)) ? proposal : null;
});

async function organizations(ctx: AppContext, ids: string[]): Promise<Organization[]> {
  return (await organizationsById(ctx).loadMany(ids)).filter((o): o is Organization => o instanceof Organization);
}

@Resolver(() => Consultation)
export class ConsultationResolver {
  @Query(() => ConsultationConnection, { description: 'Consultations the viewer takes part in (its organisation convened or was invited), oldest first; platform admins see all.' })
  @Access(AccessLevel.SIGNED_IN)
  async consultations(
    @Ctx() ctx: AppContext,
    @Args() page: ConnectionArgs,
    @Arg('organizationId', () => ID, { nullable: true, description: 'Only consultations this organisation convened or was invited to.' }) organizationId?: string,
    @Arg('statuses', () => [ConsultationStatus], { nullable: true, description: 'Only consultations in these states.' }) statuses?: ConsultationStatus[],
  ) {
    return toConnection(
      await listConsultations(ctx, { organizationId: filterId(organizationId, 'Organization'), statuses }, page),
    );
  }

  @Query(() => Consultation, { nullable: true, description: 'One consultation; null when unknown or not visible to the viewer (the two look alike).' })
  @Access(AccessLevel.SIGNED_IN)
  consultation(@Ctx() ctx: AppContext, @Arg('id', () => ID, { description: 'Global id.' }) id: string) {
    return findConsultation(ctx, idOf(id, 'Consultation'));
  }

  @Mutation(() => ConsultationPayload, { description: 'Opens a consultation for one organisation with invited organisations. Members who act for the convener (not OBSERVERs).' })
  @Access(AccessLevel.WRITE)
  consultationOpen(@Ctx() ctx: AppContext, @Arg('input', { description: 'The consultation.' }) input: ConsultationOpenInput) {
    return withUserErrors<ConsultationPayload>(() => openConsultation(ctx, input));
  }

  @Mutation(() => ConsultationPositionPayload, { description: "States (or changes) a participating organisation's position until the consultation closes. Members who act for that organisation." })
  @Access(AccessLevel.WRITE)
  consultationPositionState(@Ctx() ctx: AppContext, @Arg('input', { description: 'The position.' }) input: ConsultationPositionStateInput) {
    return withUserErrors<ConsultationPositionPayload>(() => statePosition(ctx, input));
  }

  @Mutation(() => ConsultationProposalPayload, { description: 'Adds a proposal to an open consultation. Members who act for a participating organisation.' })
  @Access(AccessLevel.WRITE)
  consultationProposalAdd(@Ctx() ctx: AppContext, @Arg('input', { description: 'The proposal.' }) input: ConsultationProposalAddInput) {
    return withUserErrors<ConsultationProposalPayload>(() => addProposal(ctx, input));
  }

  @Mutation(() => ConsultationPayload, { description: 'Closes a consultation with its outcome, optionally linked to a Contract, an AgendaItem or an ActionItem. Members who act for the convener.' })
  @Access(AccessLevel.WRITE)
  consultationClose(@Ctx() ctx: AppContext, @Arg('input', { description: 'The outcome.' }) input: ConsultationCloseInput) {
    return withUserErrors<ConsultationPayload>(() => closeConsultation(ctx, input));
  }

  @FieldResolver(() => Organization, { description: 'The organisation that raised the question.' })
  convener(@Root() consultation: Consultation, @Ctx() ctx: AppContext) {
    return organizationsById(ctx).load(consultation.convenerOrganizationId);
  }

  @FieldResolver(() => [Organization], { description: 'Organisations invited to take part.' })
  async invitedOrganizations(@Root() consultation: Consultation, @Ctx() ctx: AppContext) {
    return organizations(ctx, await inviteeIdsByConsultationId(ctx).load(consultation.id));
  }

  @FieldResolver(() => Boolean, { description: 'Whether positions and proposals are still taken (open, and the closing date has not passed).' })
  acceptingPositions(@Root() consultation: Consultation) {
    return acceptsPositions(consultation);
  }

  @FieldResolver(() => ConsultationPositionConnection, { description: 'Positions, in the order first stated.' })
  async positions(@Root() consultation: Consultation, @Ctx() ctx: AppContext, @Args() page: ConnectionArgs) {
    return toConnection(paginateArray(await consultationPositionsByConsultationId(ctx).load(consultation.id), page, (p) => p.id));
  }

  @FieldResolver(() => ConsultationPositionSummary, { description: 'Positions counted per stance, and invited organisations that have not answered.' })
  positionSummary(@Root() consultation: Consultation, @Ctx() ctx: AppContext) {
    return positionSummary(ctx, consultation);
  }

  @FieldResolver(() => ConsultationProposalConnection, { description: 'Proposals, oldest first.' })
  async proposals(@Root() consultation: Consultation, @Ctx() ctx: AppContext, @Args() page: ConnectionArgs) {
    return toConnection(paginateArray(await consultationProposalsByConsultationId(ctx).load(consultation.id), page, (p) => p.id));
  }

  @FieldResolver(() => Node, { nullable: true, description: 'What the outcome led to (a Contract, AgendaItem or ActionItem); null when none, or when you may not see it.' })
  linkedRecord(@Root() consultation: Consultation, @Ctx() ctx: AppContext) {
    return linkedRecord(ctx, consultation);
  }
}

@Resolver(() => ConsultationPositionSummary)
export class ConsultationPositionSummaryResolver {
  @FieldResolver(() => [Organization], { description: 'Invited organisations that have not stated a position yet.' })
  notAnswered(@Root() summary: ConsultationPositionSummary, @Ctx() ctx: AppContext) {
    return organizations(ctx, summary.notAnsweredIds);
  }
}

@Resolver(() => ConsultationPosition)
export class ConsultationPositionResolver {
  @FieldResolver(() => Organization, { description: 'The organisation whose position it is.' })
  organization(@Root() position: ConsultationPosition, @Ctx() ctx: AppContext) {
    return organizationsById(ctx).load(position.organizationId);
  }
}

@Resolver(() => ConsultationProposal)
export class ConsultationProposalResolver {
  @FieldResolver(() => Organization, { description: 'The organisation that made the proposal.' })
  organization(@Root() proposal: ConsultationProposal, @Ctx() ctx: AppContext) {
    return organizationsById(ctx).load(proposal.organizationId);
  }
}

@Resolver(() => ConsultationUpdate)
export class ConsultationUpdateResolver {
  @Subscription(() => ConsultationUpdate, {
    description: 'Changes to one consultation: positions, proposals, closing. Replays what came after `after` first, then goes live. An unknown consultation and one you may not see give the same NOT_FOUND error.',
    subscribe: async ({ args, context }) => {
      const ctx = context as AppContext;
      const after = parseCursor(args.after);
      const consultation = await requireVisibleConsultation(ctx, idOf(args.consultationId, 'Consultation'));
      const stillAllowed = async (now: AppContext) => (await findConsultation(now, consultation.id)) !== null;
      return eventStream(ctx, { topic: 'consultation', subjectId: consultation.id, stillAllowed }, after);
    },
  })
  @Access(AccessLevel.SIGNED_IN)
  consultationUpdates(
    @Root() event: EventRecord,
    @Arg('consultationId', () => ID, { description: 'The consultation to follow.' }) _consultationId: string,
    @Arg('after', () => String, { nullable: true, description: 'Cursor of the last update you have; omit to receive only new updates.' }) _after?: string,
  ): ConsultationUpdate {
    return toConsultationUpdate(event);
  }

  @FieldResolver(() => Consultation, { nullable: true, description: 'The consultation as it is now; null when you may no longer see it.' })
  consultation(@Root() update: ConsultationUpdate, @Ctx() ctx: AppContext) {
    return findConsultation(ctx, update.event.subjectId);
  }

  @FieldResolver(() => ConsultationPosition, { nullable: true, description: 'The position concerned, as it is now; null unless the update is about a position.' })
  position(@Root() update: ConsultationUpdate, @Ctx() ctx: AppContext) {
    const id = update.event.payload.positionId;
    return typeof id === 'string' ? consultationPositionsById(ctx).load(id) : null;
  }

  @FieldResolver(() => ConsultationProposal, { nullable: true, description: 'The proposal concerned; null unless the update is about a proposal.' })
  proposal(@Root() update: ConsultationUpdate, @Ctx() ctx: AppContext) {
    const id = update.event.payload.proposalId;
    return typeof id === 'string' ? consultationProposalsById(ctx).load(id) : null;
  }
}
