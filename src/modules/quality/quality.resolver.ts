import { Arg, Args, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { AppContext } from '../../shared/context';
import { Access, AccessLevel } from '../../shared/auth/policy';
import { Connection, ConnectionArgs, paginateArray, toConnection } from '../../shared/relay/connection';
import { idOf } from '../../shared/relay/global-id';
import { withUserErrors } from '../../shared/transaction';
import { Area } from '../area/area.entity';
import { areasById } from '../area/area.loaders';
import { registerNodeType } from '../node/node.registry';
import { Organization } from '../organization/organization.entity';
import { organizationsById } from '../organization/organization.loaders';
import { Contract } from '../contract/contract.entity';
import { ContractPayload } from '../contract/contract.inputs';
import { findContract } from '../contract/contract.service';
import {
  ContractQualityStandardAdoptInput,
  QualityEvaluation,
  QualityEvaluationPayload,
  QualityStandard,
  QualityStandardCreateInput,
  QualityStandardEvaluateInput,
  QualityStandardPayload,
} from './quality.entity';
import { canSeeQualityEvaluations } from './quality.policy';
import { qualityEvaluationsByContractId, qualityEvaluationsByStandardId } from './quality.loaders';
import { adoptStandard, createStandard, evaluateStandard, findStandard } from './quality.service';

const QualityStandardConnection = Connection(QualityStandard);
const QualityEvaluationConnection = Connection(QualityEvaluation);

/** An evaluation is seen by the organisation that set the standard and by whoever sees the contract. */
async function visibleEvaluation(ctx: AppContext, evaluation: QualityEvaluation): Promise<boolean> {
  const standard = await findStandard(ctx, evaluation.standardId);
  if (standard && canSeeQualityEvaluations(ctx.viewer, standard.organizationId)) return true;
  return (await findContract(ctx, evaluation.contractId)) !== null;
}

registerNodeType('QualityStandard', (ctx, id) => findStandard(ctx, id));
registerNodeType('QualityEvaluation', async (ctx, id) => {
  if (!ctx.viewer.signedIn) return null;
  const row = await ctx.app.db.getRepository(QualityEvaluation).findOneBy({ id });
  return row && (await visibleEvaluation(ctx, row)) ? row : null;
});

@Resolver(() => QualityStandard)
export class QualityStandardResolver {
  @Query(() => QualityStandardConnection, { description: 'Quality standards that apply to an area (set for it or an area above it) or to part of it, newest first. Every signed-in user: the standards are public.' })
  @Access(AccessLevel.SIGNED_IN)
  async qualityStandards(@Ctx() ctx: AppContext, @Args() page: ConnectionArgs, @Arg('areaId', () => ID, { description: 'The area.' }) areaId: string) {
    const id = idOf(areaId, 'Area');
    const area = id ? await areasById(ctx).load(id) : null;
    if (!area) return toConnection(paginateArray([] as QualityStandard[], page, (s) => s.id));
    const rows = await ctx.app.db.getRepository(QualityStandard).createQueryBuilder('s').innerJoin(Area, 'a', 'a.id = s.area_id')
      .where(`(a.path LIKE :path || '%' OR :path LIKE a.path || '%')`, { path: area.path }).orderBy('s.created_at', 'DESC').addOrderBy('s.id').limit(500).getMany();
    return toConnection(paginateArray(rows, page, (s) => s.id));
  }

  @Mutation(() => QualityStandardPayload, { description: 'Sets a quality standard for the security services of an area: monthly service levels, a minimum residents\' rating and a breach rule. ADMINs of a police station whose jurisdiction covers the area.' })
  @Access(AccessLevel.WRITE)
  qualityStandardCreate(@Ctx() ctx: AppContext, @Arg('input', { description: 'The standard.' }) input: QualityStandardCreateInput) {
    return withUserErrors<QualityStandardPayload>(() => createStandard(ctx, input));
  }

  @Mutation(() => ContractPayload, { description: "A contract adopts a quality standard whose area holds its scope, saying whether its clauses let a breach suspend it. ADMINs of the contract's CLIENT party." })
  @Access(AccessLevel.WRITE)
  contractQualityStandardAdopt(@Ctx() ctx: AppContext, @Arg('input', { description: 'The contract and standard.' }) input: ContractQualityStandardAdoptInput) {
    return withUserErrors<ContractPayload>(() => adoptStandard(ctx, input));
  }

  @Mutation(() => QualityEvaluationPayload, {
    description:
      "Evaluates, for one ended month, the provider of every contract adopting the standard: the standard's service levels over the contract's scope (as `contract.compliance` computes them), the provider's cases and the reporters' ratings. A run of breachMonths months below target is a breach: a `contract.qualityBreach` event, and the contract is SUSPENDED when it agreed to that. Members who act for the organisation that set the standard; the providers cannot evaluate themselves.",
  })
  @Access(AccessLevel.WRITE)
  qualityStandardEvaluate(@Ctx() ctx: AppContext, @Arg('input', { description: 'The standard and month.' }) input: QualityStandardEvaluateInput) {
    return withUserErrors<QualityEvaluationPayload>(() => evaluateStandard(ctx, input));
  }

  @FieldResolver(() => Organization, { description: 'The police station that set the standard.' })
  organization(@Root() standard: QualityStandard, @Ctx() ctx: AppContext) {
    return organizationsById(ctx).load(standard.organizationId);
  }

  @FieldResolver(() => Area, { description: 'The area it applies to.' })
  area(@Root() standard: QualityStandard, @Ctx() ctx: AppContext) {
    return areasById(ctx).load(standard.areaId);
  }

  @FieldResolver(() => QualityEvaluationConnection, { nullable: true, description: 'Every evaluation under the standard, newest month first; null unless the viewer belongs to the organisation that set it (parties see theirs on the contract).' })
  async evaluations(@Root() standard: QualityStandard, @Ctx() ctx: AppContext, @Args() page: ConnectionArgs) {
    if (!canSeeQualityEvaluations(ctx.viewer, standard.organizationId)) return null;
    return toConnection(paginateArray(await qualityEvaluationsByStandardId(ctx).load(standard.id), page, (e) => e.id));
  }
}

@Resolver(() => QualityEvaluation)
export class QualityEvaluationResolver {
  @FieldResolver(() => Contract, { nullable: true, description: 'The contract evaluated; null when the viewer may not see it.' })
  contract(@Root() evaluation: QualityEvaluation, @Ctx() ctx: AppContext) {
    return findContract(ctx, evaluation.contractId);
  }

  @FieldResolver(() => Organization, { description: 'The security provider evaluated.' })
  provider(@Root() evaluation: QualityEvaluation, @Ctx() ctx: AppContext) {
    return organizationsById(ctx).load(evaluation.providerOrganizationId);
  }
}

@Resolver(() => Contract)
export class ContractQualityResolver {
  @FieldResolver(() => QualityStandard, { nullable: true, description: 'The quality standard of the supervising police station the contract adopted; null when none.' })
  qualityStandard(@Root() contract: Contract, @Ctx() ctx: AppContext) {
    return findStandard(ctx, contract.qualityStandardId);
  }

  @FieldResolver(() => [QualityEvaluation], { description: 'Monthly evaluations of this contract under its quality standard, newest first (at most 24).' })
  async qualityEvaluations(@Root() contract: Contract, @Ctx() ctx: AppContext) {
    return (await qualityEvaluationsByContractId(ctx).load(contract.id)).slice(0, 24);
  }
}
