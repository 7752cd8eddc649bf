import fs from 'node:fs';
import path from 'node:path';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import type { Config } from '../shared/config';

/** Paths the console's client-side router owns; each answers with the console's page. */
const CONSOLE_PATHS = ['/', '/liaison', '/patrols', '/meetings'];

/**
 * The console (web/, built into dist/web) and the GraphQL explorer, served by
 * the API process itself: one server, one origin, so the console needs no CORS
 * and no second process. Mounted before the GraphQL endpoint so a browser's
 * GET /graphql gets the explorer page while GraphQL requests pass through.
 */
export function mountWeb(app: Express, config: Pick<Config, 'explorer' | 'webDir'>): void {
  const webDir = config.webDir;
  const page = (name: string) => (_req: Request, res: Response) => {
    const file = path.join(webDir, name);
    if (!fs.existsSync(file)) {
      res.status(503).type('text/plain').send('The console is not built. Run `npm run build` (npm start builds it too).\n');
      return;
    }
    // The page is tiny and names hashed assets: always revalidate it, cache the assets for good.
    res.setHeader('cache-control', 'no-cache');
    res.sendFile(file);
  };

  app.get('/graphql', (req: Request, res: Response, next: NextFunction) => {
    // A browser navigating here prefers HTML; GraphQL clients (GET with ?query=) do not.
    if (req.query.query !== undefined || req.accepts(['application/json', 'text/html']) !== 'text/html') return next();
    if (!config.explorer) {
      res.status(404).type('text/plain').send('The GraphQL explorer is turned off here (EXPLORER=false). Send GraphQL requests to this URL with POST.\n');
      return;
    }
    page('explorer.html')(req, res);
  });

  app.use('/assets', express.static(path.join(webDir, 'assets'), { immutable: true, maxAge: '365d', index: false, fallthrough: false }));
  for (const route of CONSOLE_PATHS) app.get(route, page('index.html'));
}
