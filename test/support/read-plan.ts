import { loadDemoData } from '../../src/demo';
import { gql } from './graphql';
import { startHarness, stopHarness, type Harness } from './harness';
import { startTestServer, type TestServer } from './server';

/**
 * A read plan must answer exactly as the loaders do. The harness's server
 * plans its reads; a second server on the same demo database runs with
 * planning off; every document is asked of both at once.
 */
export interface PlanPair {
  h: Harness;
  unplanned: TestServer;
}

export async function startPlanPair(): Promise<PlanPair> {
  const h = await startHarness();
  await loadDemoData(h.server.services.db, h.server.services.log);
  const unplanned = await startTestServer(h.database.url, { readPlan: false });
  return { h, unplanned };
}

export async function stopPlanPair(pair: Partial<PlanPair>): Promise<void> {
  await pair.unplanned?.stop();
  if (pair.h) await stopHarness(pair.h);
}

/** The planned and the unplanned answer to one document. */
export async function askBoth(pair: PlanPair, document: string, variables: Record<string, unknown>, token: string | null) {
  const [planned, old] = await Promise.all([gql(pair.h.server.httpUrl, document, variables, token), gql(pair.unplanned.httpUrl, document, variables, token)]);
  return { planned, old };
}
