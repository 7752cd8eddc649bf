import { randomUUID } from 'node:crypto';
import { MemberRole } from '../shared/auth/roles';
import { today } from '../shared/clock';
import { Membership } from '../modules/membership/membership.entity';
import { RecognitionKind, RosterCategory, RosterEntry, RosterRecognition } from '../modules/roster/roster.entity';
import type { DemoContext } from './demo.types';

/** 民意街's self-run team: five paid guards drawn from laid-off and low-income residents (安保隊由社區自己組建). */
export const MINYI_GUARDS: { key: string; name: string; phone: string; categories: RosterCategory[] }[] = [
  { key: 'minyi-1', name: '李國強', phone: '139 7100 1201', categories: [RosterCategory.PAID_GUARD, RosterCategory.LAID_OFF_WORKER] },
  { key: 'minyi-2', name: '王桂芳', phone: '139 7100 1202', categories: [RosterCategory.PAID_GUARD, RosterCategory.LOW_INCOME] },
  { key: 'minyi-3', name: '張德勝', phone: '139 7100 1203', categories: [RosterCategory.PAID_GUARD, RosterCategory.LAID_OFF_WORKER] },
  { key: 'minyi-4', name: '劉春梅', phone: '139 7100 1204', categories: [RosterCategory.PAID_GUARD, RosterCategory.LOW_INCOME] },
  { key: 'minyi-5', name: '陳建華', phone: '139 7100 1205', categories: [RosterCategory.PAID_GUARD, RosterCategory.RETIRED, RosterCategory.SECURITY_ACTIVIST] },
];

/** Pay per hour of Minyi's guards, in fen. */
export const MINYI_RATE_MINOR = 4_800;

/**
 * Rosters: Minyi's five guards, who took part in every round of their team
 * (two per round, in turn), so hours per person and month follow from the
 * patrols; the committee's ADMIN coordinates the team's patrols; one
 * commendation. The roster at the seed's scale is added by `seedRosterScale`.
 */
export async function seedRosters({ em, ids }: DemoContext): Promise<void> {
  const team = ids['patrolTeam:minyi'];
  // The committee runs its own team (安保隊由社區自己組建): its ADMIN coordinates the team's patrols.
  await em.insert(Membership, { userId: ids['user:minyi-admin'], organizationId: ids['org:patrol-minyi'], role: MemberRole.COORDINATOR });
  const [first] = await em.query(`SELECT min((planned_start AT TIME ZONE 'Asia/Shanghai')::date)::text AS d FROM patrol WHERE team_id = $1`, [team]);
  const joinedOn = first?.d ? `${String(first.d).slice(0, 4)}-01-01` : today();
  const entries = MINYI_GUARDS.map((g) => {
    ids[`roster:${g.key}`] = randomUUID();
    return { id: ids[`roster:${g.key}`], teamId: team, name: g.name, phone: g.phone, categories: g.categories, joinedOn: joinedOn > today() ? today() : joinedOn, hourlyRateMinor: MINYI_RATE_MINOR };
  });
  await em.insert(RosterEntry, entries);
  // Two guards per round, in turn: round n has guards n mod 5 and (n + 1) mod 5.
  await em.query(
    `INSERT INTO patrol_participant (patrol_id, roster_entry_id)
     SELECT p.id, ($2::uuid[])[((p.n + k) % 5) + 1]
       FROM (SELECT id, row_number() OVER (ORDER BY planned_start) - 1 AS n FROM patrol WHERE team_id = $1) p, generate_series(0, 1) k`,
    [team, entries.map((e) => e.id)],
  );
  await em.insert(RosterRecognition, {
    id: randomUUID(),
    rosterEntryId: ids['roster:minyi-5'],
    kind: RecognitionKind.COMMENDATION,
    points: 20,
    reason: '巡邏中發現並勸阻一起電動車盜竊，協助派出所抓獲嫌疑人。',
    awardedOn: today(),
    awardedByUserId: ids['user:minyi-admin'],
    awardedByOrganizationId: ids['org:rc-minyi'],
  });
}
