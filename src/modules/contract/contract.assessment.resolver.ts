import { Arg, Ctx, FieldResolver, Mutation, Resolver, Root } from 'type-graphql';
import type { AppContext } from '../../shared/context';
import { Access, AccessLevel } from '../../shared/auth/policy';
import { withUserErrors } from '../../shared/transaction';
import { registerNodeType } from '../node/node.registry';
import { Organization } from '../organization/organization.entity';
import { organizationsById } from '../organization/organization.loaders';
import { ServiceLevelAssessment, ServiceLevelAssessmentPayload, ServiceLevelAssessmentRecordInput } from './contract.assessment';
import { recordAssessment } from './contract.assessment.service';
import { findContract } from './contract.service';

// An assessment is seen by whoever sees its contract.
registerNodeType('ServiceLevelAssessment', async (ctx, id) => {
  const row = await ctx.app.db.getRepository(ServiceLevelAssessment).findOneBy({ id });
  return row && (await findContract(ctx, row.contractId)) ? row : null;
});

@Resolver(() => ServiceLevelAssessment)
export class ServiceLevelAssessmentResolver {
  @Mutation(() => ServiceLevelAssessmentPayload, {
    description:
      "Records the client's verdict on one period of a CUSTOM service level (they are checked by people, so `contract.compliance` shows them as MANUALLY_ASSESSED with these entries). Members who act for a CLIENT party (not OBSERVERs); the provider, or anyone who also belongs to it, is refused: a provider does not grade its own service. Append-only: record again to correct; the latest entry of a period counts.",
  })
  @Access(AccessLevel.WRITE)
  serviceLevelAssessmentRecord(@Ctx() ctx: AppContext, @Arg('input', { description: 'The period and the verdict.' }) input: ServiceLevelAssessmentRecordInput) {
    return withUserErrors<ServiceLevelAssessmentPayload>(() => recordAssessment(ctx, input));
  }

  @FieldResolver(() => Organization, { description: 'The client organisation that made the assessment.' })
  async assessedBy(@Root() assessment: ServiceLevelAssessment, @Ctx() ctx: AppContext) {
    return organizationsById(ctx).load(assessment.assessedByOrganizationId);
  }
}
