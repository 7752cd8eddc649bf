/**
 * The floor for the nested directory query: one hand-written SQL in which
 * PostgreSQL builds the whole JSON answer, served by a bare node:http server.
 * No parsing, validation, authorisation or executor: what is left is the
 * cost of the data itself, which the project's figures are printed against.
 * Run as its own process (`node dist/bench/floor.js <database url>`), so its
 * CPU is measured alone; prints "FLOOR <url>" when listening.
 */
import { spawn } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import { Pool } from 'pg';

/** The same answer as NESTED_QUERY for a platform admin (who sees every organisation's members). */
export const FLOOR_SQL = `
SELECT json_build_object('data', json_build_object('organizations', json_build_object('nodes', COALESCE(json_agg(json_build_object(
         'name', o.name,
         'homeArea', json_build_object('name', h.name, 'parent', CASE WHEN hp.id IS NULL THEN NULL ELSE json_build_object('name', hp.name) END),
         'members', json_build_object('nodes', m.nodes)
       ) ORDER BY o.name, o.id), '[]'::json))))::text AS body
  FROM (SELECT id, name, home_area_id FROM organization ORDER BY name, id LIMIT 50) o
  JOIN area h ON h.id = o.home_area_id
  LEFT JOIN area hp ON hp.id = h.parent_id
  CROSS JOIN LATERAL (
    SELECT COALESCE(json_agg(json_build_object('role', mm.role, 'user', json_build_object('displayName', u.display_name)) ORDER BY mm.created_at, mm.id), '[]'::json) AS nodes
      FROM (SELECT user_id, role, created_at, id FROM membership WHERE organization_id = o.id ORDER BY created_at, id LIMIT 10) mm
      JOIN app_user u ON u.id = mm.user_id
  ) m`;

export interface FloorServer {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/** Starts the floor as a child process on a free port, with the project's pool size (20). */
export async function startFloorServer(databaseUrl: string): Promise<FloorServer> {
  const child = spawn(process.execPath, [path.join(__dirname, 'floor.js'), databaseUrl], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('floor server did not start in 30 s')), 30_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      const match = /FLOOR (\S+)/.exec(chunk.toString());
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.once('exit', (code) => reject(new Error(`floor server exited with ${code}`)));
  });
  return {
    url,
    pid: child.pid!,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

function serve(databaseUrl: string): void {
  const pool = new Pool({ connectionString: databaseUrl, max: 20, application_name: 'floor' });
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      pool.query(FLOOR_SQL).then(
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
  server.listen(0, '127.0.0.1', () => {
    const address = server.address() as { port: number };
    process.stdout.write(`FLOOR http://127.0.0.1:${address.port}/graphql\n`);
  });
  process.on('SIGTERM', () => {
    server.close(() => void pool.end().then(() => process.exit(0)));
    server.closeAllConnections();
  });
}

if (require.main === module) serve(process.argv[2]);
