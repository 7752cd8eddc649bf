import type { AppContext } from '../../shared/context';
import { UserErrorCode, forbidden } from '../../shared/errors';
import { isLocalDate, today } from '../../shared/clock';
import { paginate, type ConnectionArgs } from '../../shared/relay/connection';
import { fail, failIfAny, inTransaction, updateVersioned, type Tx } from '../../shared/transaction';
import { InputCheck } from '../../shared/validation';
import { subtreePattern } from '../area/area.service';
import { Organization } from '../organization/organization.entity';
import { organizationsById } from '../organization/organization.loaders';
import { contractPartiesByContractId } from '../contract/contract.loaders';
import { findContract } from '../contract/contract.service';
import { findPatrolTeam } from '../patrol/patrol.service';
import { FundEntry, FundEntryCategory, FundEntryKind, FundEntryStatus, SecurityFund, SecurityFundTeam, FundStatement, kindOf } from './fund.entity';
import { emitFund } from './fund.events';
import type { FundEntryDecideInput, FundEntryRecordInput, FundEntryReverseInput, SecurityFundCreateInput, SecurityFundUpdateInput } from './fund.inputs';
import { fundAudienceByFundId, fundEntriesById, fundStatementsById, securityFundsById } from './fund.loaders';
import { canApproveFundEntries, canManageFund, canRecordFundEntry, canSeeFund, isSecondPerson } from './fund.policy';

export const MAX_AMOUNT_MINOR = 10_000_000_000;
const MAX_TEAMS = 500;

// ---------------------------------------------------------------- visibility

export async function canSeeFundRecord(ctx: AppContext, fund: SecurityFund): Promise<boolean> {
  if (!ctx.viewer.signedIn) return false;
  if (ctx.viewer.isPlatformAdmin || ctx.viewer.isMemberOf(fund.organizationId)) return true;
  return canSeeFund(ctx.viewer, await fundAudienceByFundId(ctx).load(fund.id));
}

export async function findFund(ctx: AppContext, id: string | null): Promise<SecurityFund | null> {
  if (!id || !ctx.viewer.signedIn) return null;
  const fund = await securityFundsById(ctx).load(id);
  return fund && (await canSeeFundRecord(ctx, fund)) ? fund : null;
}

export async function findFundEntry(ctx: AppContext, id: string | null): Promise<FundEntry | null> {
  if (!id || !ctx.viewer.signedIn) return null;
  const entry = await fundEntriesById(ctx).load(id);
  return entry && (await findFund(ctx, entry.fundId)) ? entry : null;
}

export async function findFundStatement(ctx: AppContext, id: string | null): Promise<FundStatement | null> {
  if (!id || !ctx.viewer.signedIn) return null;
  const statement = await fundStatementsById(ctx).load(id);
  return statement && (await findFund(ctx, statement.fundId)) ? statement : null;
}

export interface FundFilter {
  organizationId?: string | null;
  withinAreaId?: string | null;
}

/** Funds the viewer may see, by name. */
export async function listFunds(ctx: AppContext, filter: FundFilter, args: ConnectionArgs) {
  const qb = ctx.app.db.getRepository(SecurityFund).createQueryBuilder('f').innerJoin(Organization, 'o', 'o.id = f.organization_id');
  if (filter.organizationId) qb.andWhere('f.organization_id = :org', { org: filter.organizationId });
  if (filter.withinAreaId) {
    qb.andWhere(`EXISTS (SELECT 1 FROM area a WHERE a.id = o.home_area_id AND a.path LIKE :within)`, { within: await subtreePattern(ctx, filter.withinAreaId) });
  }
  if (!ctx.viewer.isPlatformAdmin) {
    const orgs = ctx.viewer.organizationIds;
    if (orgs.length === 0) qb.andWhere('FALSE');
    else qb.andWhere(`security_fund_audience(f.id, CAST(:day AS date)) && CAST(:orgs AS uuid[])`, { orgs, day: today() });
  }
  return paginate(qb, args, [
    { sql: 'f.name', value: (f) => f.name },
    { sql: 'f.id', value: (f) => f.id },
  ]);
}

// ---------------------------------------------------------------- helpers

/** Locks the fund row: entries, decisions and publishing of one fund happen one at a time. */
export async function lockFund(tx: Tx, fundId: string): Promise<SecurityFund> {
  const fund = await tx.em.findOne(SecurityFund, { where: { id: fundId }, lock: { mode: 'pessimistic_write' } });
  if (!fund) fail('fundId', UserErrorCode.NOT_FOUND, 'No SecurityFund with this id.');
  return fund;
}

/** Whether a day of the fund lies in a published (frozen) period. */
export async function isPublishedDay(tx: Pick<Tx, 'em'>, fundId: string, day: string): Promise<boolean> {
  const [row] = await tx.em.query(`SELECT EXISTS (SELECT 1 FROM fund_statement WHERE fund_id = $1 AND $2::date BETWEEN period_start AND period_end) AS frozen`, [fundId, day]);
  return row.frozen === true;
}

export function checkDay(check: InputCheck, field: string, value: string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  if (!isLocalDate(String(value))) {
    check.add(field, UserErrorCode.INVALID, `${field} must be a date (YYYY-MM-DD).`);
    return null;
  }
  if (String(value) > today()) {
    check.add(field, UserErrorCode.OUT_OF_RANGE, `${field} must not lie in the future.`);
    return null;
  }
  return String(value);
}

export function firstOfMonth(day: string): string {
  return `${day.slice(0, 7)}-01`;
}

/** Teams a fund may pay: visible to the viewer, and the fund's organisation owns them or FUNDS their organisation. */
async function teamsToPay(ctx: AppContext, tx: Tx, check: InputCheck, organizationId: string, raw: string[] | null | undefined, fundId: string | null): Promise<string[] | null> {
  if (raw === null || raw === undefined) return null;
  const ids = check.ids('teamIds', raw, 'PatrolTeam', { max: MAX_TEAMS });
  for (const [i, id] of ids.entries()) {
    const team = await findPatrolTeam(ctx, id);
    if (!team) {
      check.add(['input', 'teamIds', String(i)], UserErrorCode.NOT_FOUND, 'No PatrolTeam with this id.');
      continue;
    }
    if (team.organizationId !== organizationId) {
      const [funds] = await tx.em.query(
        `SELECT EXISTS (SELECT 1 FROM relationship WHERE from_organization_id = $1 AND to_organization_id = $2 AND type = 'FUNDS' AND status = 'ACCEPTED'
                          AND starts_on <= $3 AND (ends_on IS NULL OR ends_on >= $3)) AS ok`,
        [organizationId, team.organizationId, today()],
      );
      if (!funds.ok) check.add(['input', 'teamIds', String(i)], UserErrorCode.NOT_PERMITTED_HERE, "The team belongs neither to the fund's organisation nor to one it FUNDS.");
    }
    const [other] = await tx.em.query(`SELECT fund_id FROM security_fund_team WHERE team_id = $1`, [id]);
    if (other && other.fund_id !== fundId) check.add(['input', 'teamIds', String(i)], UserErrorCode.NOT_PERMITTED_HERE, 'The team is already paid from another fund.');
  }
  return ids;
}

async function contractToPay(ctx: AppContext, check: InputCheck, organizationId: string, raw: string | null | undefined): Promise<string | null | undefined> {
  if (raw === undefined) return undefined;
  if (raw === null) return null;
  const id = check.id('contractId', raw, 'Contract');
  if (!id) return undefined;
  const contract = await findContract(ctx, id);
  if (!contract) {
    check.add('contractId', UserErrorCode.NOT_FOUND, 'No Contract with this id.');
    return undefined;
  }
  const parties = await contractPartiesByContractId(ctx).load(contract.id);
  if (!parties.some((p) => p.organizationId === organizationId && (p.role === 'CLIENT' || p.role === 'FUNDER'))) {
    check.add('contractId', UserErrorCode.NOT_PERMITTED_HERE, "The fund's organisation is not the CLIENT or FUNDER of this contract.");
  }
  return contract.id;
}

// ---------------------------------------------------------------- funds

export async function createFund(ctx: AppContext, input: SecurityFundCreateInput): Promise<{ fund: SecurityFund }> {
  const check = new InputCheck();
  const organizationId = check.id('organizationId', input.organizationId, 'Organization', { required: true });
  const name = check.text('name', input.name, { max: 200, required: true });
  const description = check.text('description', input.description, { max: 2000 });
  const currency = (input.currency ?? 'CNY').trim().toUpperCase();
  if (!/^[A-Z]{3}$/.test(currency)) check.add('currency', UserErrorCode.INVALID, 'currency is an ISO 4217 code such as CNY.');
  failIfAny(check.errors);
  const organization = await organizationsById(ctx).load(organizationId!);
  if (!organization) fail('organizationId', UserErrorCode.NOT_FOUND, 'No Organization with this id.');
  if (!canManageFund(ctx.viewer, organization.id)) throw forbidden("Only a person who is ADMIN of the organisation sets up its funds.");
  const contractId = await contractToPay(ctx, check, organization.id, input.contractId ?? null);
  return inTransaction(ctx, async (tx) => {
    const teamIds = (await teamsToPay(ctx, tx, check, organization.id, input.teamIds ?? [], null)) ?? [];
    failIfAny(check.errors);
    const fund = tx.em.create(SecurityFund, { organizationId: organization.id, name: name!, description, currency, contractId: contractId ?? null, createdByUserId: ctx.viewer.userId });
    await tx.em.insert(SecurityFund, fund);
    if (teamIds.length) await tx.em.insert(SecurityFundTeam, teamIds.map((teamId) => ({ teamId, fundId: fund.id })));
    tx.audit({ action: 'securityFundCreate', recordType: 'SecurityFund', recordId: fund.id, details: { organizationId: organization.id, name, currency, teamIds, contractId: contractId ?? null } });
    await emitFund(tx, fund.id, 'fund.created', { organizationId: organization.id, teamIds, contractId: contractId ?? null });
    return { fund: await tx.em.findOneByOrFail(SecurityFund, { id: fund.id }) };
  });
}

export async function updateFund(ctx: AppContext, input: SecurityFundUpdateInput): Promise<{ fund: SecurityFund }> {
  const check = new InputCheck();
  const fundId = check.id('fundId', input.fundId, 'SecurityFund', { required: true });
  const name = input.name === undefined || input.name === null ? null : check.text('name', input.name, { max: 200, required: true });
  failIfAny(check.errors);
  const fund = await findFund(ctx, fundId);
  if (!fund) fail('fundId', UserErrorCode.NOT_FOUND, 'No SecurityFund with this id.');
  if (!canManageFund(ctx.viewer, fund.organizationId)) throw forbidden("Only a person who is ADMIN of the fund's organisation changes it.");
  const contractId = await contractToPay(ctx, check, fund.organizationId, input.contractId);
  return inTransaction(ctx, async (tx) => {
    const teamIds = await teamsToPay(ctx, tx, check, fund.organizationId, input.teamIds, fund.id);
    failIfAny(check.errors);
    // Audience before the change: organisations that lose sight of the fund learn that they did.
    const changes: Record<string, unknown> = {};
    if (name) changes.name = name;
    if (contractId !== undefined) changes.contractId = contractId;
    await updateVersioned(tx, SecurityFund, fund.id, input.expectedVersion, changes, 'fund');
    if (teamIds) {
      await tx.em.query(`DELETE FROM security_fund_team WHERE fund_id = $1 AND NOT (team_id = ANY($2::uuid[]))`, [fund.id, teamIds]);
      if (teamIds.length) await tx.em.query(`INSERT INTO security_fund_team (team_id, fund_id) SELECT unnest($1::uuid[]), $2 ON CONFLICT (team_id) DO NOTHING`, [teamIds, fund.id]);
    }
    tx.audit({ action: 'securityFundUpdate', recordType: 'SecurityFund', recordId: fund.id, details: { ...changes, teamIds } });
    await emitFund(tx, fund.id, 'fund.updated', { teamIds: teamIds ?? undefined, contractId: contractId ?? undefined });
    return { fund: await tx.em.findOneByOrFail(SecurityFund, { id: fund.id }) };
  });
}

// ---------------------------------------------------------------- entries

export interface NewEntry {
  category: FundEntryCategory;
  occurredOn: string;
  amountMinor: number;
  receiptReference: string | null;
  description: string | null;
  rosterEntryId?: string | null;
  payMonth?: string | null;
  hours?: number | null;
  rateMinorPerHour?: number | null;
  reversesEntryId?: string | null;
  kind?: FundEntryKind;
}

/**
 * Writes one entry of a locked fund: refused in a published period. A plain
 * contribution counts at once; a payout or a reversal waits for a second person.
 */
export async function insertEntry(tx: Tx, fund: SecurityFund, entry: NewEntry, dayField = 'occurredOn'): Promise<FundEntry> {
  if (await isPublishedDay(tx, fund.id, entry.occurredOn)) fail(dayField, UserErrorCode.PERIOD_PUBLISHED, `The statement of the period holding ${entry.occurredOn} is published (公示); it is frozen. Record the entry, or a correction, in an open period.`);
  const kind = entry.kind ?? kindOf(entry.category);
  const pending = kind === FundEntryKind.PAYOUT || Boolean(entry.reversesEntryId);
  const row = tx.em.create(FundEntry, {
    fundId: fund.id,
    kind,
    category: entry.category,
    occurredOn: entry.occurredOn,
    amountMinor: entry.amountMinor,
    receiptReference: entry.receiptReference,
    description: entry.description,
    rosterEntryId: entry.rosterEntryId ?? null,
    payMonth: entry.payMonth ?? null,
    hours: entry.hours ?? null,
    rateMinorPerHour: entry.rateMinorPerHour ?? null,
    reversesEntryId: entry.reversesEntryId ?? null,
    status: pending ? FundEntryStatus.PENDING : FundEntryStatus.COUNTED,
    recordedByUserId: tx.ctx.viewer.userId!,
  });
  await tx.em.insert(FundEntry, row);
  const saved = await tx.em.findOneByOrFail(FundEntry, { id: row.id });
  tx.audit({ action: 'fundEntryRecord', recordType: 'FundEntry', recordId: saved.id, details: { fundId: fund.id, kind, category: saved.category, occurredOn: saved.occurredOn, amountMinor: saved.amountMinor, status: saved.status, reversesEntryId: saved.reversesEntryId, rosterEntryId: saved.rosterEntryId, payMonth: saved.payMonth, hours: saved.hours } });
  await emitFund(tx, fund.id, 'fund.entryRecorded', { entryId: saved.id, kind, category: saved.category, occurredOn: saved.occurredOn, amountMinor: saved.amountMinor, status: saved.status, reversesEntryId: saved.reversesEntryId });
  return saved;
}

export async function fundToRecordIn(ctx: AppContext, fundId: string | null): Promise<SecurityFund> {
  const fund = await findFund(ctx, fundId);
  if (!fund) fail('fundId', UserErrorCode.NOT_FOUND, 'No SecurityFund with this id.');
  if (!canRecordFundEntry(ctx.viewer, fund.organizationId)) throw forbidden("Only people who act for the fund's organisation record its entries.");
  return fund;
}

/** A guard-pay payee must be on the roster of a team this fund pays; null when so, else why not. */
export async function payeeProblem(tx: Pick<Tx, 'em'>, fund: SecurityFund, rosterEntryId: string): Promise<string | null> {
  const [row] = await tx.em.query(
    `SELECT r.categories, ft.fund_id FROM roster_entry r LEFT JOIN security_fund_team ft ON ft.team_id = r.team_id WHERE r.id = $1`,
    [rosterEntryId],
  );
  if (!row) return 'No RosterEntry with this id.';
  if (row.fund_id !== fund.id) return "The person's team is not paid from this fund.";
  return null;
}

export async function recordEntry(ctx: AppContext, input: FundEntryRecordInput): Promise<{ entry: FundEntry }> {
  const check = new InputCheck();
  const fundId = check.id('fundId', input.fundId, 'SecurityFund', { required: true });
  const occurredOn = checkDay(check, 'occurredOn', input.occurredOn);
  if (!Number.isSafeInteger(input.amountMinor) || input.amountMinor < 1 || input.amountMinor > MAX_AMOUNT_MINOR) check.add('amountMinor', UserErrorCode.OUT_OF_RANGE, `amountMinor is a whole number of minor units between 1 and ${MAX_AMOUNT_MINOR}.`);
  const receiptReference = check.text('receiptReference', input.receiptReference, { max: 100 });
  const description = check.text('description', input.description, { max: 1000 });
  const rosterEntryId = check.id('rosterEntryId', input.rosterEntryId, 'RosterEntry');
  const payMonth = input.payMonth == null ? null : isLocalDate(String(input.payMonth)) ? firstOfMonth(String(input.payMonth)) : (check.add('payMonth', UserErrorCode.INVALID, 'payMonth must be a date (YYYY-MM-DD).'), null);
  if ((rosterEntryId || payMonth) && input.category !== FundEntryCategory.GUARD_PAY) check.add('category', UserErrorCode.INVALID, 'Only GUARD_PAY names a person and a month.');
  failIfAny(check.errors);
  const fund = await fundToRecordIn(ctx, fundId);
  return inTransaction(ctx, async (tx) => {
    await lockFund(tx, fund.id);
    if (rosterEntryId) {
      const problem = await payeeProblem(tx, fund, rosterEntryId);
      if (problem) fail('rosterEntryId', UserErrorCode.NOT_PERMITTED_HERE, problem);
    }
    const entry = await insertEntry(tx, fund, { category: input.category, occurredOn: occurredOn!, amountMinor: input.amountMinor, receiptReference, description, rosterEntryId, payMonth });
    return { entry };
  });
}

async function pendingEntryToDecide(ctx: AppContext, tx: Tx, rawId: string): Promise<{ entry: FundEntry; fund: SecurityFund }> {
  const check = new InputCheck();
  const entryId = check.id('entryId', rawId, 'FundEntry', { required: true });
  failIfAny(check.errors);
  const visible = await findFundEntry(ctx, entryId);
  if (!visible) fail('entryId', UserErrorCode.NOT_FOUND, 'No FundEntry with this id.');
  const fund = await lockFund(tx, visible.fundId);
  if (!canApproveFundEntries(ctx.viewer, fund.organizationId)) throw forbidden("Only an ADMIN or COORDINATOR of the fund's organisation approves or rejects entries.");
  const entry = await tx.em.findOneByOrFail(FundEntry, { id: visible.id });
  if (entry.status !== FundEntryStatus.PENDING) fail('entryId', UserErrorCode.ALREADY_DONE, `The entry is already ${entry.status}.`);
  if (!isSecondPerson(ctx.viewer, entry.recordedByUserId)) fail('entryId', UserErrorCode.SECOND_PERSON_REQUIRED, 'You recorded this entry: another person must approve or reject it (two-person rule).');
  if (await isPublishedDay(tx, fund.id, entry.occurredOn)) fail('entryId', UserErrorCode.PERIOD_PUBLISHED, "The entry's period is published and frozen.");
  return { entry, fund };
}

export async function approveEntry(ctx: AppContext, input: FundEntryDecideInput): Promise<{ entry: FundEntry }> {
  return inTransaction(ctx, async (tx) => {
    const { entry, fund } = await pendingEntryToDecide(ctx, tx, input.entryId);
    await tx.em.update(FundEntry, { id: entry.id }, { status: FundEntryStatus.COUNTED, approvedByUserId: ctx.viewer.userId, approvedAt: () => 'now()' });
    tx.audit({ action: 'fundEntryApprove', recordType: 'FundEntry', recordId: entry.id, details: { fundId: fund.id, recordedByUserId: entry.recordedByUserId } });
    await emitFund(tx, fund.id, 'fund.entryApproved', { entryId: entry.id, kind: entry.kind, category: entry.category, amountMinor: entry.amountMinor, status: FundEntryStatus.COUNTED });
    return { entry: await tx.em.findOneByOrFail(FundEntry, { id: entry.id }) };
  });
}

export async function rejectEntry(ctx: AppContext, input: FundEntryDecideInput): Promise<{ entry: FundEntry }> {
  const check = new InputCheck();
  const reason = check.text('reason', input.reason, { max: 1000, required: true });
  failIfAny(check.errors);
  return inTransaction(ctx, async (tx) => {
    const { entry, fund } = await pendingEntryToDecide(ctx, tx, input.entryId);
    await tx.em.update(FundEntry, { id: entry.id }, { status: FundEntryStatus.REJECTED, rejectedByUserId: ctx.viewer.userId, rejectedAt: () => 'now()', rejectionReason: reason });
    tx.audit({ action: 'fundEntryReject', recordType: 'FundEntry', recordId: entry.id, details: { fundId: fund.id, reason } });
    await emitFund(tx, fund.id, 'fund.entryRejected', { entryId: entry.id, kind: entry.kind, category: entry.category, amountMinor: entry.amountMinor, status: FundEntryStatus.REJECTED });
    return { entry: await tx.em.findOneByOrFail(FundEntry, { id: entry.id }) };
  });
}

/** A correction: a new entry undoing a counted one, dated in an open period; it waits for a second person like a payout. */
export async function reverseEntry(ctx: AppContext, input: FundEntryReverseInput): Promise<{ entry: FundEntry }> {
  const check = new InputCheck();
  const entryId = check.id('entryId', input.entryId, 'FundEntry', { required: true });
  const occurredOn = checkDay(check, 'occurredOn', input.occurredOn);
  const reason = check.text('reason', input.reason, { max: 1000, required: true });
  failIfAny(check.errors);
  const original = await findFundEntry(ctx, entryId);
  if (!original) fail('entryId', UserErrorCode.NOT_FOUND, 'No FundEntry with this id.');
  const fund = await fundToRecordIn(ctx, original.fundId);
  return inTransaction(ctx, async (tx) => {
    await lockFund(tx, fund.id);
    const current = await tx.em.findOneByOrFail(FundEntry, { id: original.id });
    if (current.reversesEntryId) fail('entryId', UserErrorCode.INVALID, 'A reversing entry is not reversed; record a new entry instead.');
    if (current.status !== FundEntryStatus.COUNTED) fail('entryId', UserErrorCode.INVALID_TRANSITION, `Only a counted entry is reversed; this one is ${current.status}.`);
    const [taken] = await tx.em.query(`SELECT 1 FROM fund_entry WHERE reverses_entry_id = $1 AND status <> 'REJECTED'`, [current.id]);
    if (taken) fail('entryId', UserErrorCode.ALREADY_DONE, 'The entry is already reversed (or a reversal awaits approval).');
    // A rejected reversal keeps its row; the unique key allows one reversal row per entry, so a rejected one is retried by a new entry of the same figures.
    const [rejected] = await tx.em.query(`SELECT 1 FROM fund_entry WHERE reverses_entry_id = $1`, [current.id]);
    if (rejected) fail('entryId', UserErrorCode.ALREADY_DONE, 'A reversal of this entry was rejected; record a new entry with the corrected figures instead.');
    const entry = await insertEntry(tx, fund, {
      kind: current.kind,
      category: current.category,
      occurredOn: occurredOn!,
      amountMinor: current.amountMinor,
      receiptReference: current.receiptReference,
      description: `沖正 (reversal of ${current.occurredOn} ${current.receiptReference ?? ''}): ${reason}`.replace(/\s+:/, ':'),
      rosterEntryId: current.rosterEntryId,
      payMonth: current.payMonth,
      hours: current.hours,
      rateMinorPerHour: current.rateMinorPerHour,
      reversesEntryId: current.id,
    });
    return { entry };
  });
}
