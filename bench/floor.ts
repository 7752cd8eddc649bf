/**
 * Floors for the hot read paths: for each, one hand-written SQL in which
 * PostgreSQL builds the whole JSON answer, served by a bare node:http server.
 * No parsing, validation, authorisation or executor: what is left is the
 * cost of the data itself, which the project's figures are printed against.
 * Each answers as a platform admin would see it (who sees everything), so no
 * visibility rule is needed to be byte-identical.
 * Run as its own process (`node dist/bench/floor.js <database url>`), so its
 * CPU is measured alone; prints "FLOOR <url>" when listening. POST /<name>
 * with a JSON array of the SQL's parameters as the body.
 */
import http from 'node:http';
import path from 'node:path';
import { Pool } from 'pg';
import { serveAsChild, startChild } from './child';

/** `{"data": {<field>: <value>}}` as text: the envelope every floor answers in (after `with`, common table expressions if any). */
const answer = (field: string, value: string, with_ = '') => `${with_} SELECT json_build_object('data', json_build_object('${field}', ${value}))::text AS body`;

/** A to-one relation that may be missing: null, or the object. */
const nullable = (alias: string, object: string) => `CASE WHEN ${alias}.id IS NULL THEN NULL ELSE ${object} END`;

/** The floor's SQL per read path, by name; each the same answer as the document of that name in bench/run.ts, for a platform admin. */
export const FLOORS = {
  /** organizations(first: 50) { name homeArea { name parent } members(first: 10) { role user } } */
  organizations: answer(
    'organizations',
    `(SELECT json_build_object('nodes', COALESCE(json_agg(json_build_object(
         'name', o.name,
         'homeArea', json_build_object('name', h.name, 'parent', ${nullable('hp', `json_build_object('name', hp.name)`)}),
         'members', json_build_object('nodes', m.nodes)
       ) ORDER BY o.name, o.id), '[]'::json))
  FROM (SELECT id, name, home_area_id FROM organization ORDER BY name, id LIMIT 50) o
  JOIN area h ON h.id = o.home_area_id
  LEFT JOIN area hp ON hp.id = h.parent_id
  CROSS JOIN LATERAL (
    SELECT COALESCE(json_agg(json_build_object('role', mm.role, 'user', json_build_object('displayName', u.display_name)) ORDER BY mm.created_at, mm.id), '[]'::json) AS nodes
      FROM (SELECT user_id, role, created_at, id FROM membership WHERE organization_id = o.id ORDER BY created_at, id LIMIT 10) mm
      JOIN app_user u ON u.id = mm.user_id
  ) m)`,
  ),
  /** cases(first: 20), newest first, with area, leader, handler and responsible organisation. */
  cases: answer(
    'cases',
    `(SELECT json_build_object('nodes', COALESCE(json_agg(json_build_object(
         'reference', c.reference, 'title', c.title, 'status', c.status, 'severity', c.severity,
         'area', json_build_object('name', a.name),
         'leader', ${nullable('l', `json_build_object('displayName', l.display_name)`)},
         'handler', ${nullable('h', `json_build_object('displayName', h.display_name)`)},
         'responsibleOrganization', ${nullable('o', `json_build_object('name', o.name)`)}
       ) ORDER BY c.reported_at DESC, c.id DESC), '[]'::json))
  FROM (SELECT * FROM case_record ORDER BY reported_at DESC, id DESC LIMIT 20) c
  JOIN area a ON a.id = c.area_id
  LEFT JOIN app_user l ON l.id = c.leader_user_id
  LEFT JOIN app_user h ON h.id = c.handler_user_id
  LEFT JOIN organization o ON o.id = c.responsible_organization_id)`,
  ),
  /** meeting(id: $1) with area, convener, agendaItems(first: 20) { presenter } and participants(first: 50) { organization }. */
  meeting: answer(
    'meeting',
    `(SELECT json_build_object(
         'title', m.title, 'status', m.status, 'area', json_build_object('name', a.name), 'convener', json_build_object('name', cv.name),
         'agendaItems', json_build_object('nodes', (
           SELECT COALESCE(json_agg(json_build_object('position', i.position, 'title', i.title, 'plannedMinutes', i.planned_minutes, 'status', i.status,
                                                      'presenter', json_build_object('name', po.name)) ORDER BY i.position, i.id), '[]'::json)
             FROM (SELECT * FROM agenda_item WHERE meeting_id = m.id ORDER BY position, id LIMIT 20) i
             JOIN organization po ON po.id = i.presenter_organization_id)),
         'participants', json_build_object('nodes', (
           SELECT COALESCE(json_agg(json_build_object('isConvener', p.is_convener, 'rsvp', p.rsvp, 'organization', json_build_object('name', p.name))
                                    ORDER BY p.is_convener DESC, p.name, p.id), '[]'::json)
             FROM (SELECT mp.id, mp.is_convener, mp.rsvp, o.name FROM meeting_participant mp JOIN organization o ON o.id = mp.organization_id
                    WHERE mp.meeting_id = m.id ORDER BY mp.is_convener DESC, o.name, mp.id LIMIT 50) p)))
  FROM meeting m JOIN area a ON a.id = m.area_id JOIN organization cv ON cv.id = m.convener_organization_id
 WHERE m.id = $1::uuid)`,
  ),
  /** patrolsOnDuty(areaId: $1, first: 20), in planned order, with area, team { organization } and route { checkpoints } (in route order). */
  patrolsOnDuty: answer(
    'patrolsOnDuty',
    `(SELECT json_build_object('nodes', COALESCE(json_agg(json_build_object(
         'status', p.status, 'area', json_build_object('name', a.name),
         'team', json_build_object('name', t.name, 'kind', t.kind, 'organization', json_build_object('name', o.name)),
         'route', ${nullable('r', `json_build_object('name', r.name, 'checkpoints', (
             SELECT COALESCE(json_agg(json_build_object('name', c.name, 'kind', c.kind) ORDER BY rc.position), '[]'::json)
               FROM route_checkpoint rc JOIN checkpoint c ON c.id = rc.checkpoint_id WHERE rc.route_id = r.id))`)}
       ) ORDER BY p.planned_start, p.id), '[]'::json))
  FROM (SELECT p.* FROM patrol p JOIN area pa ON pa.id = p.area_id
         WHERE p.status = 'ACTIVE' AND pa.path LIKE (SELECT path FROM area WHERE id = $1::uuid) || '%'
         ORDER BY p.planned_start, p.id LIMIT 20) p
  JOIN area a ON a.id = p.area_id
  JOIN patrol_team t ON t.id = p.team_id
  JOIN organization o ON o.id = t.organization_id
  LEFT JOIN route r ON r.id = p.route_id)`,
  ),
  /**
   * jurisdictionDashboard(areaId: $1) { area cases { open overdue supervisedOpen openedLast7Days openedLast30Days
   * openByCategoryAndStatus } patrols { onDuty plannedToday } }: only the figures asked for ("today" in China Standard Time).
   */
  jurisdictionDashboard: answer(
    'jurisdictionDashboard',
    `(SELECT json_build_object(
         'area', json_build_object('name', j.name),
         'cases', json_build_object(
           'open', (SELECT count(*) FROM open),
           'overdue', (SELECT count(*) FROM open WHERE due_at < now()),
           'supervisedOpen', (SELECT count(*) FROM open WHERE supervising_organization_id IS NOT NULL),
           'openedLast7Days', (SELECT count(*) FILTER (WHERE reported_at > now() - interval '7 days') FROM recent),
           'openedLast30Days', (SELECT count(*) FROM recent),
           'openByCategoryAndStatus', (SELECT COALESCE(json_agg(json_build_object('category', category, 'status', status, 'count', n) ORDER BY category, status), '[]'::json)
                                         FROM (SELECT category, status, count(*) AS n FROM open GROUP BY category, status) g)),
         'patrols', json_build_object(
           'onDuty', (SELECT count(*) FROM patrol WHERE area_id IN (SELECT id FROM areas) AND status = 'ACTIVE'),
           'plannedToday', (SELECT count(*) FROM patrol WHERE area_id IN (SELECT id FROM areas) AND status <> 'CANCELLED'
                               AND planned_start >= j.today AND planned_start < j.today + interval '1 day')))
  FROM j)`,
    `WITH j AS (SELECT name, path, date_trunc('day', now() AT TIME ZONE 'Asia/Shanghai') AT TIME ZONE 'Asia/Shanghai' AS today FROM area WHERE id = $1::uuid),
          areas AS MATERIALIZED (SELECT a.id FROM area a, j WHERE a.path LIKE j.path || '%'),
          open AS MATERIALIZED (SELECT category, status, due_at, supervising_organization_id FROM case_record
                                 WHERE area_id IN (SELECT id FROM areas) AND status IN ('REPORTED','TRIAGED','ASSIGNED','IN_PROGRESS','REOPENED')),
          recent AS (SELECT reported_at FROM case_record WHERE area_id IN (SELECT id FROM areas) AND merged_into_id IS NULL
                                 AND reported_at > now() - interval '30 days' AND reported_at <= now())`,
  ),
} as const;

export type FloorName = keyof typeof FLOORS;

export interface FloorServer {
  /** Where to POST for one read path's floor. */
  urlOf(name: FloorName): string;
  pid: number;
  stop(): Promise<void>;
}

/** Starts the floor as a child process on a free port, with the project's pool size (20). */
export async function startFloorServer(databaseUrl: string): Promise<FloorServer> {
  const floor = await startChild('floor server', [path.join(__dirname, 'floor.js'), databaseUrl], /FLOOR (\S+)/);
  return { urlOf: (name) => `${floor.announced}/${name}`, pid: floor.process.pid!, stop: floor.stop };
}

function serve(databaseUrl: string): void {
  const pool = new Pool({ connectionString: databaseUrl, max: 20, application_name: 'floor' });
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const name = req.url!.slice(1);
      const sql = Object.hasOwn(FLOORS, name) ? FLOORS[name as FloorName] : null;
      const body = Buffer.concat(chunks).toString();
      Promise.resolve()
        .then(() => {
          if (!sql) throw new Error(`no floor ${req.url}`);
          return pool.query(sql, body ? (JSON.parse(body) as unknown[]) : []);
        })
        .then(
        ({ rows }) => {
          res.writeHead(200, { 'content-type': 'application/json', 'x-sql-statements': '1' });
          res.end(rows[0].body);
        },
        (error: Error) => {
          res.writeHead(500, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ errors: [{ message: error.message }] }));
        },
      );
    });
  });
  serveAsChild(server, 'FLOOR', (port) => `http://127.0.0.1:${port}`, { afterClose: () => pool.end() });
}

if (require.main === module) serve(process.argv[2]);
