/**
 * Contract terms as one checked whole, and the steps every contract change
 * takes inside its transaction (lock, version check, status check, events).
 */
import { randomUUID } from 'node:crypto';
import { In } from 'typeorm';
import { UserErrorCode } from '../../shared/errors';
import { today } from '../../shared/clock';
import { type Tx, fail, updateVersioned } from '../../shared/transaction';
import { InputCheck } from '../../shared/validation';
import { idOf } from '../../shared/relay/global-id';
import { Area } from '../area/area.entity';
import { Organization } from '../organization/organization.entity';
import { Relationship, RelationshipType } from '../relationship/relationship.entity';
import { Contract, ContractArea, ContractClause, ContractClauseKind, ContractParty, ContractPartyRole, ContractServiceLevel, ContractStatus, ContractVersion, PaymentSchedule, ServiceLevelMetric, ServiceLevelPeriod, type ContractTermsSnapshot } from './contract.entity';
import type { ContractClauseInput, ContractPartyInput, ContractServiceLevelInput } from './contract.inputs';
import { canSeeContract, contractAudience, type ContractFacts } from './contract.policy';
import { MAX_FEE_MINOR } from './contract.service';

// ---------------------------------------------------------------- terms

export interface TermsFields {
  title?: string | null;
  areaIds?: string[] | null;
  startsOn?: string | null;
  endsOn?: string | null;
  feeMinor?: number | null;
  currency?: string | null;
  paymentSchedule?: PaymentSchedule | null;
  clauses?: ContractClauseInput[] | null;
  serviceLevels?: ContractServiceLevelInput[] | null;
  parties?: ContractPartyInput[] | null;
}

/**
 * Merges changes into `base` (all of it for a new draft) and checks the
 * result as a whole: every problem is reported at once.
 */
export function buildTerms(check: InputCheck, input: TermsFields, base: ContractTermsSnapshot | null): ContractTermsSnapshot {
  const terms: ContractTermsSnapshot = base
    ? structuredClone(base)
    : { title: '', startsOn: '', endsOn: '', feeMinor: '0', currency: 'CNY', paymentSchedule: PaymentSchedule.MONTHLY, parties: [], areaIds: [], clauses: [], serviceLevels: [] };

  if (!base || input.title != null) terms.title = check.text('title', input.title, { max: 200, required: true }) ?? '';
  if (!base || input.startsOn != null) {
    if (!input.startsOn) check.add('startsOn', UserErrorCode.REQUIRED, 'startsOn is required.');
    terms.startsOn = input.startsOn ?? '';
  }
  if (!base || input.endsOn != null) {
    if (!input.endsOn) check.add('endsOn', UserErrorCode.REQUIRED, 'endsOn is required.');
    terms.endsOn = input.endsOn ?? '';
  }
  if (terms.startsOn && terms.endsOn && terms.endsOn < terms.startsOn) check.add('endsOn', UserErrorCode.DATE_ORDER, 'A contract cannot end before it starts.');
  if (!base || input.feeMinor != null) {
    const fee = input.feeMinor;
    if (fee == null) check.add('feeMinor', UserErrorCode.REQUIRED, 'feeMinor is required.');
    else if (!Number.isSafeInteger(fee) || fee < 0 || fee > MAX_FEE_MINOR) check.add('feeMinor', UserErrorCode.OUT_OF_RANGE, 'The fee must be a whole number of minor units, 0 or more.');
    else terms.feeMinor = String(fee);
  }
  if (input.currency != null) {
    const currency = input.currency.trim().toUpperCase();
    if (!/^[A-Z]{3}$/.test(currency)) check.add('currency', UserErrorCode.INVALID, 'currency must be an ISO 4217 code such as CNY.');
    else terms.currency = currency;
  }
  if (!base || input.paymentSchedule != null) {
    if (!input.paymentSchedule || !Object.values(PaymentSchedule).includes(input.paymentSchedule)) check.add('paymentSchedule', UserErrorCode.INVALID, 'Unknown payment schedule.');
    else terms.paymentSchedule = input.paymentSchedule;
  }
  if (input.areaIds != null) terms.areaIds = check.ids('areaIds', input.areaIds, 'Area', { max: 100 });

  if (!base || input.parties != null) {
    const parties = input.parties ?? [];
    terms.parties = [];
    if (parties.length > 20) check.add('parties', UserErrorCode.OUT_OF_RANGE, 'A contract has at most 20 party roles.');
    const seen = new Set<string>();
    parties.slice(0, 20).forEach((p, i) => {
      const id = idOf(p.organizationId, 'Organization');
      if (!id) check.add(['input', 'parties', String(i), 'organizationId'], UserErrorCode.NOT_FOUND, 'No Organization with this id.');
      if (!Object.values(ContractPartyRole).includes(p.role)) {
        check.add(['input', 'parties', String(i), 'role'], UserErrorCode.INVALID, 'Unknown party role.');
        return;
      }
      if (!id) return;
      const key = `${id}|${p.role}`;
      if (seen.has(key)) check.add(['input', 'parties', String(i)], UserErrorCode.DUPLICATE, 'The same organisation is listed twice with the same role.');
      seen.add(key);
      terms.parties.push({ organizationId: id, role: p.role });
    });
    if (!terms.parties.some((p) => p.role === ContractPartyRole.PROVIDER)) check.add('parties', UserErrorCode.REQUIRED, 'A contract needs a PROVIDER.');
    if (new Set(terms.parties.map((p) => p.organizationId)).size < 2) check.add('parties', UserErrorCode.OUT_OF_RANGE, 'A contract needs two or more organisations.');
    const providers = new Set(terms.parties.filter((p) => p.role === ContractPartyRole.PROVIDER).map((p) => p.organizationId));
    if (terms.parties.some((p) => p.role !== ContractPartyRole.PROVIDER && p.role !== ContractPartyRole.SUPERVISOR && providers.has(p.organizationId))) {
      check.add('parties', UserErrorCode.INVALID, 'The PROVIDER cannot also be the CLIENT or FUNDER of its own contract.');
    }
  }

  if (input.clauses != null) {
    if (input.clauses.length > 100) check.add('clauses', UserErrorCode.OUT_OF_RANGE, 'At most 100 clauses.');
    terms.clauses = [];
    input.clauses.slice(0, 100).forEach((c, i) => {
      const text = check.text(`clauses.${i}.text`, c.text, { max: 4000, required: true });
      if (!Object.values(ContractPartyRole).includes(c.partyRole)) check.add(['input', 'clauses', String(i), 'partyRole'], UserErrorCode.INVALID, 'Unknown party role.');
      if (!Object.values(ContractClauseKind).includes(c.kind)) check.add(['input', 'clauses', String(i), 'kind'], UserErrorCode.INVALID, 'Unknown clause kind.');
      if (text) terms.clauses.push({ id: randomUUID(), partyRole: c.partyRole, kind: c.kind, text });
    });
  }
  terms.clauses.forEach((c, i) => {
    if (!terms.parties.some((p) => p.role === c.partyRole)) {
      check.add(['input', 'clauses', String(i), 'partyRole'], UserErrorCode.INVALID, `No party holds the role ${c.partyRole}.`);
    }
  });

  if (input.serviceLevels != null) {
    if (input.serviceLevels.length > 50) check.add('serviceLevels', UserErrorCode.OUT_OF_RANGE, 'At most 50 service levels.');
    terms.serviceLevels = [];
    input.serviceLevels.slice(0, 50).forEach((l, i) => {
      const at = (f: string) => ['input', 'serviceLevels', String(i), f];
      const description = check.text(`serviceLevels.${i}.description`, l.description, { max: 1000, required: l.metric === ServiceLevelMetric.CUSTOM });
      let ok = true;
      if (!Object.values(ServiceLevelMetric).includes(l.metric)) (ok = false), check.add(at('metric'), UserErrorCode.INVALID, 'Unknown metric.');
      if (!Object.values(ServiceLevelPeriod).includes(l.period)) (ok = false), check.add(at('period'), UserErrorCode.INVALID, 'Unknown period.');
      const max = l.metric === ServiceLevelMetric.CHECKPOINT_COVERAGE ? 100 : 9_999_999;
      if (!Number.isFinite(l.target) || l.target < 0 || l.target > max) (ok = false), check.add(at('target'), UserErrorCode.OUT_OF_RANGE, `target must be between 0 and ${max}.`);
      if (l.metric === ServiceLevelMetric.CUSTOM && !description) ok = false;
      if (ok) terms.serviceLevels.push({ id: randomUUID(), metric: l.metric, target: String(Math.round(l.target * 100) / 100), period: l.period, description });
    });
  }
  return terms;
}

/** Organisations and areas named in the terms must exist. */
export async function checkReferences(tx: Tx, terms: ContractTermsSnapshot): Promise<void> {
  const orgIds = [...new Set(terms.parties.map((p) => p.organizationId))];
  if (orgIds.length && (await tx.em.countBy(Organization, { id: In(orgIds) })) !== orgIds.length) {
    fail('parties', UserErrorCode.NOT_FOUND, 'One or more organisations do not exist.');
  }
  if (terms.areaIds.length && (await tx.em.countBy(Area, { id: In(terms.areaIds) })) !== terms.areaIds.length) {
    fail('areaIds', UserErrorCode.NOT_FOUND, 'One or more areas do not exist.');
  }
}

/** Makes `terms` the contract's live terms (the rows other modules read). */
export async function writeLiveTerms(tx: Tx, contractId: string, terms: ContractTermsSnapshot): Promise<void> {
  await tx.em.update(Contract, { id: contractId }, {
    title: terms.title,
    startsOn: terms.startsOn,
    endsOn: terms.endsOn,
    feeMinor: terms.feeMinor,
    currency: terms.currency,
    paymentSchedule: terms.paymentSchedule,
  });
  await tx.em.delete(ContractParty, { contractId });
  await tx.em.delete(ContractArea, { contractId });
  await tx.em.delete(ContractClause, { contractId });
  await tx.em.delete(ContractServiceLevel, { contractId });
  await tx.em.insert(ContractParty, terms.parties.map((p) => ({ contractId, organizationId: p.organizationId, role: p.role })));
  if (terms.areaIds.length) await tx.em.insert(ContractArea, terms.areaIds.map((areaId) => ({ contractId, areaId })));
  if (terms.clauses.length) await tx.em.insert(ContractClause, terms.clauses.map((c, position) => ({ ...c, contractId, position })));
  if (terms.serviceLevels.length) await tx.em.insert(ContractServiceLevel, terms.serviceLevels.map((l, position) => ({ ...l, contractId, position })));
}

// ---------------------------------------------------------------- helpers for changes

/** Parties and their overseers read inside the transaction (not from request loaders), so the audience is as of the change. */
export async function factsInTx(tx: Pick<Tx, 'em'>, contractId: string): Promise<ContractFacts> {
  const [own]: { status: ContractStatus; created_by_organization_id: string }[] = await tx.em.query('SELECT status, created_by_organization_id FROM contract WHERE id = $1', [contractId]);
  const parties: { organization_id: string }[] = await tx.em.query('SELECT DISTINCT organization_id FROM contract_party WHERE contract_id = $1', [contractId]);
  const partyOrganizationIds = parties.map((p) => p.organization_id);
  const overseers: { from_organization_id: string }[] = await tx.em.query(
    `SELECT DISTINCT from_organization_id FROM relationship
      WHERE to_organization_id = ANY($1) AND type IN ('SUPERVISES','GUIDES') AND status = 'ACCEPTED' AND starts_on <= $2 AND (ends_on IS NULL OR ends_on >= $2)`,
    [partyOrganizationIds, today()],
  );
  return { partyOrganizationIds, overseerOrganizationIds: overseers.map((o) => o.from_organization_id), status: own.status, createdByOrganizationId: own.created_by_organization_id };
}

/** Locks the contract; an invisible one answers like an unknown id. */
export async function lockVisible(tx: Tx, id: string): Promise<{ contract: Contract; facts: ContractFacts }> {
  const contract = await tx.em.findOne(Contract, { where: { id }, lock: { mode: 'pessimistic_write' } });
  if (!contract) fail('id', UserErrorCode.NOT_FOUND, 'No Contract with this id.');
  const facts = await factsInTx(tx, contract.id);
  if (!canSeeContract(tx.ctx.viewer, facts)) fail('id', UserErrorCode.NOT_FOUND, 'No Contract with this id.');
  return { contract, facts };
}

export function checkVersion(contract: Contract, expected: number): void {
  if (contract.version !== expected) fail('expectedVersion', UserErrorCode.CONFLICT, 'The contract changed since you read it; reload and retry.');
}

export function requireStatus(contract: Contract, allowed: ContractStatus[], action: string): void {
  if (!allowed.includes(contract.status)) {
    fail('id', UserErrorCode.INVALID_TRANSITION, `A ${contract.status} contract cannot be ${action}; only ${allowed.join(' or ')}.`);
  }
}

/** Conditional update: of two writers holding the same version exactly one wins. */
export async function bump(tx: Tx, contract: Contract, changes: Partial<Contract>): Promise<void> {
  await updateVersioned(tx, Contract, contract.id, contract.version, { ...changes, updatedAt: () => 'now()' }, 'contract');
}

export function emitContract(tx: Tx, type: string, contract: Contract, facts: ContractFacts, payload: Record<string, unknown> = {}): void {
  tx.emit({
    topic: 'contract',
    type,
    subjectId: contract.id,
    // Audience as of the new state: a proposal reaches every party, a draft only its drafter.
    organizationIds: contractAudience({ ...facts, status: (payload.status as ContractStatus | undefined) ?? contract.status }),
    payload: { contractId: contract.id, ...payload },
  });
}

export async function snapshotOf(tx: Tx, contractId: string, number: number): Promise<ContractTermsSnapshot> {
  const version = await tx.em.findOneByOrFail(ContractVersion, { contractId, number });
  return version.snapshot;
}

/**
 * Creates or refreshes the CONTRACTS_WITH relation from each CLIENT/FUNDER to
 * each PROVIDER, so the network shows the contract. Called only when a
 * contract comes into force (every party signed, start date reached) or an
 * amendment signed by every party changes it: a draft names parties but
 * binds none, and CONTRACTS_WITH gives patrol reach. The relation carries the
 * contract's dates. Serialised per pair with the same lock as
 * `relationshipCreate`.
 */
export async function refreshRelationships(tx: Tx, contract: { id: string; title: string; startsOn: string; endsOn: string }, parties: { organizationId: string; role: ContractPartyRole }[]): Promise<void> {
  const providers = [...new Set(parties.filter((p) => p.role === ContractPartyRole.PROVIDER).map((p) => p.organizationId))];
  const payers = [...new Set(parties.filter((p) => p.role === ContractPartyRole.CLIENT || p.role === ContractPartyRole.FUNDER).map((p) => p.organizationId))];
  const on = today();
  for (const fromId of payers) {
    for (const toId of providers) {
      if (fromId === toId) continue;
      const type = RelationshipType.CONTRACTS_WITH;
      await tx.em.query('SELECT pg_advisory_xact_lock(hashtext($1))', [[fromId, toId, type].join('|')]);
      const open = await tx.em
        .createQueryBuilder(Relationship, 'r')
        .where('r.from_organization_id = :fromId AND r.to_organization_id = :toId AND r.type = :type', { fromId, toId, type })
        .andWhere("r.status = 'ACCEPTED'")
        .andWhere('(r.ends_on IS NULL OR r.ends_on >= :on)', { on })
        .orderBy('r.starts_on', 'ASC')
        .getOne();
      if (open) {
        if (open.endsOn !== null && open.endsOn < contract.endsOn) {
          await tx.em.update(Relationship, { id: open.id }, { endsOn: contract.endsOn });
          tx.audit({ action: 'relationshipRefresh', recordType: 'Relationship', recordId: open.id, details: { endsOn: contract.endsOn, contractId: contract.id } });
        }
        continue;
      }
      const startsOn = contract.startsOn;
      const { identifiers } = await tx.em.insert(Relationship, {
        fromOrganizationId: fromId,
        toOrganizationId: toId,
        type,
        startsOn,
        endsOn: contract.endsOn,
        note: `契約 (contract): ${contract.title}`.slice(0, 1000),
      });
      const relationshipId = identifiers[0].id as string;
      tx.audit({ action: 'relationshipCreate', recordType: 'Relationship', recordId: relationshipId, details: { fromId, toId, type, startsOn, contractId: contract.id } });
      tx.emit({
        topic: 'network',
        type: 'relationship.created',
        subjectId: relationshipId,
        organizationIds: [fromId, toId],
        payload: { relationshipId, fromOrganizationId: fromId, toOrganizationId: toId, type, startsOn, contractId: contract.id },
      });
    }
  }
}

export async function reload(tx: Tx, id: string): Promise<{ contract: Contract }> {
  return { contract: await tx.em.findOneByOrFail(Contract, { id }) };
}

