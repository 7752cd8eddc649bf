import type { DataSource } from 'typeorm';
import { openTestDataSource } from './support/server';
import { createLogger } from '../src/shared/logger';
import { seedFoundation } from '../src/demo/demo.foundation';
import { seedCases } from '../src/demo/demo.cases';

let db: DataSource;
let closeDatabase: (() => Promise<void>) | undefined;
const ids: Record<string, string> = {};

beforeAll(async () => {
  ({ db, close: closeDatabase } = await openTestDataSource(2));
  await db.transaction(async (em) => {
    const ctx = { em, ids, log: createLogger('silent') };
    await seedFoundation(ctx);
    await seedCases(ctx);
  });
}, 180_000);
afterAll(async () => {
  await closeDatabase?.();
});

describe('demo cases', () => {
  test('given the demo part, then 312 Shashi cases (300 generated and the 12 stairwell structures of the joint meeting) of every category and channel over the last three months exist with unique references', async () => {
    const [row] = await db.query(`
      SELECT count(*)::int AS n, count(DISTINCT category)::int AS categories, count(DISTINCT channel)::int AS channels,
             count(DISTINCT reference)::int AS refs, bool_and(reference ~ '^SHASHI-\\d{4}-\\d{6}$') AS formatted,
             bool_and(reported_at > now() - interval '91 days') AS recent,
             bool_and(a.path LIKE (SELECT path FROM area WHERE id = $1) || '%') AS in_shashi
        FROM case_record c JOIN area a ON a.id = c.area_id`, [ids['area:shashi']]);
    expect(row).toEqual({ n: 312, categories: 7, channels: 9, refs: 312, formatted: true, recent: true, in_shashi: true });
  });

  test('given the demo part, then some cases are overdue (and escalated once), some supervised, some merged, and every status is present', async () => {
    const [row] = await db.query(`
      SELECT count(*) FILTER (WHERE status IN ('REPORTED','TRIAGED','ASSIGNED','IN_PROGRESS','REOPENED') AND due_at < now())::int AS overdue,
             count(*) FILTER (WHERE status IN ('REPORTED','TRIAGED','ASSIGNED','IN_PROGRESS','REOPENED') AND due_at < now() - interval '10 minutes' AND escalated_at IS NULL)::int AS unescalated,
             count(*) FILTER (WHERE supervising_organization_id IS NOT NULL)::int AS supervised,
             count(*) FILTER (WHERE merged_into_id IS NOT NULL)::int AS merged,
             count(DISTINCT status) FILTER (WHERE status <> 'REOPENED')::int AS statuses
        FROM case_record`);
    expect(row.overdue).toBeGreaterThan(5);
    expect(row.unescalated).toBe(0);
    // 選擇部分典型案件公開掛牌督辦: some typical cases, about one in ten.
    expect(row.supervised / 312).toBeGreaterThan(0.07);
    expect(row.supervised / 312).toBeLessThan(0.13);
    expect(row.merged).toBeGreaterThan(0);
    expect(row.statuses).toBe(6);
    const [{ escalations }] = await db.query(`SELECT count(*)::int AS escalations FROM case_event WHERE type = 'ESCALATED'`);
    const [{ escalated }] = await db.query(`SELECT count(*)::int AS escalated FROM case_record WHERE escalated_at IS NOT NULL`);
    expect(escalations).toBe(escalated);
  });

  test('given the demo part, then the illegal-construction ledger has phased plans with some progress', async () => {
    const [row] = await db.query(`
      SELECT count(DISTINCT l.case_id)::int AS ledger, count(p.id)::int AS phases, count(p.completed_on)::int AS completed
        FROM illegal_construction_ledger l LEFT JOIN disposal_plan_phase p ON p.case_id = l.case_id`);
    expect(row.ledger).toBeGreaterThan(10);
    // Each ledger entry carries the plan of its track: three phases for NEW and the demolition classes, two for RECTIFY and CONFISCATE.
    const [plans] = await db.query(`
      SELECT count(*) FILTER (WHERE n <> CASE WHEN coalesce(l.disposal_class, '') IN ('RECTIFY','CONFISCATE') THEN 2 ELSE 3 END)::int AS wrong
        FROM illegal_construction_ledger l JOIN LATERAL (SELECT count(*)::int AS n FROM disposal_plan_phase p WHERE p.case_id = l.case_id) x ON true`);
    expect(plans.wrong).toBe(0);
    expect(row.completed).toBeGreaterThan(0);
    expect(row.completed).toBeLessThan(row.phases);
  });

  test('given the demo part, then every NEW construction opens with a stop order and is due within 15 days of its ledger entry; historical ones have a class', async () => {
    const [row] = await db.query(`
      SELECT count(*) FILTER (WHERE l.classification = 'NEW')::int AS new,
             count(*) FILTER (WHERE l.classification = 'NEW' AND (first.kind <> 'STOP_ORDER' OR c.due_at > l.created_at + interval '16 days'))::int AS new_wrong,
             count(*) FILTER (WHERE l.classification = 'HISTORICAL' AND l.disposal_class IS NULL)::int AS historical_unclassified,
             count(*) FILTER (WHERE l.safety_hazard AND l.disposal_class IS NOT NULL AND l.disposal_class <> 'DEMOLISH_HAZARD')::int AS hazard_kept
        FROM illegal_construction_ledger l JOIN case_record c ON c.id = l.case_id
        JOIN LATERAL (SELECT kind FROM disposal_plan_phase p WHERE p.case_id = l.case_id ORDER BY ordinal LIMIT 1) first ON true`);
    expect(row.new).toBeGreaterThan(3);
    expect(row).toMatchObject({ new_wrong: 0, historical_unclassified: 0, hazard_kept: 0 });
  });

  test('given the demo part, then the 12 stairwell structures of the joint meeting are in the ledger, 9 of them in 洪家台', async () => {
    const [row] = await db.query(`
      SELECT count(*)::int AS n, count(*) FILTER (WHERE a.path LIKE (SELECT path FROM area WHERE name = '洪家台社區') || '%')::int AS hongjiatai
        FROM illegal_construction_ledger l JOIN case_record c ON c.id = l.case_id JOIN area a ON a.id = c.area_id
       WHERE l.structure_type LIKE '樓道違章搭建%'`);
    expect(row).toEqual({ n: 12, hongjiatai: 9 });
  });
});
