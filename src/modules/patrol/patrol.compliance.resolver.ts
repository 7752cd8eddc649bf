import { Arg, Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import { LocalDateResolver } from 'graphql-scalars';
import type { AppContext } from '../../shared/context';
import { Contract } from '../contract/contract.entity';
import { contractServiceLevelsByContractId } from '../contract/contract.loaders';
import { ContractCompliance, MAX_COMPLIANCE_DAYS, complianceByContractAndRange, complianceKey } from './patrol.compliance';

/** Adds `compliance` to the contract type: patrol service levels against the provider's recorded patrols. */
@Resolver(() => Contract)
export class ContractComplianceResolver {
  @FieldResolver(() => ContractCompliance, {
    description: `Per period, the PATROLS_PER_DAY and CHECKPOINT_COVERAGE targets against what the provider's recorded patrols in the scope areas achieved (China Standard Time days; at most ${MAX_COMPLIANCE_DAYS} days). Whoever sees the contract sees its compliance.`,
  })
  async compliance(
    @Root() contract: Contract,
    @Ctx() ctx: AppContext,
    @Arg('from', () => LocalDateResolver, { description: 'First day.' }) from: string,
    @Arg('to', () => LocalDateResolver, { description: 'Last day.' }) to: string,
  ) {
    const levels = await contractServiceLevelsByContractId(ctx).load(contract.id);
    const key = complianceKey(
      { id: contract.id, startsOn: contract.startsOn, endsOn: contract.endsOn, serviceLevels: levels.map((l) => ({ metric: l.metric, target: Number(l.target), period: l.period })) },
      String(from),
      String(to),
    );
    return complianceByContractAndRange(ctx).load(key);
  }
}
