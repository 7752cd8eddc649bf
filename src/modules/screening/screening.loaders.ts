import { In } from 'typeorm';
import { defineLoader, groupByKey } from '../../shared/loaders';
import { ScreeningRoundCase } from './screening.entity';

/** Ids of the dispute cases each return found, in id order. */
export const caseIdsByScreeningRoundId = defineLoader<string, string[]>(async (ids, ctx) => {
  const rows = await ctx.app.db.getRepository(ScreeningRoundCase).find({ where: { roundId: In([...ids]) }, order: { caseId: 'ASC' } });
  return groupByKey(ids, rows, (r) => r.roundId).map((group) => group.map((r) => r.caseId));
});
