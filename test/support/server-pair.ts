import { loadDemoData } from '../../src/demo';
import { startHarness, stopHarness, type Harness } from './harness';
import { startTestServer, type TestServer } from './server';

/**
 * Two servers on one demo database: the harness's with the defaults (or
 * `base`) and a second with `overrides` (read planning off, compiled execution
 * on, ...). Differential tests ask both the same document and expect the same answer.
 */
export interface ServerPair {
  h: Harness;
  other: TestServer;
}

export async function startServerPair(overrides: Parameters<typeof startTestServer>[1], base: Parameters<typeof startTestServer>[1] = {}): Promise<ServerPair> {
  const h = await startHarness(base);
  await loadDemoData(h.server.services.db, h.server.services.log);
  const other = await startTestServer(h.database.url, overrides);
  return { h, other };
}

export async function stopServerPair(pair: Partial<ServerPair>): Promise<void> {
  await pair.other?.stop();
  if (pair.h) await stopHarness(pair.h);
}
