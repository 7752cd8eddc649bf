/** What time does to contracts: activation on the start date, expiry after the end date. */
import { randomUUID } from 'node:crypto';
import type { AppContext, AppServices } from '../../shared/context';
import { Viewer } from '../../shared/auth/viewer';
import { LoaderRegistry } from '../../shared/loaders';
import { inTransaction } from '../../shared/transaction';
import { Contract, ContractParty, ContractStatus, ContractVersion } from './contract.entity';
import { factsInTx, bump, emitContract, refreshRelationships } from './contract.terms';


/** The calendar date of `now` where the platform operates (Asia/Shanghai). */
function localDate(now: Date): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
}

function systemContext(app: AppServices, job: string): AppContext {
  return { app, viewer: Viewer.anonymous(), subject: null, requestId: `job:${job}:${randomUUID()}`, loaders: new LoaderRegistry(), log: app.log.child({ job }) };
}

/**
 * Activates fully signed contracts on their start date and expires contracts
 * past their end date, without anyone acting. Safe to run again: each step
 * re-checks the state under a row lock.
 */
export async function runContractLifecycle(app: AppServices, now: Date): Promise<void> {
  const on = localDate(now);
  const ctx = systemContext(app, 'contract-lifecycle');
  const due: { id: string }[] = await app.db.query(
    `SELECT c.id FROM contract c
      WHERE (c.status IN ('ACTIVE','SUSPENDED') AND c.ends_on < $1)
         OR (c.status = 'PROPOSED' AND c.starts_on <= $1 AND EXISTS (
              SELECT 1 FROM contract_version v WHERE v.contract_id = c.id AND v.number = c.current_version AND v.signed_at IS NOT NULL))
         OR (c.status = 'PROPOSED' AND c.ends_on < $1)
      ORDER BY c.ends_on, c.id`,
    [on],
  );
  for (const { id } of due) {
    await inTransaction(ctx, async (tx) => {
      const contract = await tx.em.findOne(Contract, { where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!contract) return;
      const version = await tx.em.findOneBy(ContractVersion, { contractId: id, number: contract.currentVersion });
      let to: ContractStatus | null = null;
      if ([ContractStatus.ACTIVE, ContractStatus.SUSPENDED, ContractStatus.PROPOSED].includes(contract.status) && contract.endsOn < on) to = ContractStatus.EXPIRED;
      else if (contract.status === ContractStatus.PROPOSED && version?.signedAt && contract.startsOn <= on) to = ContractStatus.ACTIVE;
      if (!to) return;
      const changes: Partial<Contract> = { status: to };
      if (to === ContractStatus.EXPIRED && contract.pendingVersion !== null) {
        changes.pendingVersion = null;
        await tx.em.update(ContractVersion, { contractId: id, number: contract.pendingVersion }, { withdrawnAt: () => 'now()' });
      }
      await bump(tx, contract, changes);
      if (to === ContractStatus.ACTIVE) await refreshRelationships(tx, contract, await tx.em.findBy(ContractParty, { contractId: id }));
      const facts = await factsInTx(tx, id);
      const action = to === ContractStatus.EXPIRED ? 'contractExpire' : 'contractActivate';
      tx.audit({ action, recordType: 'Contract', recordId: id, details: { from: contract.status, to, on, by: 'scheduler' } });
      emitContract(tx, to === ContractStatus.EXPIRED ? 'contract.expired' : 'contract.activated', contract, facts, { status: to, from: contract.status });
    });
  }
}
