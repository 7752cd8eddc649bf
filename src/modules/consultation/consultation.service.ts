import { GraphQLError } from 'graphql';
import { In } from 'typeorm';
import type { AppContext } from '../../shared/context';
import { UserErrorCode, forbidden } from '../../shared/errors';
import { isLocalDate, today } from '../../shared/clock';
import { type Tx, fail, failIfAny, inTransaction, updateVersioned } from '../../shared/transaction';
import { InputCheck } from '../../shared/validation';
import { fromGlobalId } from '../../shared/relay/global-id';
import { paginate, type ConnectionArgs, type Page } from '../../shared/relay/connection';
import { nodeFetcher } from '../node/node.registry';
import { Organization } from '../organization/organization.entity';
import {
  CONSULTATION_LINK_TYPES,
  Consultation,
  ConsultationInvitee,
  ConsultationPosition,
  ConsultationPositionSummary,
  ConsultationProposal,
  ConsultationStance,
  ConsultationStatus,
} from './consultation.entity';
import type { ConsultationCloseInput, ConsultationOpenInput, ConsultationPositionStateInput, ConsultationProposalAddInput } from './consultation.inputs';
import { consultationPositionsByConsultationId, consultationsById, inviteeIdsByConsultationId } from './consultation.loaders';
import { canConvene, canSeeConsultation, canSpeakFor, participantIds, type ConsultationFacts } from './consultation.policy';

const NOT_FOUND_MESSAGE = 'No Consultation with this id.';

// ---------------------------------------------------------------- reading

export async function findConsultation(ctx: AppContext, id: string | null): Promise<Consultation | null> {
  if (!id) return null;
  const consultation = await consultationsById(ctx).load(id);
  if (!consultation) return null;
  const inviteeOrganizationIds = await inviteeIdsByConsultationId(ctx).load(consultation.id);
  return canSeeConsultation(ctx.viewer, { convenerOrganizationId: consultation.convenerOrganizationId, inviteeOrganizationIds }) ? consultation : null;
}

/** For subscriptions: the same error for an unknown id and for one the viewer may not see. */
export async function requireVisibleConsultation(ctx: AppContext, id: string | null): Promise<Consultation> {
  const consultation = await findConsultation(ctx, id);
  if (!consultation) throw new GraphQLError(NOT_FOUND_MESSAGE, { extensions: { code: 'NOT_FOUND' } });
  return consultation;
}

export interface ConsultationFilter {
  organizationId?: string | null;
  statuses?: ConsultationStatus[] | null;
}

/** Visible consultations, oldest first; visibility is applied in SQL. */
export async function listConsultations(ctx: AppContext, filter: ConsultationFilter, args: ConnectionArgs): Promise<Page<Consultation>> {
  const qb = ctx.app.db.getRepository(Consultation).createQueryBuilder('k');
  if (!ctx.viewer.isPlatformAdmin) {
    qb.andWhere(
      `(k.convener_organization_id = ANY(:viewerOrgs) OR EXISTS (SELECT 1 FROM consultation_invitee vi WHERE vi.consultation_id = k.id AND vi.organization_id = ANY(:viewerOrgs)))`,
      { viewerOrgs: ctx.viewer.organizationIds },
    );
  }
  if (filter.organizationId) {
    qb.andWhere(
      `(k.convener_organization_id = :orgId OR EXISTS (SELECT 1 FROM consultation_invitee fi WHERE fi.consultation_id = k.id AND fi.organization_id = :orgId))`,
      { orgId: filter.organizationId },
    );
  }
  if (filter.statuses?.length) qb.andWhere('k.status IN (:...statuses)', { statuses: filter.statuses });
  return paginate(qb, args, [
    { sql: 'k.created_at', value: (k) => k.createdAt.toISOString() },
    { sql: 'k.id', value: (k) => k.id },
  ]);
}

export function acceptsPositions(consultation: Consultation, on: string = today()): boolean {
  return consultation.status === ConsultationStatus.OPEN && on <= consultation.closesOn;
}

export async function positionSummary(ctx: AppContext, consultation: Consultation): Promise<ConsultationPositionSummary> {
  const [positions, invitees] = await Promise.all([
    consultationPositionsByConsultationId(ctx).load(consultation.id),
    inviteeIdsByConsultationId(ctx).load(consultation.id),
  ]);
  const count = (stance: ConsultationStance) => positions.filter((p) => p.stance === stance).length;
  const answered = new Set(positions.map((p) => p.organizationId));
  return Object.assign(new ConsultationPositionSummary(), {
    support: count(ConsultationStance.SUPPORT),
    oppose: count(ConsultationStance.OPPOSE),
    amend: count(ConsultationStance.AMEND),
    abstain: count(ConsultationStance.ABSTAIN),
    invited: invitees.length,
    answered: invitees.filter((id) => answered.has(id)).length,
    notAnsweredIds: invitees.filter((id) => !answered.has(id)),
  });
}

/** The record the outcome links to, if the viewer may see it (through the node registry). */
export async function linkedRecord(ctx: AppContext, consultation: Consultation): Promise<object | null> {
  if (!consultation.outcomeLinkType || !consultation.outcomeLinkId) return null;
  const fetcher = nodeFetcher(consultation.outcomeLinkType);
  return fetcher ? fetcher(ctx, consultation.outcomeLinkId) : null;
}

// ---------------------------------------------------------------- helpers for changes

async function lockVisible(tx: Tx, id: string): Promise<{ consultation: Consultation; facts: ConsultationFacts }> {
  const consultation = await tx.em.findOne(Consultation, { where: { id }, lock: { mode: 'pessimistic_write' } });
  if (!consultation) fail('consultationId', UserErrorCode.NOT_FOUND, NOT_FOUND_MESSAGE);
  const invitees = await tx.em.findBy(ConsultationInvitee, { consultationId: id });
  const facts = { convenerOrganizationId: consultation.convenerOrganizationId, inviteeOrganizationIds: invitees.map((i) => i.organizationId) };
  if (!canSeeConsultation(tx.ctx.viewer, facts)) fail('consultationId', UserErrorCode.NOT_FOUND, NOT_FOUND_MESSAGE);
  return { consultation, facts };
}

/** The organisation the viewer speaks for: the one given, or the only participant they act for. */
function speaker(ctx: AppContext, facts: ConsultationFacts, requested: string | null): string {
  if (requested) {
    if (!participantIds(facts).includes(requested)) fail('organizationId', UserErrorCode.NOT_PERMITTED_HERE, 'This organisation does not take part in the consultation.');
    if (!canSpeakFor(ctx.viewer, facts, requested)) throw forbidden('Only members who act for the organisation speak for it.');
    return requested;
  }
  const mine = participantIds(facts).filter((id) => canSpeakFor(ctx.viewer, facts, id));
  if (mine.length === 1) return mine[0];
  if (mine.length > 1) fail('organizationId', UserErrorCode.REQUIRED, 'You act for several participants: say which one speaks.');
  throw forbidden('Only members who act for a participating organisation take part.');
}

function requireOpen(consultation: Consultation): void {
  if (consultation.status !== ConsultationStatus.OPEN) fail('consultationId', UserErrorCode.INVALID_TRANSITION, 'The consultation is closed.');
}

function requireAccepting(consultation: Consultation): void {
  requireOpen(consultation);
  if (!acceptsPositions(consultation)) fail('consultationId', UserErrorCode.INVALID_TRANSITION, 'The closing date has passed; no more positions or proposals are taken.');
}

async function bump(tx: Tx, consultation: Consultation, changes: Partial<Consultation>, expected?: number | null): Promise<void> {
  await updateVersioned(tx, Consultation, consultation.id, expected ?? consultation.version, { ...changes, updatedAt: () => 'now()' }, 'consultation');
}

function emitConsultation(tx: Tx, type: string, consultation: Consultation, facts: ConsultationFacts, payload: Record<string, unknown> = {}): void {
  tx.emit({ topic: 'consultation', type, subjectId: consultation.id, organizationIds: participantIds(facts), payload: { consultationId: consultation.id, ...payload } });
}

// ---------------------------------------------------------------- mutations

export async function openConsultation(ctx: AppContext, input: ConsultationOpenInput): Promise<{ consultation: Consultation }> {
  const check = new InputCheck();
  const convenerId = check.id('organizationId', input.organizationId, 'Organization', { required: true });
  const question = check.text('question', input.question, { max: 500, required: true });
  const background = check.text('background', input.background, { max: 10_000 });
  const invitees = check.ids('invitedOrganizationIds', input.invitedOrganizationIds, 'Organization', { max: 100 });
  if (check.ok && invitees.length === 0) check.add('invitedOrganizationIds', UserErrorCode.REQUIRED, 'Invite at least one organisation.');
  if (convenerId && invitees.includes(convenerId)) check.add('invitedOrganizationIds', UserErrorCode.SELF_REFERENCE, 'The convener takes part anyway; do not invite it.');
  if (!input.closesOn || !isLocalDate(input.closesOn)) check.add('closesOn', UserErrorCode.INVALID, 'closesOn must be a date.');
  else if (input.closesOn < today()) check.add('closesOn', UserErrorCode.OUT_OF_RANGE, 'The closing date must be today or later.');
  failIfAny(check.errors);
  if (!canConvene(ctx.viewer, convenerId!)) throw forbidden('Only members who act for the convening organisation open a consultation.');

  return inTransaction(ctx, async (tx) => {
    if ((await tx.em.countBy(Organization, { id: In([convenerId!, ...invitees]) })) !== invitees.length + 1) {
      fail('invitedOrganizationIds', UserErrorCode.NOT_FOUND, 'One or more organisations do not exist.');
    }
    const { identifiers } = await tx.em.insert(Consultation, {
      convenerOrganizationId: convenerId!,
      question: question!,
      background,
      closesOn: input.closesOn,
      status: ConsultationStatus.OPEN,
      openedByUserId: ctx.viewer.userId,
    });
    const id = identifiers[0].id as string;
    await tx.em.insert(ConsultationInvitee, invitees.map((organizationId) => ({ consultationId: id, organizationId })));
    const consultation = await tx.em.findOneByOrFail(Consultation, { id });
    const facts = { convenerOrganizationId: convenerId!, inviteeOrganizationIds: invitees };
    tx.audit({ action: 'consultationOpen', recordType: 'Consultation', recordId: id, details: { convenerId, question, invitees, closesOn: input.closesOn } });
    emitConsultation(tx, 'consultation.opened', consultation, facts, { convenerOrganizationId: convenerId, closesOn: input.closesOn });
    return { consultation };
  });
}

export async function statePosition(ctx: AppContext, input: ConsultationPositionStateInput): Promise<{ position: ConsultationPosition; consultation: Consultation }> {
  const check = new InputCheck();
  const id = check.id('consultationId', input.consultationId, 'Consultation', { required: true });
  const requested = check.id('organizationId', input.organizationId, 'Organization');
  const statement = check.text('statement', input.statement, { max: 4000 });
  if (!Object.values(ConsultationStance).includes(input.stance)) check.add('stance', UserErrorCode.INVALID, 'Unknown stance.');
  failIfAny(check.errors);

  return inTransaction(ctx, async (tx) => {
    const { consultation, facts } = await lockVisible(tx, id!);
    const organizationId = speaker(ctx, facts, requested);
    requireAccepting(consultation);
    const previous = await tx.em.findOneBy(ConsultationPosition, { consultationId: consultation.id, organizationId });
    const [{ id: positionId }] = await tx.em.query(
      `INSERT INTO consultation_position (consultation_id, organization_id, stance, statement, stated_by_user_id)
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (consultation_id, organization_id)
       DO UPDATE SET stance = EXCLUDED.stance, statement = EXCLUDED.statement, stated_by_user_id = EXCLUDED.stated_by_user_id, updated_at = now()
       RETURNING id`,
      [consultation.id, organizationId, input.stance, statement, ctx.viewer.userId],
    );
    await bump(tx, consultation, {});
    tx.audit({
      action: 'consultationPositionState',
      recordType: 'Consultation',
      recordId: consultation.id,
      details: { positionId, organizationId, stance: input.stance, statement, previousStance: previous?.stance ?? null },
    });
    emitConsultation(tx, 'consultation.positionStated', consultation, facts, { positionId, organizationId, stance: input.stance, changed: previous !== null });
    return {
      position: await tx.em.findOneByOrFail(ConsultationPosition, { id: positionId }),
      consultation: await tx.em.findOneByOrFail(Consultation, { id: consultation.id }),
    };
  });
}

export async function addProposal(ctx: AppContext, input: ConsultationProposalAddInput): Promise<{ proposal: ConsultationProposal; consultation: Consultation }> {
  const check = new InputCheck();
  const id = check.id('consultationId', input.consultationId, 'Consultation', { required: true });
  const requested = check.id('organizationId', input.organizationId, 'Organization');
  const text = check.text('text', input.text, { max: 4000, required: true });
  failIfAny(check.errors);

  return inTransaction(ctx, async (tx) => {
    const { consultation, facts } = await lockVisible(tx, id!);
    const organizationId = speaker(ctx, facts, requested);
    requireAccepting(consultation);
    const { identifiers } = await tx.em.insert(ConsultationProposal, { consultationId: consultation.id, organizationId, text: text!, proposedByUserId: ctx.viewer.userId });
    const proposalId = identifiers[0].id as string;
    await bump(tx, consultation, {});
    tx.audit({ action: 'consultationProposalAdd', recordType: 'Consultation', recordId: consultation.id, details: { proposalId, organizationId, text } });
    emitConsultation(tx, 'consultation.proposalAdded', consultation, facts, { proposalId, organizationId });
    return {
      proposal: await tx.em.findOneByOrFail(ConsultationProposal, { id: proposalId }),
      consultation: await tx.em.findOneByOrFail(Consultation, { id: consultation.id }),
    };
  });
}

export async function closeConsultation(ctx: AppContext, input: ConsultationCloseInput): Promise<{ consultation: Consultation }> {
  const check = new InputCheck();
  const id = check.id('consultationId', input.consultationId, 'Consultation', { required: true });
  const outcome = check.text('outcome', input.outcome, { max: 4000, required: true });
  let link: { type: string; id: string } | null = null;
  if (input.linkedRecordId) {
    const parsed = fromGlobalId(input.linkedRecordId);
    if (!parsed || !(CONSULTATION_LINK_TYPES as readonly string[]).includes(parsed.type)) {
      check.add('linkedRecordId', UserErrorCode.INVALID, 'The outcome may link to a Contract, an AgendaItem or an ActionItem.');
    } else link = parsed;
  }
  failIfAny(check.errors);
  if (link) {
    // Through the node registry, so the viewer links only what they may see.
    const fetcher = nodeFetcher(link.type);
    if (!fetcher || !(await fetcher(ctx, link.id))) fail('linkedRecordId', UserErrorCode.NOT_FOUND, `No ${link.type} with this id.`);
  }

  return inTransaction(ctx, async (tx) => {
    const { consultation, facts } = await lockVisible(tx, id!);
    if (!canConvene(ctx.viewer, consultation.convenerOrganizationId)) throw forbidden('Only members who act for the convener close the consultation.');
    if (input.expectedVersion != null && input.expectedVersion !== consultation.version) {
      fail('expectedVersion', UserErrorCode.CONFLICT, 'The consultation changed since you read it; reload and retry.');
    }
    requireOpen(consultation);
    await bump(tx, consultation, {
      status: ConsultationStatus.CLOSED,
      outcome: outcome!,
      outcomeLinkType: link?.type ?? null,
      outcomeLinkId: link?.id ?? null,
      closedAt: () => 'now()',
      closedByUserId: ctx.viewer.userId,
    } as never);
    tx.audit({ action: 'consultationClose', recordType: 'Consultation', recordId: consultation.id, details: { outcome, linkType: link?.type ?? null, linkId: link?.id ?? null } });
    emitConsultation(tx, 'consultation.closed', consultation, facts, { outcome, linkType: link?.type ?? null });
    return { consultation: await tx.em.findOneByOrFail(Consultation, { id: consultation.id }) };
  });
}
