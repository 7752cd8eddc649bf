import { randomUUID } from 'node:crypto';
import { today } from '../shared/clock';
import { FundEntry, FundEntryCategory, FundEntryStatus, FundStatement, SecurityFund, SecurityFundTeam, kindOf } from '../modules/fund/fund.entity';
import { hoursOf } from '../modules/roster/roster.loaders';
import { MINYI_GUARDS, MINYI_RATE_MINOR } from './demo.rosters';
import type { DemoContext } from './demo.types';

/** First day of the month `offset` months from the month of `day` (YYYY-MM-DD). */
export function monthStart(day: string, offset: number): string {
  const d = new Date(`${day.slice(0, 7)}-01T00:00:00Z`);
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + offset, 1)).toISOString().slice(0, 10);
}

/** Last day of the month of `first`. */
export function monthEnd(first: string): string {
  const d = new Date(`${first}T00:00:00Z`);
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).toISOString().slice(0, 10);
}

const day = (first: string, n: number) => `${first.slice(0, 8)}${String(n).padStart(2, '0')}`;

type EntrySeed = { category: FundEntryCategory; on: string; amount: number; receipt: string; text: string; status?: FundEntryStatus };

/**
 * Security funds (經費由社區收取、管理和監督):
 *
 * - 民意街社區安保經費: collected from households and shops each month, a
 *   quarterly government subsidy, the self-run team's pay (the contract's
 *   fee), insurance and equipment; every payout recorded by the treasurer and
 *   approved by the committee's ADMIN; each complete quarter of the last six
 *   months published to residents (每季度向居民公開經費收支).
 * - 三板橋社區安防經費: the community's own collection for its 安防隊 (the
 *   generated paid teams are tied to it later); the month before last is
 *   published; last month's pay was late and is being paid now (the action
 *   item 補發安防隊員報酬並公示): one back payment approved, one waiting for
 *   the second person.
 */
export async function seedFunds({ em, ids }: DemoContext): Promise<void> {
  const now = today();
  const entries: Partial<FundEntry>[] = [];
  const statements: Partial<FundStatement>[] = [];

  const add = (fundId: string, recorder: string, approver: string, e: EntrySeed) => {
    const status = e.status ?? FundEntryStatus.COUNTED;
    const kind = kindOf(e.category);
    const approved = status === FundEntryStatus.COUNTED && kind === 'PAYOUT';
    entries.push({
      id: randomUUID(),
      fundId,
      kind,
      category: e.category,
      occurredOn: e.on,
      amountMinor: e.amount,
      receiptReference: e.receipt,
      description: e.text,
      status,
      recordedByUserId: recorder,
      approvedByUserId: approved ? approver : null,
      approvedAt: approved ? new Date(`${e.on}T18:00:00+08:00`) : null,
    });
  };

  // ---- 民意街: six months, quarters published.
  const minyi = randomUUID();
  ids['fund:minyi'] = minyi;
  await em.insert(SecurityFund, {
    id: minyi,
    organizationId: ids['org:rc-minyi'],
    name: '民意街社區安保經費',
    description: '安保經費由社區收取、管理和監督：住戶每戶每月10元、門店每戶每月50元，區政府每季度補貼；用於安保隊員報酬、保險和裝備。每季度向居民公開收支。',
    currency: 'CNY',
    contractId: ids['contract:minyi-security'] ?? null,
    createdByUserId: ids['user:minyi-admin'],
  });
  if (ids['patrolTeam:minyi']) await em.insert(SecurityFundTeam, { teamId: ids['patrolTeam:minyi'], fundId: minyi });
  const treasurer = ids['user:minyi-treasurer'];
  const minyiAdmin = ids['user:minyi-admin'];
  for (let offset = -6; offset <= -1; offset++) {
    const first = monthStart(now, offset);
    const label = first.slice(0, 7);
    const tag = label.replace('-', '');
    add(minyi, treasurer, minyiAdmin, { category: FundEntryCategory.HOUSEHOLDS, on: day(first, 5), amount: 860_000, receipt: `MY-${tag}-H`, text: `${label} 住戶安保費 (860戶 × 10元)` });
    add(minyi, treasurer, minyiAdmin, { category: FundEntryCategory.SHOPS, on: day(first, 6), amount: 210_000, receipt: `MY-${tag}-S`, text: `${label} 門店安保費 (42戶 × 50元)` });
    if ((Number(first.slice(5, 7)) - 1) % 3 === 0) {
      add(minyi, treasurer, minyiAdmin, { category: FundEntryCategory.GOVERNMENT_SUBSIDY, on: day(first, 10), amount: 300_000, receipt: `JH-${tag}`, text: `${label} 江漢區政府季度安保補貼` });
      add(minyi, treasurer, minyiAdmin, { category: FundEntryCategory.INSURANCE, on: day(first, 12), amount: 60_000, receipt: `MY-${tag}-I`, text: `${label} 安保隊員意外傷害保險 (季度)` });
    }
    if (offset < -1 || !ids['roster:minyi-1']) {
      add(minyi, treasurer, minyiAdmin, { category: FundEntryCategory.GUARD_PAY, on: day(first, 25), amount: 800_000, receipt: `MY-${tag}-P`, text: `${label} 安保隊員報酬 (5人)` });
    } else {
      // Last month, the first with the roster kept: each guard's pay drawn from the hours of the rounds they walked.
      const hours = await hoursOf(em, MINYI_GUARDS.map((g) => ({ rosterEntryId: ids[`roster:${g.key}`], month: first })));
      hours.forEach((h, i) => {
        const amount = Math.round((Math.round(h.hours * 100) * MINYI_RATE_MINOR) / 100);
        add(minyi, treasurer, minyiAdmin, { category: FundEntryCategory.GUARD_PAY, on: monthEnd(first), amount, receipt: `MY-${tag}-P${i + 1}`, text: `${label} 報酬：${h.patrols}次巡邏 ${h.hours} 小時 × ${MINYI_RATE_MINOR / 100} 元/小時` });
        Object.assign(entries[entries.length - 1], { rosterEntryId: h.rosterEntryId, payMonth: first, hours: h.hours, rateMinorPerHour: MINYI_RATE_MINOR });
      });
    }
    if (offset === -4) add(minyi, treasurer, minyiAdmin, { category: FundEntryCategory.EQUIPMENT, on: day(first, 18), amount: 150_000, receipt: `MY-${tag}-E`, text: '強光手電、對講機和反光背心' });
  }

  // ---- 三板橋: two months; the older published, last month's pay paid late.
  const sanbanqiao = randomUUID();
  ids['fund:sanbanqiao'] = sanbanqiao;
  await em.insert(SecurityFund, {
    id: sanbanqiao,
    organizationId: ids['org:rc-sanbanqiao'],
    name: '三板橋社區安防經費',
    description: '社區統一籌資，每月發放本社區安防隊員報酬（誰出資誰受益）。',
    currency: 'CNY',
    contractId: null,
    createdByUserId: ids['user:community-admin'],
  });
  const clerk = ids['user:community-member'];
  const chair = ids['user:community-admin'];
  const older = monthStart(now, -2);
  const last = monthStart(now, -1);
  for (const first of [older, last]) {
    const tag = first.slice(0, 7).replace('-', '');
    add(sanbanqiao, clerk, chair, { category: FundEntryCategory.HOUSEHOLDS, on: day(first, 8), amount: 1_500_000, receipt: `SBQ-${tag}-H`, text: '住戶安防費' });
    add(sanbanqiao, clerk, chair, { category: FundEntryCategory.SHOPS, on: day(first, 9), amount: 300_000, receipt: `SBQ-${tag}-S`, text: '門店安防費' });
    add(sanbanqiao, clerk, chair, { category: FundEntryCategory.UNITS, on: day(first, 12), amount: 200_000, receipt: `SBQ-${tag}-U`, text: '駐區單位分擔' });
  }
  add(sanbanqiao, clerk, chair, { category: FundEntryCategory.GOVERNMENT_SUBSIDY, on: day(older, 15), amount: 500_000, receipt: `SS-${older.slice(0, 7)}`, text: '沙市區政府安防補貼' });
  add(sanbanqiao, clerk, chair, { category: FundEntryCategory.GUARD_PAY, on: day(older, 28), amount: 1_440_000, receipt: `SBQ-${older.slice(0, 7)}-P`, text: `${older.slice(0, 7)} 安防隊員報酬 (12人 × 1,200元)` });
  // 補發: last month's pay, paid today in two batches; the second waits for the committee's ADMIN.
  add(sanbanqiao, clerk, chair, { category: FundEntryCategory.GUARD_PAY, on: now, amount: 960_000, receipt: `SBQ-${last.slice(0, 7)}-P1`, text: `補發${last.slice(0, 7)}安防隊員報酬 第一批 (8人 × 1,200元)` });
  add(sanbanqiao, clerk, chair, { category: FundEntryCategory.GUARD_PAY, on: now, amount: 480_000, receipt: `SBQ-${last.slice(0, 7)}-P2`, text: `補發${last.slice(0, 7)}安防隊員報酬 第二批 (4人 × 1,200元)`, status: FundEntryStatus.PENDING });

  for (let i = 0; i < entries.length; i += 500) await em.insert(FundEntry, entries.slice(i, i + 500));

  // Statements: figures from the entries, as the service computes them.
  const publish = async (fundId: string, start: string, end: string, by: string, note: string) => {
    const [opening] = await em.query(`SELECT coalesce(sum(CASE WHEN kind = 'CONTRIBUTION' THEN 1 ELSE -1 END * amount_minor), 0)::bigint AS b FROM fund_entry WHERE fund_id = $1 AND status = 'COUNTED' AND occurred_on < $2`, [fundId, start]);
    const lines: { kind: string; category: string; amount: string; n: number }[] = await em.query(
      `SELECT kind, category, sum(amount_minor)::bigint AS amount, count(*)::int AS n FROM fund_entry WHERE fund_id = $1 AND status = 'COUNTED' AND occurred_on BETWEEN $2 AND $3 GROUP BY kind, category ORDER BY kind, category`,
      [fundId, start, end],
    );
    const total = (kind: string) => lines.filter((l) => l.kind === kind).reduce((t, l) => t + Number(l.amount), 0);
    const contributions = total('CONTRIBUTION');
    const payouts = total('PAYOUT');
    statements.push({
      id: randomUUID(),
      fundId,
      periodStart: start,
      periodEnd: end,
      openingBalanceMinor: Number(opening.b),
      contributionsMinor: contributions,
      payoutsMinor: payouts,
      closingBalanceMinor: Number(opening.b) + contributions - payouts,
      entryCount: lines.reduce((n, l) => n + l.n, 0),
      lines: lines.map((l) => ({ kind: l.kind, category: l.category, amountMinor: Number(l.amount), entryCount: l.n })) as FundStatement['lines'],
      note,
      publishedByUserId: by,
      publishedAt: new Date(`${end}T00:00:00+08:00`),
    });
  };
  for (let offset = -6; offset <= -1; offset++) {
    const first = monthStart(now, offset);
    const month = Number(first.slice(5, 7));
    if ((month - 1) % 3 !== 0 || offset + 2 > -1) continue;
    await publish(minyi, first, monthEnd(monthStart(first, 2)), minyiAdmin, `${first.slice(0, 4)}年第${(month + 2) / 3}季度安保經費收支，已在社區公告欄公示，居民代表簽字確認。`);
  }
  await publish(sanbanqiao, older, monthEnd(older), chair, `${older.slice(0, 7)} 安防經費收支，已在社區公告欄公示。`);
  if (statements.length) await em.insert(FundStatement, statements);
}
