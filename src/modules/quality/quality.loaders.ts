import { In } from 'typeorm';
import { defineLoader, groupByKey } from '../../shared/loaders';
import { QualityEvaluation } from './quality.entity';

/** Evaluations of each contract, newest month first. */
export const qualityEvaluationsByContractId = defineLoader<string, QualityEvaluation[]>(async (ids, ctx) => {
  const rows = await ctx.app.db.getRepository(QualityEvaluation).find({ where: { contractId: In([...ids]) }, order: { month: 'DESC', id: 'ASC' } });
  return groupByKey(ids, rows, (e) => e.contractId);
});

/** Evaluations under each standard, newest month first. */
export const qualityEvaluationsByStandardId = defineLoader<string, QualityEvaluation[]>(async (ids, ctx) => {
  const rows = await ctx.app.db.getRepository(QualityEvaluation).find({ where: { standardId: In([...ids]) }, order: { month: 'DESC', id: 'ASC' } });
  return groupByKey(ids, rows, (e) => e.standardId);
});
