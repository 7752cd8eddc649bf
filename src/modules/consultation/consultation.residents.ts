import { Arg, Ctx, FieldResolver, ID, InputType, Int, Mutation, ObjectType, Query, Resolver, Root, Field } from 'type-graphql';
import { LocalDateResolver } from 'graphql-scalars';
import { Column, Entity } from 'typeorm';
import type { AppContext } from '../../shared/context';
import { Access, AccessLevel } from '../../shared/auth/policy';
import type { Viewer } from '../../shared/auth/viewer';
import { forbidden, UserError, UserErrorCode } from '../../shared/errors';
import { toGlobalId } from '../../shared/relay/global-id';
import { valueObject, WHY } from '../../shared/relay/value-object';
import { defineLoader, groupByKey } from '../../shared/loaders';
import { fail, failIfAny, inTransaction, withUserErrors } from '../../shared/transaction';
import { InputCheck } from '../../shared/validation';
import { Area } from '../area/area.entity';
import { areasById } from '../area/area.loaders';
import { jurisdictionOrganizationIdsByAreaId } from '../case/case.loaders';
import { organizationsById } from '../organization/organization.loaders';
import { Consultation, ConsultationStance, ConsultationStatus } from './consultation.entity';
import { ConsultationPayload } from './consultation.inputs';
import { inviteeIdsByConsultationId } from './consultation.loaders';
import { canConvene, participantIds } from './consultation.policy';
import { acceptsPositions, findConsultation } from './consultation.service';

/**
 * Residents' voice in consultations (協商) their community opens to them.
 * A resident is a person, signed in, who reported a case in the community
 * (the platform knows them as its reporters); the community grants nothing
 * by a claim of address. Positions are counted for the participants; a
 * resident's name is never shown to them.
 */

@Entity('consultation_resident_position')
export class ConsultationResidentPosition {
  @Column('uuid', { primary: true })
  consultationId!: string;

  @Column('uuid', { primary: true })
  userId!: string;

  @Column('text')
  stance!: ConsultationStance;

  @Column('text', { nullable: true })
  comment!: string | null;

  @Column({ type: 'timestamptz', precision: 3, default: () => 'now()' })
  createdAt!: Date;

  @Column({ type: 'timestamptz', precision: 3, default: () => 'now()' })
  updatedAt!: Date;
}

@ObjectType({ description: valueObject("Residents' positions counted per stance; who stated them is not shown.", WHY.computed) })
export class ResidentPositionTally {
  @Field(() => Int, { description: 'SUPPORT.' })
  support!: number;

  @Field(() => Int, { description: 'OPPOSE.' })
  oppose!: number;

  @Field(() => Int, { description: 'AMEND.' })
  amend!: number;

  @Field(() => Int, { description: 'ABSTAIN.' })
  abstain!: number;

  @Field(() => Int, { description: 'All residents who stated a position.' })
  total!: number;

  @Field(() => [String], { description: "Residents' comments, newest first, without names (participants only; at most 100)." })
  comments!: string[];
}

@ObjectType({ description: valueObject('A consultation as a resident of the community it was opened to sees it.', WHY.answer) })
export class ResidentConsultation {
  @Field(() => ID, { description: 'Global id of the Consultation, for consultationResidentPositionState.' })
  consultationId!: string;

  @Field({ description: 'The question.' })
  question!: string;

  @Field(() => String, { nullable: true, description: 'Background.' })
  background!: string | null;

  @Field({ description: 'The organisation that asks.' })
  convenerName!: string;

  @Field(() => LocalDateResolver, { description: 'Last day positions are taken.' })
  closesOn!: string;

  @Field({ description: 'Whether positions are still taken.' })
  acceptingPositions!: boolean;

  @Field(() => ConsultationStance, { nullable: true, description: 'Your position; null while you have not stated one.' })
  myStance!: ConsultationStance | null;
}

@InputType({ description: "Open a consultation to a community's residents." })
export class ConsultationOpenToResidentsInput {
  @Field(() => ID, { description: 'The consultation (OPEN); you must act for its convener.' })
  consultationId!: string;

  @Field(() => ID, { description: "The community whose residents may take part: within the convener's jurisdiction." })
  areaId!: string;
}

@InputType({ description: "A resident's position." })
export class ConsultationResidentPositionStateInput {
  @Field(() => ID, { description: 'The consultation, open to your community.' })
  consultationId!: string;

  @Field(() => ConsultationStance, { description: 'SUPPORT, OPPOSE, AMEND or ABSTAIN.' })
  stance!: ConsultationStance;

  @Field(() => String, { nullable: true, description: 'A comment (up to 1,000 characters), shown to the participants without your name.' })
  comment?: string | null;
}

@ObjectType({ description: 'Result of `consultationResidentPositionState`.' })
export class ResidentPositionPayload {
  @Field(() => ResidentConsultation, { nullable: true, description: 'The consultation with your position; null when refused.' })
  consultation?: ResidentConsultation | null;

  @Field(() => [UserError], { description: 'Why the input was refused; empty on success.' })
  userErrors!: UserError[];
}

// ---------------------------------------------------------------- rules

/** SQL: the user ($user) reported a case in the subtree of the area ($area); both are SQL expressions. */
export function residentOfSql(user: string, area: string): string {
  return `EXISTS (SELECT 1 FROM case_record rc JOIN area rca ON rca.id = rc.area_id, area rra WHERE rra.id = ${area} AND rc.reporter_user_id = ${user} AND rca.path LIKE rra.path || '%')`;
}

/** A resident: a person (not an API client) who reported a case in the area subtree. */
export async function isResidentOf(ctx: AppContext, viewer: Viewer, areaId: string): Promise<boolean> {
  if (viewer.kind !== 'user' || !viewer.userId || !viewer.canWrite) return false;
  const [row] = await ctx.app.db.query(`SELECT ${residentOfSql('$1::uuid', '$2::uuid')} AS resident`, [viewer.userId, areaId]);
  return row.resident === true;
}

const residentPositionsByConsultationId = defineLoader<string, ConsultationResidentPosition[]>(async (ids, ctx) => {
  const rows = await ctx.app.db.getRepository(ConsultationResidentPosition).createQueryBuilder('p').where('p.consultation_id = ANY(:ids)', { ids: [...ids] }).orderBy('p.updated_at', 'DESC').getMany();
  return groupByKey(ids, rows, (p) => p.consultationId);
});

async function asResident(ctx: AppContext, consultation: Consultation): Promise<ResidentConsultation> {
  const [convener, positions] = await Promise.all([organizationsById(ctx).load(consultation.convenerOrganizationId), residentPositionsByConsultationId(ctx).load(consultation.id)]);
  return Object.assign(new ResidentConsultation(), {
    consultationId: toGlobalId('Consultation', consultation.id),
    question: consultation.question,
    background: consultation.background,
    convenerName: convener?.name ?? '',
    closesOn: consultation.closesOn,
    acceptingPositions: acceptsPositions(consultation),
    myStance: positions.find((p) => p.userId === ctx.viewer.userId)?.stance ?? null,
  });
}

async function facts(ctx: AppContext, consultation: Consultation) {
  return { convenerOrganizationId: consultation.convenerOrganizationId, inviteeOrganizationIds: await inviteeIdsByConsultationId(ctx).load(consultation.id) };
}

export async function openToResidents(ctx: AppContext, input: ConsultationOpenToResidentsInput): Promise<{ consultation: Consultation }> {
  const check = new InputCheck();
  const consultationId = check.id('consultationId', input.consultationId, 'Consultation', { required: true });
  const areaId = check.id('areaId', input.areaId, 'Area', { required: true });
  failIfAny(check.errors);
  const consultation = await findConsultation(ctx, consultationId);
  if (!consultation) fail('consultationId', UserErrorCode.NOT_FOUND, 'No Consultation with this id.');
  if (!canConvene(ctx.viewer, consultation.convenerOrganizationId)) throw forbidden('Only members who act for the convener open it to residents.');
  if (consultation.status !== ConsultationStatus.OPEN) fail('consultationId', UserErrorCode.INVALID_TRANSITION, 'The consultation is closed.');
  const area = await areasById(ctx).load(areaId!);
  if (!area) fail('areaId', UserErrorCode.NOT_FOUND, 'No Area with this id.');
  if (!(await jurisdictionOrganizationIdsByAreaId(ctx).load(area.id)).includes(consultation.convenerOrganizationId)) fail('areaId', UserErrorCode.NOT_PERMITTED_HERE, "The area lies outside the convener's jurisdiction.");
  const audience = participantIds(await facts(ctx, consultation));
  return inTransaction(ctx, async (tx) => {
    await tx.em.update(Consultation, { id: consultation.id }, { residentAreaId: area.id, version: () => 'version + 1', updatedAt: () => 'now()' } as never);
    tx.audit({ action: 'consultationOpenToResidents', recordType: 'Consultation', recordId: consultation.id, details: { areaId: area.id } });
    tx.emit({ topic: 'consultation', type: 'consultation.openedToResidents', subjectId: consultation.id, areaPath: area.path, organizationIds: audience, payload: { consultationId: consultation.id, areaId: area.id } });
    return { consultation: await tx.em.findOneByOrFail(Consultation, { id: consultation.id }) };
  });
}

export async function stateResidentPosition(ctx: AppContext, input: ConsultationResidentPositionStateInput): Promise<{ consultation: ResidentConsultation }> {
  const check = new InputCheck();
  const consultationId = check.id('consultationId', input.consultationId, 'Consultation', { required: true });
  const comment = check.text('comment', input.comment, { max: 1000 });
  failIfAny(check.errors);
  const consultation = consultationId ? await ctx.app.db.getRepository(Consultation).findOneBy({ id: consultationId }) : null;
  // Not open to residents, or not to this one: the same answer as an unknown consultation.
  if (!consultation?.residentAreaId || !(await isResidentOf(ctx, ctx.viewer, consultation.residentAreaId))) fail('consultationId', UserErrorCode.NOT_FOUND, 'No Consultation open to you with this id.');
  if (!acceptsPositions(consultation)) fail('consultationId', UserErrorCode.INVALID_TRANSITION, 'No more positions are taken.');
  const audience = participantIds(await facts(ctx, consultation));
  await inTransaction(ctx, async (tx) => {
    await tx.em.query(
      `INSERT INTO consultation_resident_position (consultation_id, user_id, stance, comment) VALUES ($1, $2, $3, $4)
       ON CONFLICT (consultation_id, user_id) DO UPDATE SET stance = EXCLUDED.stance, comment = EXCLUDED.comment, updated_at = now()`,
      [consultation.id, ctx.viewer.userId, input.stance, comment],
    );
    tx.audit({ action: 'consultationResidentPositionState', recordType: 'Consultation', recordId: consultation.id, details: { stance: input.stance } });
    // The participants learn that a resident spoke and how, never who.
    tx.emit({ topic: 'consultation', type: 'consultation.residentPositionStated', subjectId: consultation.id, organizationIds: audience, payload: { consultationId: consultation.id, stance: input.stance } });
  });
  residentPositionsByConsultationId(ctx).clear(consultation.id);
  return { consultation: await asResident(ctx, consultation) };
}

@Resolver(() => Consultation)
export class ConsultationResidentsResolver {
  @Query(() => [ResidentConsultation], { description: 'Open consultations of the communities you are a resident of (you reported a case there) that were opened to residents, closing soonest first. People only.' })
  @Access(AccessLevel.SIGNED_IN)
  async residentConsultations(@Ctx() ctx: AppContext) {
    if (ctx.viewer.kind !== 'user' || !ctx.viewer.userId) return [];
    const rows = await ctx.app.db.getRepository(Consultation).createQueryBuilder('c')
      .where(`c.status = 'OPEN' AND c.resident_area_id IS NOT NULL`)
      .andWhere(residentOfSql(':user', 'c.resident_area_id'), { user: ctx.viewer.userId })
      .orderBy('c.closes_on').addOrderBy('c.id').limit(100).getMany();
    return Promise.all(rows.map((c) => asResident(ctx, c)));
  }

  @Mutation(() => ConsultationPayload, { description: 'Opens a consultation to the residents of a community in the convener\'s jurisdiction: they may then state positions. Members who act for the convener.' })
  @Access(AccessLevel.WRITE)
  consultationOpenToResidents(@Ctx() ctx: AppContext, @Arg('input', { description: 'The consultation and community.' }) input: ConsultationOpenToResidentsInput) {
    return withUserErrors<ConsultationPayload>(() => openToResidents(ctx, input));
  }

  @Mutation(() => ResidentPositionPayload, { description: 'States or changes your position, as a resident, in a consultation opened to your community (you reported a case there). People only, until the consultation closes.' })
  @Access(AccessLevel.WRITE)
  consultationResidentPositionState(@Ctx() ctx: AppContext, @Arg('input', { description: 'The position.' }) input: ConsultationResidentPositionStateInput) {
    return withUserErrors<ResidentPositionPayload>(() => stateResidentPosition(ctx, input));
  }

  @FieldResolver(() => Area, { nullable: true, description: 'The community whose residents may state positions; null when not opened to residents.' })
  residentArea(@Root() consultation: Consultation, @Ctx() ctx: AppContext) {
    return consultation.residentAreaId ? areasById(ctx).load(consultation.residentAreaId) : null;
  }

  @FieldResolver(() => ResidentPositionTally, { nullable: true, description: "Residents' positions, counted; null when not opened to residents." })
  async residentPositions(@Root() consultation: Consultation, @Ctx() ctx: AppContext) {
    if (!consultation.residentAreaId) return null;
    const positions = await residentPositionsByConsultationId(ctx).load(consultation.id);
    const count = (s: ConsultationStance) => positions.filter((p) => p.stance === s).length;
    return Object.assign(new ResidentPositionTally(), {
      support: count(ConsultationStance.SUPPORT),
      oppose: count(ConsultationStance.OPPOSE),
      amend: count(ConsultationStance.AMEND),
      abstain: count(ConsultationStance.ABSTAIN),
      total: positions.length,
      comments: positions.flatMap((p) => (p.comment ? [p.comment] : [])).slice(0, 100),
    });
  }
}
