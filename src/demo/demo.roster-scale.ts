import { randomUUID } from 'node:crypto';
import { OrganizationKind } from '../modules/organization/organization.entity';
import type { DemoContext } from './demo.types';

/** The seed's figures for Shashi District (沙市區): 324支義務巡防隊1614人; 260支安防隊520人. */
export const SHASHI_SCALE = { volunteerTeams: 324, volunteers: 1614, paidTeams: 260, paidGuards: 520 } as const;

/**
 * Shashi's communities in the demo, with their resident committee (the five
 * not in the foundation are added here) and how many volunteer and paid
 * teams each has. Sanbanqiao keeps its three hand-made volunteer teams and
 * has six paid teams (the twelve guards its fund pays).
 */
const COMMUNITIES: { area: string; name: string; rc: string; rcName?: string; volunteerTeams: number; paidTeams: number }[] = [
  { area: 'c-sanbanqiao', name: '三板橋社區', rc: 'rc-sanbanqiao', volunteerTeams: 41, paidTeams: 6 },
  { area: 'c-hongjiatai', name: '洪家台社區', rc: 'rc-hongjiatai', volunteerTeams: 41, paidTeams: 36 },
  { area: 'c-bianhe', name: '便河社區', rc: 'rc-bianhe', volunteerTeams: 41, paidTeams: 36 },
  { area: 'c-wenhuagong', name: '文化宮社區', rc: 'rc-wenhuagong', rcName: '文化宮社區居委會', volunteerTeams: 41, paidTeams: 36 },
  { area: 'c-chongwen', name: '崇文社區', rc: 'rc-chongwen', rcName: '崇文社區居委會', volunteerTeams: 40, paidTeams: 37 },
  { area: 'c-shengli', name: '勝利社區', rc: 'rc-shengli', rcName: '勝利社區居委會', volunteerTeams: 40, paidTeams: 37 },
  { area: 'c-chaoyang', name: '朝陽社區', rc: 'rc-chaoyang', rcName: '朝陽社區居委會', volunteerTeams: 40, paidTeams: 36 },
  { area: 'c-lixin', name: '立新社區', rc: 'rc-lixin', rcName: '立新社區居委會', volunteerTeams: 40, paidTeams: 36 },
];

const SURNAMES = ['王', '李', '張', '劉', '陳', '楊', '黃', '趙', '吳', '周', '徐', '孫', '馬', '朱', '胡', '郭', '何', '高', '林', '羅', '鄭', '梁', '謝', '宋', '唐', '許', '韓', '馮', '鄧', '曹'];
const GIVEN = ['建國', '桂芳', '德勝', '春梅', '建華', '秀英', '志強', '麗華', '國強', '玉蘭', '明', '偉', '軍', '敏', '靜', '強', '磊', '洋', '艷', '勇', '杰', '娟', '濤', '超', '秀蘭', '淑珍', '衛東', '紅梅', '振華', '海燕', '文斌'];

/**
 * The rosters at the seed's scale, generated in a handful of set-based
 * statements so loading the demo stays fast: 324 volunteer teams of 沙市區義務
 * 巡防總隊 with 1,614 people across Shashi's communities, and 260 paid teams
 * (安防隊) of 沙市區社區安防大隊 with 520 guards drawn from laid-off and
 * low-income residents, each paid team paid from its own community's fund
 * (社區統一籌資). Names are generated; no patrols are added for these teams.
 */
export async function seedRosterScale({ em, ids }: DemoContext): Promise<void> {
  // Resident committees of the communities that had none, funding the 安防大隊 for their own teams.
  for (const c of COMMUNITIES.filter((x) => x.rcName)) {
    ids[`org:${c.rc}`] = randomUUID();
    await em.query(`INSERT INTO organization (id, name, kind, home_area_id) VALUES ($1, $2, $3, $4)`, [ids[`org:${c.rc}`], c.rcName, OrganizationKind.RESIDENT_COMMITTEE, ids[`area:${c.area}`]]);
    await em.query(`INSERT INTO organization_jurisdiction (organization_id, area_id) VALUES ($1, $2)`, [ids[`org:${c.rc}`], ids[`area:${c.area}`]]);
    await em.query(`INSERT INTO relationship (from_organization_id, to_organization_id, type, starts_on, note) VALUES ($1, $2, 'FUNDS', '2026-01-01', '本社區統一籌資，每月發放本社區安防隊員報酬')`, [ids[`org:${c.rc}`], ids['org:patrol-anfang']]);
  }

  // Teams: volunteer teams numbered after any hand-made ones of the community, paid teams from 1.
  const names: string[] = [];
  const kinds: string[] = [];
  const orgs: string[] = [];
  const areas: string[] = [];
  for (const c of COMMUNITIES) {
    const [{ n }] = await em.query(`SELECT count(*)::int AS n FROM patrol_team WHERE area_id = $1 AND kind = 'VOLUNTEER'`, [ids[`area:${c.area}`]]);
    for (let k = n + 1; k <= c.volunteerTeams; k++) {
      names.push(`${c.name}義務巡防第${String(k).padStart(2, '0')}隊`);
      kinds.push('VOLUNTEER');
      orgs.push(ids['org:patrol-volunteers']);
      areas.push(ids[`area:${c.area}`]);
    }
    for (let k = 1; k <= c.paidTeams; k++) {
      names.push(`${c.name}安防隊第${String(k).padStart(2, '0')}隊`);
      kinds.push('COMMUNITY_PAID');
      orgs.push(ids['org:patrol-anfang']);
      areas.push(ids[`area:${c.area}`]);
    }
  }
  await em.query(`INSERT INTO patrol_team (name, kind, organization_id, area_id) SELECT * FROM unnest($1::text[], $2::text[], $3::uuid[], $4::uuid[])`, [names, kinds, orgs, areas]);

  const shashiTeams = `SELECT t.id, t.kind, t.area_id, row_number() OVER (PARTITION BY t.kind ORDER BY t.name, t.id) AS n
                         FROM patrol_team t JOIN area a ON a.id = t.area_id
                        WHERE a.path LIKE (SELECT path FROM area WHERE id = $1) || '%' AND t.kind IN ('VOLUNTEER','COMMUNITY_PAID')`;
  // Volunteers: five per team, four in the last six teams (324 x 5 - 6 = 1,614); some retired, some 治安積極分子.
  const perTeam = Math.ceil(SHASHI_SCALE.volunteers / SHASHI_SCALE.volunteerTeams);
  const short = perTeam * SHASHI_SCALE.volunteerTeams - SHASHI_SCALE.volunteers;
  await em.query(
    `INSERT INTO roster_entry (team_id, name, phone, categories, joined_on)
     SELECT t.id,
            ($3::text[])[1 + (p.i * 7 + t.n * 3) % cardinality($3::text[])] || ($4::text[])[1 + (p.i * 11 + t.n * 5) % cardinality($4::text[])],
            '139 ' || lpad(((t.n * 10 + p.i) % 10000)::text, 4, '0') || ' ' || lpad(((t.n * 37 + p.i * 101) % 10000)::text, 4, '0'),
            ARRAY['VOLUNTEER'] || CASE WHEN (t.n + p.i) % 3 = 0 THEN ARRAY['RETIRED'] ELSE ARRAY[]::text[] END
                               || CASE WHEN (t.n * p.i) % 5 = 1 THEN ARRAY['SECURITY_ACTIVIST'] ELSE ARRAY[]::text[] END,
            DATE '2025-03-01' + ((t.n * 13 + p.i * 17) % 400)::int
       FROM (${shashiTeams}) t, generate_series(1, $5::int) AS p(i)
      WHERE t.kind = 'VOLUNTEER' AND (p.i < $5::int OR t.n <= $2::int - $6::int)`,
    [ids['area:shashi'], SHASHI_SCALE.volunteerTeams, SURNAMES, GIVEN, perTeam, short],
  );
  // Paid guards: two per team, from laid-off and low-income residents (下崗職工、低保人員), paid by the hour.
  await em.query(
    `INSERT INTO roster_entry (team_id, name, phone, categories, joined_on, hourly_rate_minor)
     SELECT t.id,
            ($2::text[])[1 + (p.i * 13 + t.n * 7) % cardinality($2::text[])] || ($3::text[])[1 + (p.i * 3 + t.n * 11) % cardinality($3::text[])],
            '138 ' || lpad(((t.n * 10 + p.i) % 10000)::text, 4, '0') || ' ' || lpad(((t.n * 53 + p.i * 211) % 10000)::text, 4, '0'),
            ARRAY['PAID_GUARD', CASE WHEN (t.n + p.i) % 2 = 0 THEN 'LAID_OFF_WORKER' ELSE 'LOW_INCOME' END],
            DATE '2025-06-01' + ((t.n * 7 + p.i * 29) % 300)::int,
            1000
       FROM (${shashiTeams}) t, generate_series(1, 2) AS p(i)
      WHERE t.kind = 'COMMUNITY_PAID'`,
    [ids['area:shashi'], SURNAMES, GIVEN],
  );
  // The coordinator leads Sanbanqiao's first team: the roster names him and links his account.
  await em.query(
    `UPDATE roster_entry SET name = '陳志強', user_id = $2, categories = '{VOLUNTEER,SECURITY_ACTIVIST}'
      WHERE id = (SELECT r.id FROM roster_entry r JOIN patrol_team t ON t.id = r.team_id WHERE t.name = $1 ORDER BY r.id LIMIT 1)`,
    ['三板橋社區義務巡防一隊', ids['user:coordinator']],
  );

  // Each community's fund pays its own paid teams (Sanbanqiao's fund exists already).
  for (const c of COMMUNITIES) {
    let fund = ids[`fund:${c.area.slice(2)}`];
    if (!fund) {
      fund = randomUUID();
      ids[`fund:${c.area.slice(2)}`] = fund;
      await em.query(`INSERT INTO security_fund (id, organization_id, name, description) VALUES ($1, $2, $3, '社區統一籌資，每月發放本社區安防隊員報酬（誰出資誰受益）。')`, [fund, ids[`org:${c.rc}`], `${c.name}安防經費`]);
    }
    await em.query(`INSERT INTO security_fund_team (team_id, fund_id) SELECT id, $1 FROM patrol_team WHERE area_id = $2 AND kind = 'COMMUNITY_PAID'`, [fund, ids[`area:${c.area}`]]);
  }
}
