import type { DataSource } from 'typeorm';

/**
 * What the read-path floors need on top of the bench city (bench/seed.ts), in
 * plain SQL: 5,000 cases over the communities (assigned ones with a
 * responsible organisation, leader and handler from its members), and one
 * meeting of 50 organisations with 15 agenda items, and 100 volunteer patrol
 * teams on communities, each with a route through 8 checkpoints and one
 * ACTIVE and one PLANNED patrol. Deterministic in shape (not in ids), so every
 * run reads the same amount. Returns the meeting, and the district of the
 * first team for `patrolsOnDuty` (which holds some of the teams, not all).
 */
export async function seedReadPaths(db: DataSource): Promise<{ meetingId: string; patrolAreaId: string }> {
  await db.query(
    `INSERT INTO case_record (reference, category, channel, severity, status, title, description, area_id,
                              responsible_organization_id, leader_user_id, handler_user_id, due_at, reported_at, created_at, updated_at)
     SELECT 'RP-' || lpad(x.n::text, 6, '0'),
            (ARRAY['PUBLIC_SECURITY','DISPUTE','ILLEGAL_CONSTRUCTION','ENVIRONMENT','LEGAL_AID','SOCIAL_ASSISTANCE','OTHER'])[1 + x.n % 7],
            (ARRAY['HOTLINE','MAILBOX','MOBILE_APP','WECHAT','WALK_IN'])[1 + x.n % 5],
            (ARRAY['LOW','MEDIUM','HIGH','CRITICAL'])[1 + x.n % 4],
            x.status, '案件 ' || x.n, '讀取路徑基準的案件。', x.area_id,
            CASE WHEN x.assigned THEN o.id END, CASE WHEN x.assigned THEN o.leader END, CASE WHEN x.assigned THEN o.handler END,
            x.reported_at + interval '10 days', x.reported_at, x.reported_at, x.reported_at
       FROM (SELECT n, CASE WHEN n % 3 = 0 THEN 'REPORTED' ELSE 'ASSIGNED' END AS status, n % 3 <> 0 AS assigned,
                    date_trunc('milliseconds', now()) - n * interval '1 minute' AS reported_at,
                    (SELECT id FROM area WHERE kind = 'COMMUNITY' ORDER BY name OFFSET n % 1000 LIMIT 1) AS area_id
               FROM generate_series(1, 5000) n) x
       JOIN (SELECT o.id, row_number() OVER (ORDER BY o.name) - 1 AS i,
                    (SELECT user_id FROM membership WHERE organization_id = o.id ORDER BY created_at, id LIMIT 1) AS leader,
                    (SELECT user_id FROM membership WHERE organization_id = o.id ORDER BY created_at, id OFFSET 1 LIMIT 1) AS handler
               FROM organization o) o ON o.i = x.n % 2000`,
  );
  const [meeting] = await db.query(
    `INSERT INTO meeting (convener_organization_id, area_id, title, starts_at, ends_at)
     SELECT o.id, o.home_area_id, '讀取路徑基準會議', now() + interval '7 days', now() + interval '7 days 2 hours'
       FROM organization o ORDER BY o.name LIMIT 1
     RETURNING id, convener_organization_id`,
  );
  await db.query(
    `INSERT INTO meeting_participant (meeting_id, organization_id, is_convener, rsvp, responded_at)
     SELECT $1, o.id, o.id = $2, CASE WHEN i % 3 = 0 THEN 'ATTENDING' WHEN i % 3 = 1 THEN NULL ELSE 'TENTATIVE' END,
            CASE WHEN i % 3 = 1 THEN NULL ELSE now() END
       FROM (SELECT id, row_number() OVER (ORDER BY name) AS i FROM organization ORDER BY name LIMIT 50) o`,
    [meeting.id, meeting.convener_organization_id],
  );
  await db.query(
    `INSERT INTO agenda_item (meeting_id, position, title, proposed_by_organization_id, presenter_organization_id, planned_minutes, status)
     SELECT $1, p, '議程 ' || p, $2, o.id, 5 + p, CASE WHEN p % 2 = 0 THEN 'ACCEPTED' ELSE 'PROPOSED' END
       FROM generate_series(1, 15) p
       JOIN (SELECT id, row_number() OVER (ORDER BY name) AS i FROM organization ORDER BY name LIMIT 15) o ON o.i = p`,
    [meeting.id, meeting.convener_organization_id],
  );
  await db.query(
    `INSERT INTO patrol_team (name, kind, organization_id, area_id)
     SELECT '巡邏隊 ' || lpad(o.i::text, 3, '0'), 'VOLUNTEER', o.id, c.id
       FROM (SELECT id, row_number() OVER (ORDER BY name) AS i FROM organization WHERE kind = 'VOLUNTEER_PATROL' ORDER BY name LIMIT 100) o
       JOIN (SELECT id, row_number() OVER (ORDER BY name) AS i FROM area WHERE kind = 'COMMUNITY') c ON c.i = o.i * 7`,
  );
  await db.query(
    `INSERT INTO checkpoint (organization_id, area_id, name, kind, latitude, longitude)
     SELECT t.organization_id, t.area_id, t.name || ' 檢查點 ' || k, (ARRAY['DOOR','SHOP','GATE','HOTSPOT','OTHER'])[1 + k % 5], 30.3 + k * 0.001, 112.2 + k * 0.001
       FROM patrol_team t, generate_series(1, 8) k`,
  );
  await db.query(
    `INSERT INTO route (organization_id, area_id, name) SELECT organization_id, area_id, name || ' 路線' FROM patrol_team`,
  );
  // Positions run against the names, so an answer in name order would differ from the route's order.
  await db.query(
    `INSERT INTO route_checkpoint (route_id, position, checkpoint_id)
     SELECT r.id, 8 - row_number() OVER (PARTITION BY r.id ORDER BY c.name), c.id
       FROM route r JOIN checkpoint c ON c.organization_id = r.organization_id`,
  );
  await db.query(
    `INSERT INTO patrol (team_id, area_id, route_id, planned_start, planned_end, status, started_at)
     SELECT t.id, t.area_id, r.id, s.planned_start, s.planned_start + interval '4 hours', s.status, CASE WHEN s.status = 'ACTIVE' THEN s.planned_start END
       FROM (SELECT t.*, row_number() OVER (ORDER BY t.name) AS i FROM patrol_team t) t
       JOIN route r ON r.organization_id = t.organization_id
       CROSS JOIN LATERAL (VALUES ('ACTIVE', date_trunc('milliseconds', now()) - interval '1 hour' - t.i * interval '1 minute'),
                                  ('PLANNED', date_trunc('milliseconds', now()) + interval '1 day')) s (status, planned_start)`,
  );
  const [district] = await db.query(
    `SELECT d.id FROM patrol_team t JOIN area c ON c.id = t.area_id JOIN area s ON s.id = c.parent_id JOIN area d ON d.id = s.parent_id
      ORDER BY t.name LIMIT 1`,
  );
  await db.query('ANALYZE');
  return { meetingId: meeting.id, patrolAreaId: district.id };
}
