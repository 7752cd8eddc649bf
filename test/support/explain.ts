import type { DataSource, EntityManager } from 'typeorm';

export interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

/** Every node of the plan PostgreSQL makes for a statement (EXPLAIN only: the statement is not run). */
export async function planNodes(db: DataSource | EntityManager, sql: string, params: unknown[]): Promise<PlanNode[]> {
  const [{ 'QUERY PLAN': plan }] = await db.query(`EXPLAIN (FORMAT JSON) ${sql}`, params);
  const nodes: PlanNode[] = [];
  const walk = (node: PlanNode) => {
    nodes.push(node);
    (node.Plans ?? []).forEach(walk);
  };
  walk((typeof plan === 'string' ? JSON.parse(plan) : plan)[0].Plan);
  return nodes;
}
