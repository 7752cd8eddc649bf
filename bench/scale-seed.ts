import type { DataSource } from 'typeorm';
import { hashPassword } from '../src/shared/auth/password';

/**
 * Grows a fresh database to a city with plain SQL (no application code), so a
 * million cases take minutes, not hours:
 * 10 districts × 20 streets × 30 communities × 10 grids (66,211 areas),
 * 20,000 organisations (a bureau per district, a police station and a street
 * office per street, a resident committee per community, the rest NGOs,
 * security companies, volunteer patrols and property managers), one member
 * per organisation, a liaison officer of 中山路派出所 and a platform admin.
 * Cases, patrol events and event-log rows are added by `growCases` in steps,
 * 1% of cases in 中山路街道.
 */
export interface ScaleCity {
  zhongshanAreaId: string;
  zhongshanPath: string;
  zhongshanStationId: string;
  liaisonUserId: string;
  adminUserId: string;
  /** A community of 中山路街道, for writes. */
  zhongshanCommunityId: string;
}

export type Progress = (message: string) => void;

async function timed(progress: Progress, label: string, fn: () => Promise<unknown>): Promise<void> {
  const started = Date.now();
  await fn();
  progress(`${label} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
}

/** Cases `growCases` added so far (0 in a fresh database). */
export async function grownCases(db: DataSource): Promise<number> {
  const [{ n }] = await db.query(`SELECT count(*)::int AS n FROM case_record WHERE reference LIKE 'SC-%'`);
  return n;
}

export async function seedScaleCity(db: DataSource, progress: Progress): Promise<ScaleCity> {
  const [{ seeded }] = await db.query(`SELECT to_regclass('scale_grid') IS NOT NULL AS seeded`);
  if (seeded) {
    progress('city already seeded (kept database)');
    return cityOf(db);
  }
  await timed(progress, 'areas: 1 city, 10 districts, 200 streets, 6,000 communities, 60,000 grids', async () => {
    await db.query(`INSERT INTO area (id, name, kind, parent_id, path, depth, code)
                    SELECT id, '規模市', 'CITY', NULL, '/' || id || '/', 0, 'SC' FROM (SELECT gen_random_uuid() AS id) x`);
    await db.query(`INSERT INTO area (id, name, kind, parent_id, path, depth, code)
                    SELECT x.id, '第' || x.d || '區', 'DISTRICT', x.pid, x.ppath || x.id || '/', 1, 'D' || x.d
                      FROM (SELECT gen_random_uuid() AS id, d, p.id AS pid, p.path AS ppath FROM area p, generate_series(1, 10) d WHERE p.kind = 'CITY') x`);
    await db.query(`INSERT INTO area (id, name, kind, parent_id, path, depth, code)
                    SELECT x.id, CASE WHEN x.code = 'D1S1' THEN '中山路街道' ELSE x.pname || '第' || x.s || '街道' END, 'STREET', x.pid, x.ppath || x.id || '/', 2, x.code
                      FROM (SELECT gen_random_uuid() AS id, s, p.id AS pid, p.path AS ppath, p.name AS pname, p.code || 'S' || s AS code
                              FROM area p, generate_series(1, 20) s WHERE p.kind = 'DISTRICT') x`);
    await db.query(`INSERT INTO area (id, name, kind, parent_id, path, depth, code)
                    SELECT x.id, x.pname || '第' || x.c || '社區', 'COMMUNITY', x.pid, x.ppath || x.id || '/', 3, x.code
                      FROM (SELECT gen_random_uuid() AS id, c, p.id AS pid, p.path AS ppath, p.name AS pname, p.code || 'C' || c AS code
                              FROM area p, generate_series(1, 30) c WHERE p.kind = 'STREET') x`);
    await db.query(`INSERT INTO area (id, name, kind, parent_id, path, depth, code)
                    SELECT x.id, x.pname || '第' || x.g || '網格', 'GRID', x.pid, x.ppath || x.id || '/', 4, x.code
                      FROM (SELECT gen_random_uuid() AS id, g, p.id AS pid, p.path AS ppath, p.name AS pname, p.code || 'G' || g AS code
                              FROM area p, generate_series(1, 10) g WHERE p.kind = 'COMMUNITY') x`);
  });

  await timed(progress, 'organisations: 20,000 with jurisdictions; one member each', async () => {
    await db.query(`INSERT INTO organization (name, kind, home_area_id, description)
                    SELECT name || '公安分局', 'GOVERNMENT_BODY', id, code FROM area WHERE kind = 'DISTRICT'`);
    await db.query(`INSERT INTO organization (name, kind, home_area_id, description)
                    SELECT CASE WHEN name = '中山路街道' THEN '中山路派出所' ELSE name || '派出所' END, 'POLICE_STATION', id, code FROM area WHERE kind = 'STREET'
                    UNION ALL
                    SELECT name || '辦事處', 'STREET_OFFICE', id, code FROM area WHERE kind = 'STREET'`);
    await db.query(`INSERT INTO organization (name, kind, home_area_id, description)
                    SELECT name || '居委會', 'RESIDENT_COMMITTEE', id, code FROM area WHERE kind = 'COMMUNITY'`);
    await db.query(`INSERT INTO organization_jurisdiction (organization_id, area_id)
                    SELECT id, home_area_id FROM organization WHERE kind IN ('GOVERNMENT_BODY','POLICE_STATION','STREET_OFFICE','RESIDENT_COMMITTEE')`);
    await db.query(`INSERT INTO organization (name, kind, home_area_id)
                    SELECT '社會組織 ' || lpad(n::text, 5, '0'), (ARRAY['NGO','SECURITY_COMPANY','VOLUNTEER_PATROL','PROPERTY_MANAGER'])[1 + n % 4], c.id
                      FROM generate_series(1, 20000 - (SELECT count(*) FROM organization)::int) n
                      JOIN (SELECT id, row_number() OVER (ORDER BY code) - 1 AS i FROM area WHERE kind = 'COMMUNITY') c ON c.i = n % 6000`);
    const hash = await hashPassword('scale-user-password');
    await db.query(`INSERT INTO app_user (email, display_name, password_hash)
                    SELECT 'member.' || id || '@gongzhi.scale', '成員 ' || left(name, 40), $1 FROM organization`, [hash]);
    await db.query(`INSERT INTO membership (user_id, organization_id, role)
                    SELECT u.id, o.id, 'MEMBER' FROM organization o JOIN app_user u ON u.email = 'member.' || o.id || '@gongzhi.scale'`);
    await db.query(`INSERT INTO app_user (email, display_name, password_hash) VALUES ('liaison@gongzhi.scale', '李警官', $1)`, [hash]);
    await db.query(`INSERT INTO app_user (email, display_name, password_hash, is_platform_admin) VALUES ('admin@gongzhi.scale', '平台管理員', $1, true)`, [hash]);
    await db.query(`INSERT INTO membership (user_id, organization_id, role)
                    SELECT u.id, o.id, 'LIAISON_OFFICER' FROM app_user u, organization o WHERE u.email = 'liaison@gongzhi.scale' AND o.name = '中山路派出所'`);
    // Police stations guide the committees of their street; bureaus supervise their stations; security companies contract with committees.
    await db.query(`INSERT INTO relationship (from_organization_id, to_organization_id, type, starts_on)
                    SELECT ps.id, rc.id, 'GUIDES', '2025-01-01'::date
                      FROM organization ps JOIN area s ON s.id = ps.home_area_id
                      JOIN area c ON c.parent_id = s.id JOIN organization rc ON rc.home_area_id = c.id AND rc.kind = 'RESIDENT_COMMITTEE'
                     WHERE ps.kind = 'POLICE_STATION'
                    UNION ALL
                    SELECT b.id, ps.id, 'SUPERVISES', '2025-01-01'::date
                      FROM organization b JOIN area s ON s.parent_id = b.home_area_id JOIN organization ps ON ps.home_area_id = s.id AND ps.kind = 'POLICE_STATION'
                     WHERE b.kind = 'GOVERNMENT_BODY'
                    UNION ALL
                    SELECT sc.id, rc.id, 'CONTRACTS_WITH', '2025-01-01'::date
                      FROM organization sc JOIN organization rc ON rc.home_area_id = sc.home_area_id AND rc.kind = 'RESIDENT_COMMITTEE'
                     WHERE sc.kind = 'SECURITY_COMPANY'`);
  });

  await timed(progress, 'lookup tables for the generators', async () => {
    // Per grid: its community's committee and member, its street's station, its district's bureau; numbered for random picks.
    await db.query(`CREATE TABLE scale_grid AS
                    SELECT g.id, g.path, (g.path LIKE (SELECT path FROM area WHERE name = '中山路街道') || '%') AS zhongshan,
                           rc.id AS rc_id, ru.user_id AS rc_user_id, ps.id AS station_id, so.id AS office_id, b.id AS bureau_id
                      FROM area g
                      JOIN area c ON c.id = g.parent_id JOIN area s ON s.id = c.parent_id
                      JOIN organization rc ON rc.home_area_id = c.id AND rc.kind = 'RESIDENT_COMMITTEE'
                      JOIN membership ru ON ru.organization_id = rc.id
                      JOIN organization ps ON ps.home_area_id = s.id AND ps.kind = 'POLICE_STATION'
                      JOIN organization so ON so.home_area_id = s.id AND so.kind = 'STREET_OFFICE'
                      JOIN organization b ON b.home_area_id = s.parent_id AND b.kind = 'GOVERNMENT_BODY'
                     WHERE g.kind = 'GRID'`);
    await db.query(`CREATE TABLE scale_pick AS
                    SELECT g.*, (row_number() OVER (PARTITION BY zhongshan ORDER BY id) - 1)::int AS i FROM scale_grid g`);
    await db.query(`CREATE UNIQUE INDEX ON scale_pick (zhongshan, i)`);
    await db.query(`CREATE TABLE scale_reporter AS SELECT (row_number() OVER (ORDER BY id) - 1)::int AS i, id FROM app_user WHERE email LIKE 'member.%'`);
    await db.query(`CREATE UNIQUE INDEX ON scale_reporter (i)`);
    await db.query(`CREATE TABLE scale_team (i int PRIMARY KEY, id uuid, area_id uuid)`);
    await db.query(`INSERT INTO patrol_team (name, kind, organization_id, area_id)
                    SELECT o.name || '巡防隊', 'VOLUNTEER', o.id, o.home_area_id FROM organization o WHERE o.kind = 'VOLUNTEER_PATROL'`);
    await db.query(`INSERT INTO scale_team SELECT (row_number() OVER (ORDER BY id) - 1)::int, id, area_id FROM patrol_team`);
    await db.query(`CREATE TABLE scale_patrol (i int PRIMARY KEY, id uuid, team_id uuid, planned_start timestamptz)`);
    await db.query('ANALYZE');
  });

  return cityOf(db);
}

async function cityOf(db: DataSource): Promise<ScaleCity> {
  const [z] = await db.query(`SELECT a.id, a.path, o.id AS station FROM area a JOIN organization o ON o.home_area_id = a.id AND o.kind = 'POLICE_STATION' WHERE a.name = '中山路街道'`);
  const [community] = await db.query(`SELECT id FROM area WHERE parent_id = $1 ORDER BY code LIMIT 1`, [z.id]);
  const [liaison] = await db.query(`SELECT id FROM app_user WHERE email = 'liaison@gongzhi.scale'`);
  const [admin] = await db.query(`SELECT id FROM app_user WHERE email = 'admin@gongzhi.scale'`);
  return { zhongshanAreaId: z.id, zhongshanPath: z.path, zhongshanStationId: z.station, liaisonUserId: liaison.id, adminUserId: admin.id, zhongshanCommunityId: community.id };
}

const CASE_BATCH = 100_000;

/**
 * Marks the grown city's overdue open cases escalated, as the escalation job
 * would have when each fell due. Left undone, the first server started on the
 * city escalates them itself (about 130k at 1M cases, a transaction and an
 * event each) while the bench measures, and every figure is taken on a
 * machine busy with that. Run before each measured step (a kept city's cases
 * fall due between runs).
 */
export async function settleEscalations(db: DataSource, progress: Progress): Promise<void> {
  await timed(progress, 'overdue cases marked escalated', () =>
    db.query(
      `UPDATE case_record SET escalated_at = due_at
        WHERE reference LIKE 'SC-%' AND escalated_at IS NULL AND due_at < now() AND status IN ('REPORTED','TRIAGED','ASSIGNED','IN_PROGRESS','REOPENED')`,
    ),
  );
}

/**
 * Adds cases numbered [from, to) (1% of them in 中山路街道; 80% closed, open
 * ones reported in the last 60 days), 2 patrol events and 0.5 event-log rows
 * per case, then ANALYZEs.
 */
export async function growCases(db: DataSource, from: number, to: number, progress: Progress): Promise<void> {
  const [{ others }] = await db.query(`SELECT count(*)::int AS others FROM scale_pick WHERE NOT zhongshan`);
  const [{ zs }] = await db.query(`SELECT count(*)::int AS zs FROM scale_pick WHERE zhongshan`);
  const [{ reporters }] = await db.query(`SELECT count(*)::int AS reporters FROM scale_reporter`);
  for (let start = from; start < to; start += CASE_BATCH) {
    const end = Math.min(to, start + CASE_BATCH);
    await timed(progress, `cases ${start.toLocaleString('en')} to ${end.toLocaleString('en')}`, () =>
      db.query(
        `INSERT INTO case_record (reference, category, channel, severity, status, title, description, area_id,
                                  reporter_user_id, responsible_organization_id, leader_user_id, handler_user_id,
                                  supervising_organization_id, supervised_at, due_at, reported_at, resolved_at, closed_at, created_at, updated_at)
         SELECT 'SC-' || lpad(x.n::text, 8, '0'),
                (ARRAY['PUBLIC_SECURITY','DISPUTE','ILLEGAL_CONSTRUCTION','ENVIRONMENT','LEGAL_AID','SOCIAL_ASSISTANCE','OTHER'])[1 + x.n % 7],
                (ARRAY['HOTLINE','MAILBOX','MOBILE_APP','WECHAT','WALK_IN','PATROL','GRID_INSPECTION','DRONE','URBAN_PLATFORM'])[1 + x.n % 9],
                (ARRAY['LOW','MEDIUM','MEDIUM','HIGH','CRITICAL'])[1 + x.n % 5],
                x.status, '案件 ' || x.n, '規模測試生成的案件。', g.id,
                CASE WHEN x.r2 < 0.2 THEN r.id END,
                CASE WHEN x.status IN ('ASSIGNED','IN_PROGRESS','RESOLVED','CLOSED','REOPENED') THEN g.rc_id END,
                CASE WHEN x.status IN ('ASSIGNED','IN_PROGRESS','RESOLVED','CLOSED','REOPENED') THEN g.rc_user_id END,
                CASE WHEN x.status IN ('ASSIGNED','IN_PROGRESS','RESOLVED','CLOSED','REOPENED') THEN g.rc_user_id END,
                CASE WHEN x.r2 > 0.98 THEN g.bureau_id END,
                CASE WHEN x.r2 > 0.98 THEN x.reported_at END,
                x.reported_at + (3 + x.r3 * 40) * interval '1 day',
                x.reported_at,
                CASE WHEN x.status IN ('RESOLVED','CLOSED') THEN x.reported_at + interval '2 days' END,
                CASE WHEN x.status = 'CLOSED' THEN x.reported_at + interval '3 days' END,
                x.reported_at, x.reported_at
           FROM (SELECT n, r1, r2, r3, status,
                        date_trunc('milliseconds', now() - CASE WHEN status IN ('RESOLVED','CLOSED') THEN r3 * 730 ELSE r3 * 60 END * interval '1 day') AS reported_at,
                        (n % 100 = 0) AS zhongshan,
                        CASE WHEN n % 100 = 0 THEN (n / 100) % $3 ELSE floor(r1 * $4)::int END AS gi,
                        floor(r2 * $5)::int AS ri
                   FROM (SELECT n, r1, r2, r3,
                                CASE WHEN s < 0.80 THEN 'CLOSED' WHEN s < 0.85 THEN 'RESOLVED' WHEN s < 0.89 THEN 'IN_PROGRESS' WHEN s < 0.93 THEN 'ASSIGNED'
                                     WHEN s < 0.96 THEN 'TRIAGED' WHEN s < 0.99 THEN 'REPORTED' ELSE 'REOPENED' END AS status
                           FROM (SELECT n, random() AS r1, random() AS r2, random() AS r3, random() AS s FROM generate_series($1::int, $2::int - 1) n) q) q2) x
           JOIN scale_pick g ON g.zhongshan = x.zhongshan AND g.i = x.gi
           JOIN scale_reporter r ON r.i = x.ri`,
        [start, end, zs, others, reporters],
      ),
    );
  }

  const patrols = Math.floor((to - from) / 100);
  const [{ teams }] = await db.query(`SELECT count(*)::int AS teams FROM scale_team`);
  await timed(progress, `patrols +${patrols.toLocaleString('en')} and patrol events +${(patrols * 200).toLocaleString('en')}`, async () => {
    const [{ base }] = await db.query(`SELECT coalesce(max(i) + 1, 0)::int AS base FROM scale_patrol`);
    await db.query(
      `WITH p AS (
         INSERT INTO patrol (team_id, area_id, planned_start, planned_end, status, started_at, ended_at)
         SELECT t.id, t.area_id, s, s + interval '4 hours', 'COMPLETED', s, s + interval '4 hours'
           FROM (SELECT n, date_trunc('milliseconds', now() - random() * interval '365 days') AS s FROM generate_series($1::int, $1::int + $2::int - 1) n) x
           JOIN scale_team t ON t.i = x.n % $3
         RETURNING id, team_id, planned_start)
       INSERT INTO scale_patrol SELECT $1 + (row_number() OVER (ORDER BY id))::int - 1, id, team_id, planned_start FROM p`,
      [base, patrols, teams],
    );
    for (let b = 0; b < patrols; b += 2000) {
      await db.query(
        `INSERT INTO patrol_event (patrol_id, team_id, device_id, client_event_id, kind, device_time, received_at, latitude, longitude)
         SELECT p.id, p.team_id, 'phone-' || p.i, e::text, 'POSITION', p.planned_start + e * interval '1 minute', p.planned_start + e * interval '1 minute',
                30.3 + random() * 0.1, 112.2 + random() * 0.1
           FROM scale_patrol p, generate_series(1, 200) e
          WHERE p.i >= $1 AND p.i < $2`,
        [base + b, base + Math.min(patrols, b + 2000)],
      );
    }
  });

  const events = Math.floor((to - from) / 2);
  await timed(progress, `event log +${events.toLocaleString('en')} case events`, async () => {
    for (let b = 0; b < events; b += 100_000) {
      const count = Math.min(events, b + 100_000) - b;
      // Each event about a case added in this step; 3 in 100 about a case of 中山路街道 (enough for a replay of 1,000 at 100k cases) (case numbers divisible by 100).
      await db.query(
        `INSERT INTO event (topic, type, subject_id, area_path, organization_ids, user_ids, payload, created_at)
         SELECT 'case', 'case.commented', c.id, g.path, ARRAY[g.rc_id, g.station_id, g.office_id, g.bureau_id],
                CASE WHEN c.reporter_user_id IS NULL THEN '{}'::uuid[] ELSE ARRAY[c.reporter_user_id] END,
                jsonb_build_object('caseId', c.id, 'step', 'COMMENTED', 'status', c.status, 'visibility', 'INTERNAL', 'data', '{}'::jsonb), now()
           FROM (SELECT k, CASE WHEN k % 100 < 3 THEN 100 * ($1::int / 100 + floor(random() * ($2::int - $1::int) / 100)::int)
                                ELSE $1::int + floor(random() * ($2::int - $1::int))::int END AS n
                   FROM generate_series(1, $3::int) k) x
           JOIN case_record c ON c.reference = 'SC-' || lpad(x.n::text, 8, '0')
           JOIN scale_grid g ON g.id = c.area_id
          ORDER BY x.k`,
        [from, to, count],
      );
    }
  });
  await timed(progress, 'VACUUM ANALYZE', () => db.query('VACUUM ANALYZE'));
}
