import { randomUUID } from 'node:crypto';
import { In } from 'typeorm';
import type { AppContext, AppServices } from '../../shared/context';
import { UserErrorCode, badUserInput, forbidden } from '../../shared/errors';
import { today } from '../../shared/clock';
import { Viewer } from '../../shared/auth/viewer';
import { LoaderRegistry } from '../../shared/loaders';
import { type Tx, fail, failIfAny, inTransaction, updateVersioned } from '../../shared/transaction';
import { InputCheck } from '../../shared/validation';
import { idOf } from '../../shared/relay/global-id';
import { paginate, paginateArray, type ConnectionArgs, type Page } from '../../shared/relay/connection';
import { Area } from '../area/area.entity';
import { Organization } from '../organization/organization.entity';
import { Relationship, RelationshipType } from '../relationship/relationship.entity';
import {
  Contract,
  ContractArea,
  ContractClause,
  ContractClauseKind,
  ContractParty,
  ContractPartyRole,
  ContractServiceLevel,
  ContractSignature,
  ContractStatus,
  ContractVersion,
  PaymentSchedule,
  ServiceLevelMetric,
  ServiceLevelPeriod,
  type ContractTermsSnapshot,
} from './contract.entity';
import type {
  ContractAmendInput,
  ContractDeclineInput,
  ContractClauseInput,
  ContractDraftInput,
  ContractPartyInput,
  ContractReasonInput,
  ContractServiceLevelInput,
  ContractSignInput,
  ContractStepInput,
  ContractTermsChangeInput,
  ContractUpdateInput,
} from './contract.inputs';
import { contractPartiesByContractId, contractSignaturesByContractId, contractsById, contractsByPartyOrganizationId, overseerOrganizationIdsByOrganizationId } from './contract.loaders';
import { canDeclineContractFor, canEditContract, canManageContract, canSeeContract, canSignContractFor, contractAudience, type ContractFacts } from './contract.policy';

export const MAX_EXPIRING_WITHIN_DAYS = 3650;
const MAX_FEE_MINOR = Number.MAX_SAFE_INTEGER;
const NO_MATCH = '00000000-0000-0000-0000-000000000000';

// ---------------------------------------------------------------- reading

/** Facts for the visibility rule, through the request's loaders. */
async function loadFacts(ctx: AppContext, contract: Contract, skipOverseers: boolean): Promise<ContractFacts> {
  const parties = await contractPartiesByContractId(ctx).load(contract.id);
  const partyOrganizationIds = [...new Set(parties.map((p) => p.organizationId))];
  const own = { status: contract.status, createdByOrganizationId: contract.createdByOrganizationId };
  if (skipOverseers) return { partyOrganizationIds, overseerOrganizationIds: [], ...own };
  const overseers = await overseerOrganizationIdsByOrganizationId(ctx).loadMany(partyOrganizationIds);
  return { partyOrganizationIds, overseerOrganizationIds: overseers.flatMap((o) => (Array.isArray(o) ? o : [])), ...own };
}

export async function isContractVisible(ctx: AppContext, contract: Contract): Promise<boolean> {
  if (!ctx.viewer.signedIn) return false;
  if (ctx.viewer.isPlatformAdmin) return true;
  if (contract.status === ContractStatus.DRAFT) return canSeeContract(ctx.viewer, await loadFacts(ctx, contract, true));
  const direct = await loadFacts(ctx, contract, true);
  if (ctx.viewer.sharesAnyOrganization(direct.partyOrganizationIds)) return true;
  return canSeeContract(ctx.viewer, await loadFacts(ctx, contract, false));
}

/** The contract if the viewer may see it; null exactly as for an unknown id. */
export async function findContract(ctx: AppContext, id: string | null): Promise<Contract | null> {
  if (!id) return null;
  const contract = await contractsById(ctx).load(id);
  return contract && (await isContractVisible(ctx, contract)) ? contract : null;
}

export interface ContractFilter {
  partyOrganizationId?: string | null;
  role?: ContractPartyRole | null;
  statuses?: ContractStatus[] | null;
  areaId?: string | null;
  expiringWithinDays?: number | null;
  updatedSince?: Date | null;
}

/** Visible contracts, oldest first; visibility and filters are applied in SQL. */
export async function listContracts(ctx: AppContext, filter: ContractFilter, args: ConnectionArgs): Promise<Page<Contract>> {
  const on = today();
  const qb = ctx.app.db.getRepository(Contract).createQueryBuilder('c');
  if (!ctx.viewer.isPlatformAdmin) {
    // The same rule as canSeeContract: a draft only for its drafter; later, parties and accepted overseers.
    qb.andWhere(
      `((c.status = 'DRAFT' AND c.created_by_organization_id = ANY(:viewerOrgs))
        OR (c.status <> 'DRAFT' AND EXISTS (SELECT 1 FROM contract_party vp WHERE vp.contract_id = c.id AND (
         vp.organization_id = ANY(:viewerOrgs)
         OR EXISTS (SELECT 1 FROM relationship vr
                     WHERE vr.to_organization_id = vp.organization_id AND vr.from_organization_id = ANY(:viewerOrgs)
                       AND vr.type IN ('SUPERVISES','GUIDES') AND vr.status = 'ACCEPTED' AND vr.starts_on <= :on AND (vr.ends_on IS NULL OR vr.ends_on >= :on))))))`,
      { viewerOrgs: ctx.viewer.organizationIds, on },
    );
  }
  if (filter.partyOrganizationId) {
    qb.andWhere(
      `EXISTS (SELECT 1 FROM contract_party fp WHERE fp.contract_id = c.id AND fp.organization_id = :partyId ${filter.role ? 'AND fp.role = :role' : ''})`,
      { partyId: filter.partyOrganizationId, role: filter.role },
    );
  } else if (filter.role) {
    // A role without a party: contracts in which one of the viewer's organisations holds it.
    qb.andWhere(`EXISTS (SELECT 1 FROM contract_party fp WHERE fp.contract_id = c.id AND fp.role = :role AND fp.organization_id = ANY(:viewerOrgs))`, {
      role: filter.role,
      viewerOrgs: ctx.viewer.organizationIds,
    });
  }
  if (filter.statuses?.length) qb.andWhere('c.status IN (:...statuses)', { statuses: filter.statuses });
  if (filter.updatedSince) qb.andWhere('c.updated_at >= :updatedSince', { updatedSince: filter.updatedSince });
  if (filter.areaId) {
    // Scope overlaps the area: a covered area lies within it, or it lies within a covered area.
    qb.andWhere(
      `EXISTS (SELECT 1 FROM contract_area fa JOIN area a ON a.id = fa.area_id, area w
                WHERE fa.contract_id = c.id AND w.id = :areaId AND (a.path LIKE w.path || '%' OR w.path LIKE a.path || '%'))`,
      { areaId: filter.areaId },
    );
  }
  if (filter.expiringWithinDays != null) {
    if (!Number.isInteger(filter.expiringWithinDays) || filter.expiringWithinDays < 0 || filter.expiringWithinDays > MAX_EXPIRING_WITHIN_DAYS) {
      throw badUserInput(`expiringWithinDays must be between 0 and ${MAX_EXPIRING_WITHIN_DAYS}`);
    }
    qb.andWhere(`c.status IN ('ACTIVE','SUSPENDED') AND c.ends_on >= :on AND c.ends_on <= (CAST(:on AS date) + CAST(:days AS int))`, { on, days: filter.expiringWithinDays });
  }
  return paginate(qb, args, [
    { sql: 'c.created_at', value: (c) => c.createdAt.toISOString() },
    { sql: 'c.id', value: (c) => c.id },
  ]);
}

/** Contracts an organisation is a party to that the viewer may see (`Organization.contracts`). */
export async function contractsOfOrganization(
  ctx: AppContext,
  organizationId: string,
  filter: { role?: ContractPartyRole | null; statuses?: ContractStatus[] | null },
  args: ConnectionArgs,
): Promise<Page<Contract>> {
  const all = await contractsByPartyOrganizationId(ctx).load(organizationId);
  const parties = await contractPartiesByContractId(ctx).loadMany(all.map((c) => c.id));
  const matching = all.filter((c, i) => {
    const ps = parties[i];
    if (!Array.isArray(ps)) return false;
    if (filter.role && !ps.some((p) => p.organizationId === organizationId && p.role === filter.role)) return false;
    return !filter.statuses?.length || filter.statuses.includes(c.status);
  });
  const visible = await Promise.all(matching.map((c) => isContractVisible(ctx, c)));
  return paginateArray(matching.filter((_, i) => visible[i]), args, (c) => c.id);
}

/** Organisations that still have to sign the version awaiting signatures (the proposal or a pending amendment). */
export async function awaitingSignatureOrganizationIds(ctx: AppContext, contract: Contract): Promise<string[]> {
  const number = awaitingVersionNumber(contract);
  if (number === null) return [];
  const [parties, signatures] = await Promise.all([contractPartiesByContractId(ctx).load(contract.id), contractSignaturesByContractId(ctx).load(contract.id)]);
  const signed = new Set(signatures.filter((s) => s.versionNumber === number).map((s) => s.organizationId));
  return [...new Set(parties.map((p) => p.organizationId))].filter((id) => !signed.has(id));
}

/** The version signatures are collected for: the proposal while PROPOSED, else a pending amendment. */
function awaitingVersionNumber(contract: Contract): number | null {
  if (contract.status === ContractStatus.PROPOSED) return contract.currentVersion;
  if ((contract.status === ContractStatus.ACTIVE || contract.status === ContractStatus.SUSPENDED) && contract.pendingVersion !== null) return contract.pendingVersion;
  return null;
}

// ---------------------------------------------------------------- terms

interface TermsFields {
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
function buildTerms(check: InputCheck, input: TermsFields, base: ContractTermsSnapshot | null): ContractTermsSnapshot {
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
async function checkReferences(tx: Tx, terms: ContractTermsSnapshot): Promise<void> {
  const orgIds = [...new Set(terms.parties.map((p) => p.organizationId))];
  if (orgIds.length && (await tx.em.countBy(Organization, { id: In(orgIds) })) !== orgIds.length) {
    fail('parties', UserErrorCode.NOT_FOUND, 'One or more organisations do not exist.');
  }
  if (terms.areaIds.length && (await tx.em.countBy(Area, { id: In(terms.areaIds) })) !== terms.areaIds.length) {
    fail('areaIds', UserErrorCode.NOT_FOUND, 'One or more areas do not exist.');
  }
}

/** Makes `terms` the contract's live terms (the rows other modules read). */
async function writeLiveTerms(tx: Tx, contractId: string, terms: ContractTermsSnapshot): Promise<void> {
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
async function factsInTx(tx: Pick<Tx, 'em'>, contractId: string): Promise<ContractFacts> {
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
async function lockVisible(tx: Tx, id: string): Promise<{ contract: Contract; facts: ContractFacts }> {
  const contract = await tx.em.findOne(Contract, { where: { id }, lock: { mode: 'pessimistic_write' } });
  if (!contract) fail('id', UserErrorCode.NOT_FOUND, 'No Contract with this id.');
  const facts = await factsInTx(tx, contract.id);
  if (!canSeeContract(tx.ctx.viewer, facts)) fail('id', UserErrorCode.NOT_FOUND, 'No Contract with this id.');
  return { contract, facts };
}

function checkVersion(contract: Contract, expected: number): void {
  if (contract.version !== expected) fail('expectedVersion', UserErrorCode.CONFLICT, 'The contract changed since you read it; reload and retry.');
}

function requireStatus(contract: Contract, allowed: ContractStatus[], action: string): void {
  if (!allowed.includes(contract.status)) {
    fail('id', UserErrorCode.INVALID_TRANSITION, `A ${contract.status} contract cannot be ${action}; only ${allowed.join(' or ')}.`);
  }
}

/** Conditional update: of two writers holding the same version exactly one wins. */
async function bump(tx: Tx, contract: Contract, changes: Partial<Contract>): Promise<void> {
  await updateVersioned(tx, Contract, contract.id, contract.version, { ...changes, updatedAt: () => 'now()' }, 'contract');
}

function emitContract(tx: Tx, type: string, contract: Contract, facts: ContractFacts, payload: Record<string, unknown> = {}): void {
  tx.emit({
    topic: 'contract',
    type,
    subjectId: contract.id,
    // Audience as of the new state: a proposal reaches every party, a draft only its drafter.
    organizationIds: contractAudience({ ...facts, status: (payload.status as ContractStatus | undefined) ?? contract.status }),
    payload: { contractId: contract.id, ...payload },
  });
}

async function snapshotOf(tx: Tx, contractId: string, number: number): Promise<ContractTermsSnapshot> {
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
async function refreshRelationships(tx: Tx, contract: { id: string; title: string; startsOn: string; endsOn: string }, parties: { organizationId: string; role: ContractPartyRole }[]): Promise<void> {
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

async function reload(tx: Tx, id: string): Promise<{ contract: Contract }> {
  return { contract: await tx.em.findOneByOrFail(Contract, { id }) };
}

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

export { NO_MATCH };
