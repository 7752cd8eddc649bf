import type { AppContext } from '../../shared/context';
import { UserErrorCode } from '../../shared/errors';
import { isLocalDate, today } from '../../shared/clock';
import { fail, failIfAny, inTransaction } from '../../shared/transaction';
import { InputCheck } from '../../shared/validation';
import { RosterCategory } from '../roster/roster.entity';
import { hoursOf } from '../roster/roster.loaders';
import { findRosterEntry } from '../roster/roster.service';
import { FundEntryCategory, type FundEntry } from './fund.entity';
import type { FundPayoutFromHoursInput } from './fund.inputs';
import { MAX_AMOUNT_MINOR, checkDay, firstOfMonth, fundToRecordIn, insertEntry, lockFund, payeeProblem } from './fund.service';

function lastOfMonth(first: string): string {
  const d = new Date(`${first}T00:00:00Z`);
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).toISOString().slice(0, 10);
}

/**
 * A paid guard's pay for an ended month, drawn from the hours of the completed
 * patrols they took part in (hours x rate, rounded to the minor unit) into a
 * GUARD_PAY payout that, like every payout, waits for a second person's
 * approval. One drawn payout per person and month (PAY_DRAWN) unless the
 * earlier one was rejected or reversed.
 */
export async function payoutFromHours(ctx: AppContext, input: FundPayoutFromHoursInput): Promise<{ entry: FundEntry }> {
  const check = new InputCheck();
  const fundId = check.id('fundId', input.fundId, 'SecurityFund', { required: true });
  const rosterEntryId = check.id('rosterEntryId', input.rosterEntryId, 'RosterEntry', { required: true });
  if (!isLocalDate(String(input.month))) check.add('month', UserErrorCode.INVALID, 'month must be a date (YYYY-MM-DD).');
  const occurredOn = input.occurredOn == null ? today() : checkDay(check, 'occurredOn', input.occurredOn);
  const receiptReference = check.text('receiptReference', input.receiptReference, { max: 100 });
  if (input.rateMinorPerHour != null && (!Number.isSafeInteger(input.rateMinorPerHour) || input.rateMinorPerHour < 1 || input.rateMinorPerHour > 10_000_000)) check.add('rateMinorPerHour', UserErrorCode.OUT_OF_RANGE, 'rateMinorPerHour is a whole number of minor units between 1 and 10,000,000.');
  failIfAny(check.errors);
  const month = firstOfMonth(String(input.month));
  const fund = await fundToRecordIn(ctx, fundId);
  const person = await findRosterEntry(ctx, rosterEntryId);
  if (!person) fail('rosterEntryId', UserErrorCode.NOT_FOUND, 'No RosterEntry with this id.');
  if (lastOfMonth(month) >= today()) fail('month', UserErrorCode.OUT_OF_RANGE, 'Pay is drawn for a month that has ended.');
  if (!person.categories.includes(RosterCategory.PAID_GUARD)) fail('rosterEntryId', UserErrorCode.NOT_PERMITTED_HERE, 'Only a PAID_GUARD is paid from hours; volunteers are not paid.');
  const rate = input.rateMinorPerHour ?? person.hourlyRateMinor;
  if (!rate) fail('rateMinorPerHour', UserErrorCode.REQUIRED, 'Give rateMinorPerHour: the roster entry has no hourly rate.');
  return inTransaction(ctx, async (tx) => {
    await lockFund(tx, fund.id);
    const problem = await payeeProblem(tx, fund, person.id);
    if (problem) fail('rosterEntryId', UserErrorCode.NOT_PERMITTED_HERE, problem);
    const [drawn] = await tx.em.query(
      `SELECT 1 FROM fund_entry e WHERE e.roster_entry_id = $1 AND e.pay_month = $2 AND e.hours IS NOT NULL AND e.reverses_entry_id IS NULL AND e.status <> 'REJECTED'
          AND NOT EXISTS (SELECT 1 FROM fund_entry r WHERE r.reverses_entry_id = e.id AND r.status = 'COUNTED')`,
      [person.id, month],
    );
    if (drawn) fail('month', UserErrorCode.PAY_DRAWN, `Pay for ${month.slice(0, 7)} was already drawn for this person.`);
    const [hours] = await hoursOf(tx.em, [{ rosterEntryId: person.id, month }]);
    if (hours.hours <= 0) fail('month', UserErrorCode.OUT_OF_RANGE, `No completed patrol with this person in ${month.slice(0, 7)}.`);
    const amountMinor = Math.round((Math.round(hours.hours * 100) * rate) / 100);
    if (amountMinor < 1 || amountMinor > MAX_AMOUNT_MINOR) fail('rateMinorPerHour', UserErrorCode.OUT_OF_RANGE, 'The pay comes to an amount out of range.');
    const entry = await insertEntry(tx, fund, {
      category: FundEntryCategory.GUARD_PAY,
      occurredOn: occurredOn!,
      amountMinor,
      receiptReference,
      description: `${month.slice(0, 7)} 報酬：${hours.patrols}次巡邏 ${hours.hours} 小時 × ${rate / 100} 元/小時`,
      rosterEntryId: person.id,
      payMonth: month,
      hours: hours.hours,
      rateMinorPerHour: rate,
    });
    return { entry };
  });
}
