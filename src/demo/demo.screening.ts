import { today } from '../shared/clock';
import { ScreeningFrequency, ScreeningRound, ScreeningRoundCase, ScreeningSpecialPeriod } from '../modules/screening/screening.entity';
import { SCREENING_WINDOW_WEEKS, addDays, mondayOf } from '../modules/screening/screening.service';
import type { DemoContext } from './demo.types';

/**
 * Weekly dispute screening (每周一排查) in 中山路街道 over the dashboard's
 * window: 三板橋 files every week (the disputes reported that week, or a nil
 * return) and every day of a special period the station declared; 洪家台
 * misses one week and one special day, so the liaison dashboard has missing
 * returns to show.
 */
export async function seedScreening({ em, ids }: DemoContext): Promise<void> {
  const on = today();
  const windowStart = addDays(mondayOf(on), -7 * SCREENING_WINDOW_WEEKS);
  const specialStart = addDays(on, -10);
  const specialEnd = addDays(on, -8);
  await em.insert(ScreeningSpecialPeriod, {
    areaId: ids['area:st-zhongshan'],
    name: '特別防護期（重點時段加密排查）',
    startsOn: specialStart,
    endsOn: specialEnd,
    declaredByOrganizationId: ids['org:police-zhongshan'],
    declaredByUserId: ids['user:station-admin'],
    createdAt: new Date(`${addDays(specialStart, -3)}T01:00:00Z`),
  });

  const communities = [
    { key: 'c-sanbanqiao', org: 'rc-sanbanqiao', user: 'community-admin', screeners: '網格員、樓棟長', skipWeek: -1, skipDay: '' },
    { key: 'c-hongjiatai', org: 'rc-hongjiatai', user: null, screeners: '網格員', skipWeek: 1, skipDay: specialEnd },
  ];
  for (const c of communities) {
    const areaId = ids[`area:${c.key}`];
    const slots: { frequency: ScreeningFrequency; startsOn: string; endsOn: string }[] = [];
    for (let w = 0; w < SCREENING_WINDOW_WEEKS; w += 1) {
      if (w === c.skipWeek) continue;
      const monday = addDays(windowStart, 7 * w);
      slots.push({ frequency: ScreeningFrequency.WEEKLY, startsOn: monday, endsOn: addDays(monday, 6) });
    }
    for (let day = specialStart; day <= specialEnd; day = addDays(day, 1)) {
      if (day !== c.skipDay) slots.push({ frequency: ScreeningFrequency.DAILY, startsOn: day, endsOn: day });
    }
    for (const slot of slots) {
      // The disputes reported in the community during the period are what the round found.
      const found: { id: string }[] = await em.query(
        `SELECT c.id FROM case_record c JOIN area a ON a.id = c.area_id, area p
          WHERE p.id = $1 AND a.path LIKE p.path || '%' AND c.category = 'DISPUTE' AND c.merged_into_id IS NULL
            AND (c.reported_at AT TIME ZONE 'Asia/Shanghai')::date BETWEEN $2 AND $3`,
        [areaId, slot.startsOn, slot.endsOn],
      );
      const round = em.create(ScreeningRound, {
        areaId,
        frequency: slot.frequency,
        periodStartsOn: slot.startsOn,
        periodEndsOn: slot.endsOn,
        screenedOn: slot.frequency === ScreeningFrequency.WEEKLY ? slot.startsOn : slot.endsOn,
        screenedByOrganizationId: ids[`org:${c.org}`],
        screenedByUserId: c.user ? ids[`user:${c.user}`] : null,
        screeners: c.screeners,
        nilReturn: found.length === 0,
        note: found.length === 0 ? '本期排查未發現矛盾糾紛（零報告）。' : `本期排查發現矛盾糾紛${found.length}件，已落實責任單位、責任領導和責任人員。`,
        recordedAt: new Date(`${slot.endsOn}T10:00:00Z`),
      });
      await em.insert(ScreeningRound, round);
      if (found.length) await em.insert(ScreeningRoundCase, found.map((f) => ({ roundId: round.id, caseId: f.id })));
    }
  }
}
