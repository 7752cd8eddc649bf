import { timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { Request, Response } from 'express';
import type { Config } from '../shared/config';
import { registry } from '../shared/metrics';

function tokenMatches(header: string | undefined, expected: string): boolean {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  if (!match) return false;
  const given = Buffer.from(match[1]);
  const wanted = Buffer.from(expected);
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}

async function answer(res: Response | http.ServerResponse): Promise<void> {
  const body = await registry.metrics();
  res.statusCode = 200;
  res.setHeader('content-type', registry.contentType);
  res.end(body);
}

/**
 * GET /metrics on the API port. Protected in production: it answers only
 * with the bearer METRICS_TOKEN, and not at all (404, like any unknown path)
 * without one or when metrics have a port of their own.
 */
export function metricsRoute(config: Config) {
  return async (req: Request, res: Response): Promise<void> => {
    const separatePort = config.metricsPort !== undefined;
    const open = !separatePort && !config.metricsToken && config.nodeEnv !== 'production';
    if (separatePort || (!open && !config.metricsToken)) {
      res.status(404).json({ error: 'not found' });
      return;
    }
    if (!open && !tokenMatches(req.header('authorization'), config.metricsToken!)) {
      res.setHeader('www-authenticate', 'Bearer realm="metrics"');
      res.status(401).json({ error: 'metrics need the bearer token METRICS_TOKEN' });
      return;
    }
    await answer(res);
  };
}

/** Metrics on a port of their own (METRICS_PORT on METRICS_HOST, loopback by default), for a scraper on a private network. */
export async function startMetricsServer(config: Config): Promise<http.Server | null> {
  if (config.metricsPort === undefined) return null;
  const server = http.createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.statusCode = 404;
      res.end();
      return;
    }
    if (config.metricsToken && !tokenMatches(req.headers.authorization, config.metricsToken)) {
      res.statusCode = 401;
      res.end();
      return;
    }
    answer(res).catch(() => {
      res.statusCode = 500;
      res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.metricsPort, config.metricsHost, () => resolve());
  });
  return server;
}
