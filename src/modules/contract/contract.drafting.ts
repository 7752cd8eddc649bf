/** Before anyone is bound: drafting, changing and proposing a contract. */
import { randomUUID } from 'node:crypto';
import type { AppContext } from '../../shared/context';
import { UserErrorCode, forbidden } from '../../shared/errors';
import { today } from '../../shared/clock';
import { fail, failIfAny, inTransaction } from '../../shared/transaction';
import { InputCheck } from '../../shared/validation';
import { Contract, ContractStatus, ContractVersion } from './contract.entity';
import type { ContractDraftInput, ContractStepInput, ContractUpdateInput } from './contract.inputs';
import { canEditContract } from './contract.policy';
import { buildTerms, checkReferences, writeLiveTerms, factsInTx, lockVisible, checkVersion, requireStatus, bump, emitContract, snapshotOf, reload } from './contract.terms';

// ---------------------------------------------------------------- mutations

export async function draftContract(ctx: AppContext, input: ContractDraftInput): Promise<{ contract: Contract }> {
  const check = new InputCheck();
  const terms = buildTerms(check, { ...input, currency: input.currency ?? 'CNY', areaIds: input.areaIds ?? [], clauses: input.clauses ?? [], serviceLevels: input.serviceLevels ?? [] }, null);
  failIfAny(check.errors);
  const partyIds = [...new Set(terms.parties.map((p) => p.organizationId))];
  if (!canEditContract(ctx.viewer, partyIds)) throw forbidden('Only members who act for one of the parties draft a contract.');
  const createdBy = partyIds.find((id) => ctx.viewer.canActFor(id))!;

  return inTransaction(ctx, async (tx) => {
    await checkReferences(tx, terms);
    const id = randomUUID();
    await tx.em.insert(Contract, {
      id,
      title: terms.title,
      status: ContractStatus.DRAFT,
      startsOn: terms.startsOn,
      endsOn: terms.endsOn,
      feeMinor: terms.feeMinor,
      currency: terms.currency,
      paymentSchedule: terms.paymentSchedule,
      currentVersion: 1,
      createdByOrganizationId: createdBy,
    });
    await writeLiveTerms(tx, id, terms);
    await tx.em.insert(ContractVersion, { contractId: id, number: 1, snapshot: terms, createdByUserId: ctx.viewer.userId });
    const contract = await tx.em.findOneByOrFail(Contract, { id });
    const facts = await factsInTx(tx, id);
    tx.audit({ action: 'contractDraft', recordType: 'Contract', recordId: id, details: { terms } });
    emitContract(tx, 'contract.drafted', contract, facts, { status: contract.status, versionNumber: 1 });
    return { contract };
  });
}

export async function updateContract(ctx: AppContext, input: ContractUpdateInput): Promise<{ contract: Contract }> {
  const check = new InputCheck();
  const id = check.id('id', input.id, 'Contract', { required: true });
  failIfAny(check.errors);

  return inTransaction(ctx, async (tx) => {
    const { contract, facts } = await lockVisible(tx, id!);
    if (!canEditContract(ctx.viewer, facts.partyOrganizationIds)) throw forbidden('Only members who act for one of the parties change a draft.');
    checkVersion(contract, input.expectedVersion);
    requireStatus(contract, [ContractStatus.DRAFT], 'changed (amend an ACTIVE contract with contractAmend)');
    const terms = buildTerms(check, input, await snapshotOf(tx, contract.id, contract.currentVersion));
    failIfAny(check.errors);
    if (!canEditContract(ctx.viewer, terms.parties.map((p) => p.organizationId))) {
      fail('parties', UserErrorCode.NOT_PERMITTED_HERE, 'You must still act for one of the parties.');
    }
    await checkReferences(tx, terms);
    await bump(tx, contract, {});
    await writeLiveTerms(tx, contract.id, terms);
    await tx.em.update(ContractVersion, { contractId: contract.id, number: contract.currentVersion }, { snapshot: terms });
    const after = await factsInTx(tx, contract.id);
    const audience = { ...after, partyOrganizationIds: [...new Set([...facts.partyOrganizationIds, ...after.partyOrganizationIds])], overseerOrganizationIds: [...facts.overseerOrganizationIds, ...after.overseerOrganizationIds] };
    tx.audit({ action: 'contractUpdate', recordType: 'Contract', recordId: contract.id, details: { terms } });
    emitContract(tx, 'contract.updated', contract, audience, { status: contract.status, versionNumber: contract.currentVersion });
    return reload(tx, contract.id);
  });
}

export async function proposeContract(ctx: AppContext, input: ContractStepInput): Promise<{ contract: Contract }> {
  const check = new InputCheck();
  const id = check.id('id', input.id, 'Contract', { required: true });
  failIfAny(check.errors);

  return inTransaction(ctx, async (tx) => {
    const { contract, facts } = await lockVisible(tx, id!);
    if (!canEditContract(ctx.viewer, facts.partyOrganizationIds)) throw forbidden('Only members who act for one of the parties propose a contract.');
    checkVersion(contract, input.expectedVersion);
    requireStatus(contract, [ContractStatus.DRAFT], 'proposed');
    if (contract.endsOn < today()) fail('id', UserErrorCode.OUT_OF_RANGE, 'The term has already ended; change the dates first.');
    await bump(tx, contract, { status: ContractStatus.PROPOSED });
    await tx.em.update(ContractVersion, { contractId: contract.id, number: contract.currentVersion }, { proposedAt: () => 'now()' });
    tx.audit({ action: 'contractPropose', recordType: 'Contract', recordId: contract.id, details: { versionNumber: contract.currentVersion } });
    emitContract(tx, 'contract.proposed', contract, facts, {
      status: ContractStatus.PROPOSED,
      versionNumber: contract.currentVersion,
      awaitingOrganizationIds: facts.partyOrganizationIds,
    });
    return reload(tx, contract.id);
  });
}

