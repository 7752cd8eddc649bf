import { registry } from '../../src/shared/metrics';
import { gql } from './graphql';
import type { Harness } from './harness';
import type { TestServer } from './server';
import { startServerPair, stopServerPair } from './server-pair';

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
  const { h, other } = await startServerPair({ readPlan: false });
  return { h, unplanned: other };
}

export async function stopPlanPair(pair: Partial<PlanPair>): Promise<void> {
  await stopServerPair({ h: pair.h, other: pair.unplanned });
}

/** Whatever the time of day, the demo's last week of patrols is on duty: `patrolsOnDuty` then has something to answer. */
export async function putDemoPatrolsOnDuty(h: Harness): Promise<void> {
  await h.server.services.db.query(`UPDATE patrol SET status = 'ACTIVE', started_at = planned_start WHERE planned_start > now() - interval '8 days'`);
}

/** The planned and the unplanned answer to one document. */
export async function askBoth(pair: PlanPair, document: string, variables: Record<string, unknown>, token: string | null) {
  const [planned, old] = await Promise.all([gql(pair.h.server.httpUrl, document, variables, token), gql(pair.unplanned.httpUrl, document, variables, token)]);
  return { planned, old };
}

/** How many queries the servers of this process answered whole in PostgreSQL (src/shared/read-plan/sql-answer.ts). */
export async function sqlAnswered(): Promise<number> {
  return (await registry.getSingleMetric('gongzhi_graphql_sql_answered_queries_total')!.get()).values[0]?.value ?? 0;
}

/** askBoth, and whether the planned server answered the document in PostgreSQL whole. */
export async function askBothInSql(pair: PlanPair, document: string, variables: Record<string, unknown>, token: string | null) {
  const before = await sqlAnswered();
  const { planned, old } = await askBoth(pair, document, variables, token);
  return { planned, old, inSql: (await sqlAnswered()) > before };
}
