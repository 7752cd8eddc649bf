import { Arg, Args, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root, Subscription } from 'type-graphql';
import type { AppContext } from '../../shared/context';
import { Access, AccessLevel } from '../../shared/auth/policy';
import type { EventRecord } from '../../shared/events/event.entity';
import { eventStream, parseCursor } from '../../shared/events/event-stream';
import { Connection, ConnectionArgs, paginateArray, toConnection } from '../../shared/relay/connection';
import { filterId, idOf } from '../../shared/relay/global-id';
import { withUserErrors } from '../../shared/transaction';
import { Area } from '../area/area.entity';
import { areasById } from '../area/area.loaders';
import { registerNodeType } from '../node/node.registry';
import { Organization } from '../organization/organization.entity';
import { organizationsById } from '../organization/organization.loaders';
import {
  Contract,
  ContractClause,
  ContractParty,
  ContractPartyRole,
  ContractServiceLevel,
  ContractSignature,
  ContractStatus,
  ContractTerms,
  ContractVersion,
  termsFromSnapshot,
} from './contract.entity';
import { ContractUpdate, toContractUpdate } from './contract.events';
import { ContractAmendInput, ContractDeclineInput, ContractDraftInput, ContractPayload, ContractReasonInput, ContractSignInput, ContractStepInput, ContractUpdateInput } from './contract.inputs';
import {
  contractAreaIdsByContractId,
  contractClausesByContractId,
  contractPartiesByContractId,
  contractServiceLevelsByContractId,
  contractSignaturesByContractId,
  contractVersionsByContractId,
} from './contract.loaders';
import { MAX_EXPIRING_WITHIN_DAYS, awaitingSignatureOrganizationIds, contractsOfOrganization, findContract, listContracts } from './contract.service';
import { draftContract, proposeContract, updateContract } from './contract.drafting';
import { amendContract, declineContract, resumeContract, signContract, suspendContract, terminateContract } from './contract.signing';
import './contract.jobs';

const ContractConnection = Connection(Contract);
const ContractVersionConnection = Connection(ContractVersion);

registerNodeType('Contract', (ctx, id) => findContract(ctx, id));
// Versions and signatures are seen by whoever sees the contract.
registerNodeType('ContractVersion', async (ctx, key) => {
  const [contractId, number] = key.split('/');
  if (!(await findContract(ctx, contractId))) return null;
  return (await contractVersionsByContractId(ctx).load(contractId)).find((v) => v.number === Number(number)) ?? null;
});
registerNodeType('ContractSignature', async (ctx, key) => {
  const [contractId, number, organizationId] = key.split('/');
  if (!(await findContract(ctx, contractId))) return null;
  return (await contractSignaturesByContractId(ctx).load(contractId)).find((s) => s.versionNumber === Number(number) && s.organizationId === organizationId) ?? null;
});

async function organizations(ctx: AppContext, ids: string[]): Promise<Organization[]> {
  return (await organizationsById(ctx).loadMany(ids)).filter((o): o is Organization => o instanceof Organization);
}

async function areas(ctx: AppContext, ids: string[]): Promise<Area[]> {
  return (await areasById(ctx).loadMany(ids)).filter((a): a is Area => a instanceof Area);
}

@Resolver(() => Contract)
export class ContractResolver {
  @Query(() => ContractConnection, { description: 'Contracts the viewer may see (as a party, as an organisation that SUPERVISES or GUIDES a party, or as a platform admin), oldest first.' })
  @Access(AccessLevel.SIGNED_IN)
  contracts(
    @Ctx() ctx: AppContext,
    @Args() page: ConnectionArgs,
    @Arg('partyId', () => ID, { nullable: true, description: 'Only contracts this organisation is a party to.' }) partyId?: string,
    @Arg('role', () => ContractPartyRole, { nullable: true, description: "Only contracts where the party (`partyId`, or else one of the viewer's organisations) holds this role." }) role?: ContractPartyRole,
    @Arg('statuses', () => [ContractStatus], { nullable: true, description: 'Only contracts in these states.' }) statuses?: ContractStatus[],
    @Arg('areaId', () => ID, { nullable: true, description: 'Only contracts whose scope overlaps this area (covers it, or covers an area within it).' }) areaId?: string,
    @Arg('expiringWithinDays', () => Int, { nullable: true, description: `Only ACTIVE or SUSPENDED contracts whose end date falls within this many days from today (0 to ${MAX_EXPIRING_WITHIN_DAYS}).` }) expiringWithinDays?: number,
    @Arg('updatedSince', () => Date, { nullable: true, description: 'Only contracts changed at or after this time, for partners catching up by polling.' }) updatedSince?: Date,
  ) {
    return listContracts(
      ctx,
      {
        partyOrganizationId: filterId(partyId, 'Organization'),
        role,
        statuses,
        areaId: filterId(areaId, 'Area'),
        expiringWithinDays,
        updatedSince,
      },
      page,
    ).then(toConnection);
  }

  @Query(() => Contract, { nullable: true, description: 'One contract; null when unknown or not visible to the viewer (the two look alike).' })
  @Access(AccessLevel.SIGNED_IN)
  contract(@Ctx() ctx: AppContext, @Arg('id', () => ID, { description: 'Global id.' }) id: string) {
    return findContract(ctx, idOf(id, 'Contract'));
  }

  @Mutation(() => ContractPayload, { description: 'Drafts a contract (status DRAFT). Members who act for one of the parties (not OBSERVERs). A draft is seen only by the drafting organisation until `contractPropose`; it binds no one, and the CONTRACTS_WITH relations appear only when the signed contract becomes ACTIVE.' })
  @Access(AccessLevel.WRITE)
  contractDraft(@Ctx() ctx: AppContext, @Arg('input', { description: 'The contract.' }) input: ContractDraftInput) {
    return withUserErrors<ContractPayload>(() => draftContract(ctx, input));
  }

  @Mutation(() => ContractPayload, { description: 'Changes a DRAFT contract. Members who act for one of the parties.' })
  @Access(AccessLevel.WRITE)
  contractUpdate(@Ctx() ctx: AppContext, @Arg('input', { description: 'What to change.' }) input: ContractUpdateInput) {
    return withUserErrors<ContractPayload>(() => updateContract(ctx, input));
  }

  @Mutation(() => ContractPayload, { description: 'Puts a DRAFT to the parties for signature (PROPOSED). Members who act for one of the parties.' })
  @Access(AccessLevel.WRITE)
  contractPropose(@Ctx() ctx: AppContext, @Arg('input', { description: 'Which contract.' }) input: ContractStepInput) {
    return withUserErrors<ContractPayload>(() => proposeContract(ctx, input));
  }

  @Mutation(() => ContractPayload, {
    description:
      "Signs the proposal or a pending amendment for one party; that party's ADMIN only. When every party has signed a proposal it becomes ACTIVE (on its start date, by itself if that is later); a fully signed amendment comes into force at once.",
  })
  @Access(AccessLevel.WRITE)
  contractSign(@Ctx() ctx: AppContext, @Arg('input', { description: 'Which contract, for which party.' }) input: ContractSignInput) {
    return withUserErrors<ContractPayload>(() => signContract(ctx, input));
  }

  @Mutation(() => ContractPayload, { description: 'Suspends an ACTIVE contract, with a reason. ADMINs of a party.' })
  @Access(AccessLevel.WRITE)
  contractSuspend(@Ctx() ctx: AppContext, @Arg('input', { description: 'Which contract and why.' }) input: ContractReasonInput) {
    return withUserErrors<ContractPayload>(() => suspendContract(ctx, input));
  }

  @Mutation(() => ContractPayload, { description: 'Makes a SUSPENDED contract ACTIVE again. ADMINs of a party.' })
  @Access(AccessLevel.WRITE)
  contractResume(@Ctx() ctx: AppContext, @Arg('input', { description: 'Which contract.' }) input: ContractStepInput) {
    return withUserErrors<ContractPayload>(() => resumeContract(ctx, input));
  }

  @Mutation(() => ContractPayload, { description: 'Ends a contract early (TERMINATED, final), with a reason; a pending amendment is withdrawn. ADMINs of a party.' })
  @Access(AccessLevel.WRITE)
  contractTerminate(@Ctx() ctx: AppContext, @Arg('input', { description: 'Which contract and why.' }) input: ContractReasonInput) {
    return withUserErrors<ContractPayload>(() => terminateContract(ctx, input));
  }

  @Mutation(() => ContractPayload, { description: 'Turns a PROPOSED contract down for a named party (TERMINATED, final, with the reason): naming an organisation in a contract binds it to nothing. ADMINs of a party.' })
  @Access(AccessLevel.WRITE)
  contractDecline(@Ctx() ctx: AppContext, @Arg('input', { description: 'Which contract, for which party, and why.' }) input: ContractDeclineInput) {
    return withUserErrors<ContractPayload>(() => declineContract(ctx, input));
  }

  @Mutation(() => ContractPayload, { description: 'Proposes an amendment of an ACTIVE contract as a new version that every party signs again with `contractSign`; the current terms stay in force until then. ADMINs of a party.' })
  @Access(AccessLevel.WRITE)
  contractAmend(@Ctx() ctx: AppContext, @Arg('input', { description: 'The changed terms.' }) input: ContractAmendInput) {
    return withUserErrors<ContractPayload>(() => amendContract(ctx, input));
  }

  @FieldResolver(() => [ContractParty], { description: 'Parties with their roles.' })
  parties(@Root() contract: Contract, @Ctx() ctx: AppContext) {
    return contractPartiesByContractId(ctx).load(contract.id);
  }

  @FieldResolver(() => [Area], { description: 'Areas the contract covers; their subtrees count.' })
  async areas(@Root() contract: Contract, @Ctx() ctx: AppContext) {
    return areas(ctx, await contractAreaIdsByContractId(ctx).load(contract.id));
  }

  @FieldResolver(() => [ContractClause], { description: 'Rights and duties of the parties, in order.' })
  clauses(@Root() contract: Contract, @Ctx() ctx: AppContext) {
    return contractClausesByContractId(ctx).load(contract.id);
  }

  @FieldResolver(() => [ContractServiceLevel], { description: 'Service levels the provider promises, in order.' })
  serviceLevels(@Root() contract: Contract, @Ctx() ctx: AppContext) {
    return contractServiceLevelsByContractId(ctx).load(contract.id);
  }

  @FieldResolver(() => ContractVersionConnection, { description: 'Every version (the original terms and each amendment), oldest first.' })
  async versions(@Root() contract: Contract, @Ctx() ctx: AppContext, @Args() page: ConnectionArgs) {
    const all = await contractVersionsByContractId(ctx).load(contract.id);
    return toConnection(paginateArray(all, page, (v) => String(v.number)));
  }

  @FieldResolver(() => ContractVersion, { nullable: true, description: 'An amendment awaiting signatures; null when there is none.' })
  async pendingAmendment(@Root() contract: Contract, @Ctx() ctx: AppContext) {
    if (contract.pendingVersion === null) return null;
    return (await contractVersionsByContractId(ctx).load(contract.id)).find((v) => v.number === contract.pendingVersion) ?? null;
  }

  @FieldResolver(() => [Organization], { description: 'Parties that still have to sign the proposal or the pending amendment; empty when nothing awaits signatures.' })
  async awaitingSignatureFrom(@Root() contract: Contract, @Ctx() ctx: AppContext) {
    return organizations(ctx, await awaitingSignatureOrganizationIds(ctx, contract));
  }

  @FieldResolver(() => Organization, { description: 'The party whose member drafted the contract.' })
  createdBy(@Root() contract: Contract, @Ctx() ctx: AppContext) {
    return organizationsById(ctx).load(contract.createdByOrganizationId);
  }
}

@Resolver(() => ContractParty)
export class ContractPartyResolver {
  @FieldResolver(() => Organization, { description: 'The organisation.' })
  organization(@Root() party: ContractParty, @Ctx() ctx: AppContext) {
    return organizationsById(ctx).load(party.organizationId);
  }
}

@Resolver(() => ContractSignature)
export class ContractSignatureResolver {
  @FieldResolver(() => Organization, { description: 'The party that signed.' })
  organization(@Root() signature: ContractSignature, @Ctx() ctx: AppContext) {
    return organizationsById(ctx).load(signature.organizationId);
  }
}

@Resolver(() => ContractVersion)
export class ContractVersionResolver {
  @FieldResolver(() => ContractTerms, { description: 'The full terms of this version.' })
  terms(@Root() version: ContractVersion) {
    return termsFromSnapshot(version.contractId, version.snapshot);
  }

  @FieldResolver(() => [ContractSignature], { description: 'Signatures on this version, in the order given.' })
  async signatures(@Root() version: ContractVersion, @Ctx() ctx: AppContext) {
    return (await contractSignaturesByContractId(ctx).load(version.contractId)).filter((s) => s.versionNumber === version.number);
  }
}

@Resolver(() => ContractTerms)
export class ContractTermsResolver {
  @FieldResolver(() => [Area], { description: 'Areas covered by these terms.' })
  areas(@Root() terms: ContractTerms, @Ctx() ctx: AppContext) {
    return areas(ctx, terms.areaIds);
  }
}

@Resolver(() => Organization)
export class OrganizationContractsResolver {
  @FieldResolver(() => ContractConnection, { description: 'Contracts this organisation is a party to that the viewer may see, oldest first.' })
  async contracts(
    @Root() organization: Organization,
    @Ctx() ctx: AppContext,
    @Args() page: ConnectionArgs,
    @Arg('role', () => ContractPartyRole, { nullable: true, description: 'Only contracts where the organisation holds this role.' }) role?: ContractPartyRole,
    @Arg('statuses', () => [ContractStatus], { nullable: true, description: 'Only contracts in these states.' }) statuses?: ContractStatus[],
  ) {
    return toConnection(await contractsOfOrganization(ctx, organization.id, { role, statuses }, page));
  }
}

@Resolver(() => ContractUpdate)
export class ContractUpdateResolver {
  @Subscription(() => ContractUpdate, {
    description:
      "Changes to contracts of the viewer's organisations and of organisations they supervise or guide: drafts, proposals and amendments awaiting signature, signatures, status changes (including activation and expiry by the platform). Replays what came after `after` first, then goes live.",
    subscribe: ({ args, context }) => {
      const ctx = context as AppContext;
      return eventStream(ctx, { topic: 'contract' }, parseCursor(args.after));
    },
  })
  @Access(AccessLevel.SIGNED_IN)
  contractUpdates(
    @Root() event: EventRecord,
    @Arg('after', () => String, { nullable: true, description: 'Cursor of the last update you have; omit to receive only new updates.' }) _after?: string,
  ): ContractUpdate {
    return toContractUpdate(event);
  }

  @FieldResolver(() => Contract, { nullable: true, description: 'The contract as it is now; null when the viewer may no longer see it.' })
  contract(@Root() update: ContractUpdate, @Ctx() ctx: AppContext) {
    return findContract(ctx, update.event.subjectId);
  }

  @FieldResolver(() => Boolean, { description: "Whether, as of this update, a party the viewer is ADMIN of still has to sign (a proposal or an amendment)." })
  awaitingYourSignature(@Root() update: ContractUpdate, @Ctx() ctx: AppContext): boolean {
    const awaiting = update.event.payload.awaitingOrganizationIds;
    return Array.isArray(awaiting) && awaiting.some((id: string) => ctx.viewer.isAdminOf(id));
  }
}
