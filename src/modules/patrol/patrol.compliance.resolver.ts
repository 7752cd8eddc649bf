import { Arg, Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import { LocalDateResolver } from 'graphql-scalars';
import type { AppContext } from '../../shared/context';
import { Contract, ContractStatus } from '../contract/contract.entity';
import { contractServiceLevelsByContractId, contractVersionsByContractId } from '../contract/contract.loaders';
import { SIGNED_STATUSES } from '../contract/contract.policy';
import { ContractCompliance, MAX_COMPLIANCE_DAYS, complianceByContractAndRange, complianceKey } from './patrol.compliance';

/** Adds `compliance` to the contract type: patrol service levels against the provider's recorded patrols. */
@Resolver(() => Contract)
export class ContractComplianceResolver {
  @FieldResolver(() => ContractCompliance, {
    nullable: true,
    description: `Per period, every service level's target against what the provider achieved (China Standard Time days; at most ${MAX_COMPLIANCE_DAYS} days): PATROLS_PER_DAY and CHECKPOINT_COVERAGE from its recorded patrols in the scope areas, RESPONSE_MINUTES from the cases assigned to it (report to start of work), CUSTOM manually assessed by the client (serviceLevelAssessmentRecord). Whoever sees the contract sees its compliance. Null until every party, the provider included, has signed (ACTIVE, SUSPENDED, or ended after signature): a draft or proposal binds nobody, so it says nothing about anyone's patrols.`,
  })
  async compliance(
    @Root() contract: Contract,
    @Ctx() ctx: AppContext,
    @Arg('from', () => LocalDateResolver, { description: 'First day.' }) from: string,
    @Arg('to', () => LocalDateResolver, { description: 'Last day.' }) to: string,
  ) {
    if (!(await providerHasSigned(ctx, contract))) return null;
    const levels = await contractServiceLevelsByContractId(ctx).load(contract.id);
    const key = complianceKey(
      { id: contract.id, startsOn: contract.startsOn, endsOn: contract.endsOn, serviceLevels: levels.map((l) => ({ id: l.id, metric: l.metric, target: Number(l.target), period: l.period, description: l.description })) },
      String(from),
      String(to),
    );
    return complianceByContractAndRange(ctx).load(key);
  }
}

/**
 * Compliance reads the provider's patrols, which the drafter of a contract may
 * not otherwise see: only a contract the provider signed opens them. ACTIVE
 * and SUSPENDED contracts were signed by every party; a TERMINATED or EXPIRED
 * one only if its first version was (it may have ended as a draft or proposal).
 */
async function providerHasSigned(ctx: AppContext, contract: Contract): Promise<boolean> {
  if (!SIGNED_STATUSES.includes(contract.status)) return false;
  if (contract.status === ContractStatus.ACTIVE || contract.status === ContractStatus.SUSPENDED) return true;
  const versions = await contractVersionsByContractId(ctx).load(contract.id);
  return versions.some((v) => v.signedAt !== null);
}
