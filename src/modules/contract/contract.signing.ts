/**
 * The state transitions of a proposed or running contract: signing (a
 * version binds once every party signed it), declining, amending, suspending,
 * resuming and terminating.
 */
import type { AppContext } from '../../shared/context';
import { UserErrorCode, forbidden } from '../../shared/errors';
import { today } from '../../shared/clock';
import { fail, failIfAny, inTransaction } from '../../shared/transaction';
import { InputCheck } from '../../shared/validation';
import { Contract, ContractParty, ContractSignature, ContractStatus, ContractVersion, type ContractTermsSnapshot } from './contract.entity';
import type { ContractAmendInput, ContractDeclineInput, ContractReasonInput, ContractSignInput, ContractStepInput, ContractTermsChangeInput } from './contract.inputs';
import { canDeclineContractFor, canManageContract, canSignContractFor } from './contract.policy';
import { awaitingVersionNumber } from './contract.service';
import { buildTerms, checkReferences, writeLiveTerms, lockVisible, checkVersion, requireStatus, bump, emitContract, snapshotOf, refreshRelationships, reload } from './contract.terms';

export async function signContract(ctx: AppContext, input: ContractSignInput): Promise<{ contract: Contract }> {
  const check = new InputCheck();
  const id = check.id('id', input.id, 'Contract', { required: true });
  const requested = check.id('organizationId', input.organizationId, 'Organization');
  failIfAny(check.errors);

  return inTransaction(ctx, async (tx) => {
    const { contract, facts } = await lockVisible(tx, id!);
    const partyIds = facts.partyOrganizationIds;
    const number = awaitingVersionNumber(contract);
    const signatures = number === null ? [] : await tx.em.findBy(ContractSignature, { contractId: contract.id, versionNumber: number });
    const signed = new Set(signatures.map((s) => s.organizationId));

    let organizationId = requested;
    if (organizationId) {
      if (!partyIds.includes(organizationId)) fail('organizationId', UserErrorCode.NOT_PERMITTED_HERE, 'Only parties sign a contract; this organisation is not a party.');
      if (!canSignContractFor(ctx.viewer, organizationId)) throw forbidden('Only an ADMIN of the party signs for it.');
    } else {
      const mine = partyIds.filter((p) => canSignContractFor(ctx.viewer, p));
      if (mine.length === 0) {
        if (ctx.viewer.sharesAnyOrganization(partyIds)) throw forbidden('Only an ADMIN of the party signs for it.');
        fail('organizationId', UserErrorCode.NOT_PERMITTED_HERE, 'Only parties sign a contract; you are not an ADMIN of any party.');
      }
      const unsigned = mine.filter((p) => !signed.has(p));
      if (mine.length === 1) organizationId = mine[0];
      else if (unsigned.length === 1) organizationId = unsigned[0];
      else if (unsigned.length === 0) organizationId = mine[0];
      else fail('organizationId', UserErrorCode.REQUIRED, 'You are ADMIN of several parties: say which one signs.');
    }
    checkVersion(contract, input.expectedVersion);
    if (number === null) {
      fail('id', UserErrorCode.INVALID_TRANSITION, `Nothing awaits signatures: a ${contract.status} contract is signed only once proposed, or when an amendment is pending.`);
    }
    if (signed.has(organizationId!)) fail('organizationId', UserErrorCode.ALREADY_DONE, 'This party has already signed this version.');

    await tx.em.insert(ContractSignature, { contractId: contract.id, versionNumber: number, organizationId: organizationId!, signedByUserId: ctx.viewer.userId });
    const awaiting = partyIds.filter((p) => p !== organizationId && !signed.has(p));
    const isAmendment = number !== contract.currentVersion;
    const changes: Partial<Contract> = {};
    const on = today();
    let becameActive = false;
    let amendmentInForce = false;
    let terms: ContractTermsSnapshot | null = null;
    if (awaiting.length === 0) {
      await tx.em.update(ContractVersion, { contractId: contract.id, number }, { signedAt: () => 'now()' });
      if (isAmendment) {
        terms = await snapshotOf(tx, contract.id, number);
        await writeLiveTerms(tx, contract.id, terms);
        changes.currentVersion = number;
        changes.pendingVersion = null;
        amendmentInForce = true;
      } else if (contract.startsOn <= on && contract.endsOn >= on) {
        changes.status = ContractStatus.ACTIVE;
        becameActive = true;
      } else if (contract.endsOn < on) {
        changes.status = ContractStatus.EXPIRED;
      }
    }
    await bump(tx, contract, changes);
    const now = await tx.em.findOneByOrFail(Contract, { id: contract.id });
    if (becameActive || (amendmentInForce && (now.status === ContractStatus.ACTIVE || now.status === ContractStatus.SUSPENDED))) {
      await refreshRelationships(tx, now, await tx.em.findBy(ContractParty, { contractId: contract.id }));
    }
    tx.audit({ action: 'contractSign', recordType: 'Contract', recordId: contract.id, details: { organizationId, versionNumber: number, fullySigned: awaiting.length === 0 } });
    emitContract(tx, 'contract.signed', now, facts, { status: now.status, versionNumber: number, organizationId, awaitingOrganizationIds: awaiting });
    if (becameActive) {
      tx.audit({ action: 'contractActivate', recordType: 'Contract', recordId: contract.id, details: { on } });
      emitContract(tx, 'contract.activated', now, facts, { status: now.status, versionNumber: number });
    }
    if (now.status === ContractStatus.EXPIRED) {
      tx.audit({ action: 'contractExpire', recordType: 'Contract', recordId: contract.id, details: { on } });
      emitContract(tx, 'contract.expired', now, facts, { status: now.status });
    }
    if (amendmentInForce) {
      tx.audit({ action: 'contractAmendmentInForce', recordType: 'Contract', recordId: contract.id, details: { versionNumber: number } });
      emitContract(tx, 'contract.amendmentInForce', now, facts, { status: now.status, versionNumber: number });
    }
    return { contract: now };
  });
}

async function simpleTransition(
  ctx: AppContext,
  input: ContractStepInput & { reason?: string },
  rule: { from: ContractStatus[]; to: ContractStatus; verb: string; action: string; event: string; needsReason: boolean },
): Promise<{ contract: Contract }> {
  const check = new InputCheck();
  const id = check.id('id', input.id, 'Contract', { required: true });
  const reason = rule.needsReason ? check.text('reason', input.reason, { max: 2000, required: true }) : null;
  failIfAny(check.errors);

  return inTransaction(ctx, async (tx) => {
    const { contract, facts } = await lockVisible(tx, id!);
    if (!canManageContract(ctx.viewer, facts.partyOrganizationIds)) throw forbidden(`Only an ADMIN of a party may do this (${rule.action}).`);
    checkVersion(contract, input.expectedVersion);
    requireStatus(contract, rule.from, rule.verb);
    // Back in force, the contract is no longer suspended for any reason: keeping the old one would show it as still applying.
    const changes: Partial<Contract> = { status: rule.to, statusReason: rule.to === ContractStatus.ACTIVE ? null : (reason ?? contract.statusReason) };
    let withdrawn: number | null = null;
    if (rule.to === ContractStatus.TERMINATED && contract.pendingVersion !== null) {
      withdrawn = contract.pendingVersion;
      changes.pendingVersion = null;
      await tx.em.update(ContractVersion, { contractId: contract.id, number: withdrawn }, { withdrawnAt: () => 'now()' });
    }
    await bump(tx, contract, changes);
    tx.audit({ action: rule.action, recordType: 'Contract', recordId: contract.id, details: { from: contract.status, to: rule.to, reason, withdrawnVersion: withdrawn } });
    emitContract(tx, rule.event, contract, facts, { status: rule.to, from: contract.status, reason });
    return reload(tx, contract.id);
  });
}

export function suspendContract(ctx: AppContext, input: ContractReasonInput) {
  return simpleTransition(ctx, input, { from: [ContractStatus.ACTIVE], to: ContractStatus.SUSPENDED, verb: 'suspended', action: 'contractSuspend', event: 'contract.suspended', needsReason: true });
}

export function resumeContract(ctx: AppContext, input: ContractStepInput) {
  return simpleTransition(ctx, input, { from: [ContractStatus.SUSPENDED], to: ContractStatus.ACTIVE, verb: 'resumed', action: 'contractResume', event: 'contract.resumed', needsReason: false });
}

export function terminateContract(ctx: AppContext, input: ContractReasonInput) {
  return simpleTransition(ctx, input, {
    from: [ContractStatus.DRAFT, ContractStatus.PROPOSED, ContractStatus.ACTIVE, ContractStatus.SUSPENDED],
    to: ContractStatus.TERMINATED,
    verb: 'terminated',
    action: 'contractTerminate',
    event: 'contract.terminated',
    needsReason: true,
  });
}

/**
 * A party named in a proposal was never asked whether it agrees: its ADMIN
 * may turn the proposal down. The contract ends (TERMINATED, with the reason)
 * and binds nobody.
 */
export async function declineContract(ctx: AppContext, input: ContractDeclineInput): Promise<{ contract: Contract }> {
  const check = new InputCheck();
  const id = check.id('id', input.id, 'Contract', { required: true });
  const requested = check.id('organizationId', input.organizationId, 'Organization');
  const reason = check.text('reason', input.reason, { max: 2000, required: true });
  failIfAny(check.errors);

  return inTransaction(ctx, async (tx) => {
    const { contract, facts } = await lockVisible(tx, id!);
    const mine = facts.partyOrganizationIds.filter((p) => canDeclineContractFor(ctx.viewer, p));
    let organizationId = requested;
    if (organizationId) {
      if (!facts.partyOrganizationIds.includes(organizationId)) fail('organizationId', UserErrorCode.NOT_PERMITTED_HERE, 'This organisation is not a party.');
      if (!canDeclineContractFor(ctx.viewer, organizationId)) throw forbidden('Only an ADMIN of the party declines for it.');
    } else if (mine.length === 1) {
      organizationId = mine[0];
    } else if (mine.length === 0) {
      throw forbidden('Only an ADMIN of a party declines a contract.');
    } else {
      fail('organizationId', UserErrorCode.REQUIRED, 'You are ADMIN of several parties: say which one declines.');
    }
    checkVersion(contract, input.expectedVersion);
    requireStatus(contract, [ContractStatus.PROPOSED], 'declined');
    const statusReason = `Declined by a party: ${reason}`.slice(0, 2000);
    await bump(tx, contract, { status: ContractStatus.TERMINATED, statusReason });
    tx.audit({ action: 'contractDecline', recordType: 'Contract', recordId: contract.id, details: { organizationId, reason } });
    emitContract(tx, 'contract.declined', contract, facts, { status: ContractStatus.TERMINATED, from: contract.status, organizationId, reason });
    return reload(tx, contract.id);
  });
}

export async function amendContract(ctx: AppContext, input: ContractAmendInput): Promise<{ contract: Contract }> {
  const check = new InputCheck();
  const id = check.id('id', input.id, 'Contract', { required: true });
  const note = check.text('note', input.note, { max: 2000, required: true });
  failIfAny(check.errors);

  return inTransaction(ctx, async (tx) => {
    const { contract, facts } = await lockVisible(tx, id!);
    if (!canManageContract(ctx.viewer, facts.partyOrganizationIds)) throw forbidden('Only an ADMIN of a party may amend the contract.');
    checkVersion(contract, input.expectedVersion);
    requireStatus(contract, [ContractStatus.ACTIVE], 'amended');
    if (contract.pendingVersion !== null) fail('id', UserErrorCode.INVALID_TRANSITION, 'An amendment already awaits signatures.');
    const terms = buildTerms(check, input as ContractTermsChangeInput, await snapshotOf(tx, contract.id, contract.currentVersion));
    failIfAny(check.errors);
    await checkReferences(tx, terms);
    const [{ max }] = await tx.em.query('SELECT max(number) AS max FROM contract_version WHERE contract_id = $1', [contract.id]);
    const number = Number(max) + 1;
    await tx.em.insert(ContractVersion, { contractId: contract.id, number, snapshot: terms, note, createdByUserId: ctx.viewer.userId, proposedAt: new Date() });
    await bump(tx, contract, { pendingVersion: number });
    tx.audit({ action: 'contractAmend', recordType: 'Contract', recordId: contract.id, details: { versionNumber: number, note, terms } });
    emitContract(tx, 'contract.amendmentProposed', contract, facts, { status: contract.status, versionNumber: number, awaitingOrganizationIds: facts.partyOrganizationIds });
    return reload(tx, contract.id);
  });
}

// ---------------------------------------------------------------- time-driven
