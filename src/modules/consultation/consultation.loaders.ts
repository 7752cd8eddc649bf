import { In } from 'typeorm';
import { defineByIdLoader, defineLoader, groupByKey } from '../../shared/loaders';
import { Consultation, ConsultationInvitee, ConsultationPosition, ConsultationProposal } from './consultation.entity';

export const consultationsById = defineByIdLoader(Consultation);

export const inviteeIdsByConsultationId = defineLoader<string, string[]>(async (ids, ctx) => {
  const rows = await ctx.app.db.getRepository(ConsultationInvitee).find({ where: { consultationId: In([...ids]) }, order: { organizationId: 'ASC' } });
  return groupByKey(ids, rows, (i) => i.consultationId).map((group) => group.map((i) => i.organizationId));
});

export const consultationPositionsByConsultationId = defineLoader<string, ConsultationPosition[]>(async (ids, ctx) => {
  const rows = await ctx.app.db.getRepository(ConsultationPosition).find({ where: { consultationId: In([...ids]) }, order: { createdAt: 'ASC', id: 'ASC' } });
  return groupByKey(ids, rows, (p) => p.consultationId);
});

export const consultationProposalsByConsultationId = defineLoader<string, ConsultationProposal[]>(async (ids, ctx) => {
  const rows = await ctx.app.db.getRepository(ConsultationProposal).find({ where: { consultationId: In([...ids]) }, order: { createdAt: 'ASC', id: 'ASC' } });
  return groupByKey(ids, rows, (p) => p.consultationId);
});

export const consultationPositionsById = defineByIdLoader(ConsultationPosition);

export const consultationProposalsById = defineByIdLoader(ConsultationProposal);
