import { In } from 'typeorm';
import { today } from '../../shared/clock';
import { defineByIdLoader, defineLoader, groupByKey } from '../../shared/loaders';
import { defineChildConnection } from '../../shared/relay/child-connection';
import { FundEntry, FundStatement, SecurityFund, SecurityFundTeam } from './fund.entity';

export const securityFundsById = defineByIdLoader(SecurityFund);

export const fundEntriesById = defineByIdLoader(FundEntry);

export const fundStatementsById = defineByIdLoader(FundStatement);

/** Who may see each fund today (see fund.policy.ts). */
export const fundAudienceByFundId = defineLoader<string, string[]>(async (ids, ctx) => {
  const rows: { id: string; ids: string[] | null }[] = await ctx.app.db.query(
    `SELECT k.id::text AS id, security_fund_audience(k.id, $2::date)::text[] AS ids FROM unnest($1::uuid[]) AS k(id)`,
    [[...ids], today()],
  );
  const map = new Map(rows.map((r) => [r.id, r.ids ?? []]));
  return ids.map((id) => map.get(id) ?? []);
});

/** Team ids each fund pays. */
export const teamIdsByFundId = defineLoader<string, string[]>(async (ids, ctx) => {
  const rows = await ctx.app.db.getRepository(SecurityFundTeam).find({ where: { fundId: In([...ids]) }, order: { teamId: 'ASC' } });
  return groupByKey(ids, rows, (r) => r.fundId).map((g) => g.map((r) => r.teamId));
});

/** The fund each team is paid from (null when none). */
export const fundIdByTeamId = defineLoader<string, string | null>(async (ids, ctx) => {
  const rows = await ctx.app.db.getRepository(SecurityFundTeam).find({ where: { teamId: In([...ids]) } });
  const map = new Map(rows.map((r) => [r.teamId, r.fundId]));
  return ids.map((id) => map.get(id) ?? null);
});

/** The counted balance of each fund, in minor units. */
export const balanceMinorByFundId = defineLoader<string, number>(async (ids, ctx) => {
  const rows: { fund_id: string; balance: string }[] = await ctx.app.db.query(
    `SELECT fund_id, sum(CASE WHEN kind = 'CONTRIBUTION' THEN 1 ELSE -1 END * CASE WHEN reverses_entry_id IS NULL THEN 1 ELSE -1 END * amount_minor) AS balance
       FROM fund_entry WHERE fund_id = ANY($1) AND status = 'COUNTED' GROUP BY fund_id`,
    [[...ids]],
  );
  const map = new Map(rows.map((r) => [r.fund_id, Number(r.balance)]));
  return ids.map((id) => map.get(id) ?? 0);
});

/** The id of the entry reversing each entry (null when none). */
export const reversalIdByEntryId = defineLoader<string, string | null>(async (ids, ctx) => {
  const rows: { id: string; reverses_entry_id: string }[] = await ctx.app.db.query(`SELECT id, reverses_entry_id FROM fund_entry WHERE reverses_entry_id = ANY($1)`, [[...ids]]);
  const map = new Map(rows.map((r) => [r.reverses_entry_id, r.id]));
  return ids.map((id) => map.get(id) ?? null);
});

/** A fund's entries in date order (then as recorded). */
export const fundEntriesByFundId = defineChildConnection<FundEntry>({
  entity: FundEntry,
  parentColumn: 'x.fund_id',
  sort: [
    { sql: 'x.occurred_on', value: (e) => e.occurredOn },
    { sql: 'x.recorded_at', value: (e) => e.recordedAt.toISOString() },
    { sql: 'x.id', value: (e) => e.id },
  ],
});

/** A fund's published statements, oldest period first. */
export const fundStatementsByFundId = defineLoader<string, FundStatement[]>(async (ids, ctx) => {
  const rows = await ctx.app.db.getRepository(FundStatement).find({ where: { fundId: In([...ids]) }, order: { periodStart: 'ASC', id: 'ASC' } });
  return groupByKey(ids, rows, (s) => s.fundId);
});
