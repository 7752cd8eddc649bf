import type { EntityManager } from 'typeorm';
import type { AppContext } from '../../shared/context';
import { UserErrorCode, forbidden } from '../../shared/errors';
import { isLocalDate, today } from '../../shared/clock';
import { fail, failIfAny, inTransaction } from '../../shared/transaction';
import { InputCheck } from '../../shared/validation';
import { FundEntryCategory, FundEntryKind, FundStatement, FundStatementFigures, FundStatementLine, SecurityFund } from './fund.entity';
import { emitFund } from './fund.events';
import type { FundStatementPublishInput } from './fund.inputs';
import { canPublishFundStatement } from './fund.policy';
import { findFund, lockFund } from './fund.service';

const EFFECT = `CASE WHEN reverses_entry_id IS NULL THEN 1 ELSE -1 END * amount_minor`;

/**
 * A fund's figures for a period from its counted entries: the opening balance
 * before it, net money in and out by category, the closing balance; and how
 * many entries of the period still wait for approval.
 */
export async function computeFigures(em: EntityManager, fund: SecurityFund, periodStart: string, periodEnd: string): Promise<FundStatementFigures> {
  const [opening]: { balance: string | null }[] = await em.query(
    `SELECT sum(CASE WHEN kind = 'CONTRIBUTION' THEN 1 ELSE -1 END * ${EFFECT}) AS balance FROM fund_entry WHERE fund_id = $1 AND status = 'COUNTED' AND occurred_on < $2`,
    [fund.id, periodStart],
  );
  const rows: { kind: FundEntryKind; category: FundEntryCategory; amount: string; n: number }[] = await em.query(
    `SELECT kind, category, sum(${EFFECT}) AS amount, count(*)::int AS n FROM fund_entry
      WHERE fund_id = $1 AND status = 'COUNTED' AND occurred_on BETWEEN $2 AND $3 GROUP BY kind, category ORDER BY kind, category`,
    [fund.id, periodStart, periodEnd],
  );
  const [pending]: { n: number }[] = await em.query(`SELECT count(*)::int AS n FROM fund_entry WHERE fund_id = $1 AND status = 'PENDING' AND occurred_on BETWEEN $2 AND $3`, [fund.id, periodStart, periodEnd]);
  const [covered]: { days: number }[] = await em.query(
    `SELECT count(DISTINCT d)::int AS days FROM fund_statement s, generate_series(greatest(s.period_start, $2::date), least(s.period_end, $3::date), interval '1 day') d
      WHERE s.fund_id = $1 AND s.period_start <= $3 AND s.period_end >= $2`,
    [fund.id, periodStart, periodEnd],
  );
  const lines = rows.map((r) => Object.assign(new FundStatementLine(), { kind: r.kind, category: r.category, amountMinor: Number(r.amount), entryCount: r.n }));
  const sum = (kind: FundEntryKind) => lines.filter((l) => l.kind === kind).reduce((total, l) => total + l.amountMinor, 0);
  const openingBalanceMinor = Number(opening.balance ?? 0);
  const contributionsMinor = sum(FundEntryKind.CONTRIBUTION);
  const payoutsMinor = sum(FundEntryKind.PAYOUT);
  const days = Math.round((Date.parse(`${periodEnd}T00:00:00Z`) - Date.parse(`${periodStart}T00:00:00Z`)) / 86_400_000) + 1;
  return Object.assign(new FundStatementFigures(), {
    periodStart,
    periodEnd,
    currency: fund.currency,
    openingBalanceMinor,
    contributionsMinor,
    payoutsMinor,
    closingBalanceMinor: openingBalanceMinor + contributionsMinor - payoutsMinor,
    entryCount: lines.reduce((n, l) => n + l.entryCount, 0),
    lines,
    pendingCount: pending.n,
    published: covered.days === days,
  });
}

export function checkPeriod(check: InputCheck, start: string, end: string): boolean {
  if (!isLocalDate(String(start))) check.add('periodStart', UserErrorCode.INVALID, 'periodStart must be a date (YYYY-MM-DD).');
  if (!isLocalDate(String(end))) check.add('periodEnd', UserErrorCode.INVALID, 'periodEnd must be a date (YYYY-MM-DD).');
  if (!check.ok) return false;
  if (end < start) check.add('periodEnd', UserErrorCode.DATE_ORDER, 'periodEnd lies before periodStart.');
  else if (Date.parse(`${end}T00:00:00Z`) - Date.parse(`${start}T00:00:00Z`) > 366 * 86_400_000) check.add('periodEnd', UserErrorCode.OUT_OF_RANGE, 'A period is at most 366 days.');
  return check.ok;
}

/**
 * Publishes (公示) the statement of a period: the figures as they stand, kept
 * as they are. The period is then frozen (the service and a database trigger
 * refuse entries in it). Refused while entries of the period await approval,
 * for a period that has not ended, and for one overlapping a published period.
 */
export async function publishStatement(ctx: AppContext, input: FundStatementPublishInput): Promise<{ statement: FundStatement }> {
  const check = new InputCheck();
  const fundId = check.id('fundId', input.fundId, 'SecurityFund', { required: true });
  checkPeriod(check, input.periodStart, input.periodEnd);
  const note = check.text('note', input.note, { max: 1000 });
  failIfAny(check.errors);
  const periodStart = String(input.periodStart);
  const periodEnd = String(input.periodEnd);
  const fund = await findFund(ctx, fundId);
  if (!fund) fail('fundId', UserErrorCode.NOT_FOUND, 'No SecurityFund with this id.');
  if (!canPublishFundStatement(ctx.viewer, fund.organizationId)) throw forbidden("Only a person who is ADMIN of the fund's organisation publishes its statements.");
  if (periodEnd >= today()) fail('periodEnd', UserErrorCode.OUT_OF_RANGE, 'Only a period that has ended (before today) is published.');
  return inTransaction(ctx, async (tx) => {
    await lockFund(tx, fund.id);
    const [overlap] = await tx.em.query(`SELECT 1 FROM fund_statement WHERE fund_id = $1 AND period_start <= $3 AND period_end >= $2`, [fund.id, periodStart, periodEnd]);
    if (overlap) fail('periodStart', UserErrorCode.PERIOD_PUBLISHED, 'The period overlaps a published statement.');
    const figures = await computeFigures(tx.em, fund, periodStart, periodEnd);
    if (figures.pendingCount > 0) fail('periodEnd', UserErrorCode.APPROVALS_PENDING, `${figures.pendingCount} entries of the period await approval; approve or reject them first.`);
    const statement = tx.em.create(FundStatement, {
      fundId: fund.id,
      periodStart,
      periodEnd,
      openingBalanceMinor: figures.openingBalanceMinor,
      contributionsMinor: figures.contributionsMinor,
      payoutsMinor: figures.payoutsMinor,
      closingBalanceMinor: figures.closingBalanceMinor,
      entryCount: figures.entryCount,
      lines: figures.lines.map((l) => ({ kind: l.kind, category: l.category, amountMinor: l.amountMinor, entryCount: l.entryCount })),
      note,
      publishedByUserId: ctx.viewer.userId!,
    });
    await tx.em.insert(FundStatement, statement);
    tx.audit({ action: 'fundStatementPublish', recordType: 'FundStatement', recordId: statement.id, details: { fundId: fund.id, periodStart, periodEnd, closingBalanceMinor: figures.closingBalanceMinor, entryCount: figures.entryCount } });
    await emitFund(tx, fund.id, 'fund.statementPublished', { statementId: statement.id, periodStart, periodEnd, contributionsMinor: figures.contributionsMinor, payoutsMinor: figures.payoutsMinor, closingBalanceMinor: figures.closingBalanceMinor });
    return { statement: await tx.em.findOneByOrFail(FundStatement, { id: statement.id }) };
  });
}

/** A published statement as residents may see it: figures by category, with nothing about any person. */
export interface PublicFundStatement {
  statementId: string;
  fundId: string;
  fundName: string;
  organizationId: string;
  organizationName: string;
  areaId: string;
  currency: string;
  periodStart: string;
  periodEnd: string;
  openingBalanceMinor: number;
  contributionsMinor: number;
  payoutsMinor: number;
  closingBalanceMinor: number;
  entryCount: number;
  lines: { kind: FundEntryKind; category: FundEntryCategory; amountMinor: number; entryCount: number }[];
  note: string | null;
  publishedAt: Date;
}

/**
 * For the public face (issue 14, section 5): the published statements of the
 * funds of organisations whose home area lies in the area's subtree, newest
 * period first. It asks no viewer: only published statements exist here, and
 * they carry no names, phones, receipts or who recorded or approved what.
 */
export async function publishedStatementsForArea(em: EntityManager, areaId: string, limit = 100): Promise<PublicFundStatement[]> {
  const rows: any[] = await em.query(
    `SELECT s.id, s.fund_id, f.name AS fund_name, f.currency, o.id AS organization_id, o.name AS organization_name, o.home_area_id,
            s.period_start::text, s.period_end::text, s.opening_balance_minor, s.contributions_minor, s.payouts_minor, s.closing_balance_minor,
            s.entry_count, s.lines, s.note, s.published_at
       FROM fund_statement s JOIN security_fund f ON f.id = s.fund_id JOIN organization o ON o.id = f.organization_id
       JOIN area a ON a.id = o.home_area_id, area root
      WHERE root.id = $1 AND a.path LIKE root.path || '%'
      ORDER BY s.period_end DESC, f.name, s.id LIMIT $2`,
    [areaId, Math.min(Math.max(limit, 0), 500)],
  );
  return rows.map((r) => ({
    statementId: r.id,
    fundId: r.fund_id,
    fundName: r.fund_name,
    organizationId: r.organization_id,
    organizationName: r.organization_name,
    areaId: r.home_area_id,
    currency: r.currency,
    periodStart: r.period_start,
    periodEnd: r.period_end,
    openingBalanceMinor: Number(r.opening_balance_minor),
    contributionsMinor: Number(r.contributions_minor),
    payoutsMinor: Number(r.payouts_minor),
    closingBalanceMinor: Number(r.closing_balance_minor),
    entryCount: r.entry_count,
    lines: (r.lines as PublicFundStatement['lines']).map((l) => ({ kind: l.kind, category: l.category, amountMinor: Number(l.amountMinor), entryCount: l.entryCount })),
    note: r.note,
    publishedAt: r.published_at,
  }));
}
