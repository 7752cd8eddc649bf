import type { DataSource } from 'typeorm';
import { openTestDataSource } from './support/server';
import { createLogger } from '../src/shared/logger';
import { seedFoundation } from '../src/demo/demo.foundation';
import { seedCases } from '../src/demo/demo.cases';
import { seedEducation } from '../src/demo/demo.education';
import { seedPatrols } from '../src/demo/demo.patrols';
import { seedBulletins } from '../src/demo/demo.bulletins';
import { seedContracts } from '../src/demo/demo.contracts';
import { seedPublic } from '../src/demo/demo.public';

let db: DataSource;
let closeDatabase: (() => Promise<void>) | undefined;
const ids: Record<string, string> = {};

beforeAll(async () => {
  ({ db, close: closeDatabase } = await openTestDataSource(2));
  await db.transaction(async (em) => {
    const ctx = { em, ids, log: createLogger('silent') };
    await seedFoundation(ctx);
    await seedContracts(ctx);
    await seedPatrols(ctx);
    await seedCases(ctx);
    await seedEducation(ctx);
    await seedBulletins(ctx);
    await seedPublic(ctx);
  });
}, 120_000);
afterAll(async () => {
  await closeDatabase?.();
});

describe('demo legal education (普法)', () => {
  test('given the demo part, then Shashi holds activities on the legal days 3.15, 6.25, 7.1 and 12.4, and the coming 12.4\'s activities are still planned while the last one was held', async () => {
    const rows: { legal_day: string; status: string; ahead: boolean }[] = await db.query(
      `SELECT legal_day, status, starts_at > now() AS ahead FROM legal_education_activity WHERE legal_day IS NOT NULL ORDER BY starts_at`,
    );
    expect(new Set(rows.map((r) => r.legal_day))).toEqual(new Set(['CONSUMER_RIGHTS_DAY', 'LAND_DAY', 'PARTY_FOUNDING_DAY', 'CONSTITUTION_DAY']));
    const constitutionDays = rows.filter((r) => r.legal_day === 'CONSTITUTION_DAY');
    expect(constitutionDays.map((r) => [r.ahead, r.status])).toEqual([[false, 'HELD'], [true, 'PLANNED'], [true, 'PLANNED']]);
  });

  test('given the demo part, then the police station\'s burglary lecture explains three real burglary cases of its jurisdiction (以案釋法)', async () => {
    const [row] = await db.query(
      `SELECT count(*)::int AS n, bool_and(c.category = 'PUBLIC_SECURITY') AS all_security FROM legal_education_case l JOIN case_record c ON c.id = l.case_id WHERE l.activity_id = $1`,
      [ids['activity:burglary']],
    );
    expect(row).toEqual({ n: 3, all_security: true });
  });

  test('given the demo part, then 三板橋\'s legal-service room has lawyers on duty twice a week and consultations logged within their duties', async () => {
    const [row] = await db.query(
      `SELECT (SELECT count(*)::int FROM legal_service_duty WHERE room_id = $1) AS duties,
              (SELECT count(*)::int FROM legal_consultation lc JOIN legal_service_duty d ON d.id = lc.duty_id WHERE lc.room_id = $1 AND lc.occurred_at >= d.starts_at AND lc.occurred_at < d.ends_at) AS within,
              (SELECT count(*)::int FROM legal_consultation WHERE room_id = $1) AS consultations`,
      [ids['legalServiceRoom:sanbanqiao']],
    );
    expect(row.duties).toBeGreaterThanOrEqual(11);
    expect(row.consultations).toBeGreaterThan(10);
    expect(row.within).toBe(row.consultations);
  });
});

describe('demo bulletins (信息共享)', () => {
  test('given the demo part, then 中山路派出所 has warned the committees, patrols and security companies of its street of a burglary pattern, with the doors and the alley to watch; 三板橋 acknowledged, 洪家台 not yet', async () => {
    const recipients: { name: string; acknowledged: boolean }[] = await db.query(
      `SELECT o.name, r.acknowledged_at IS NOT NULL AS acknowledged FROM bulletin_recipient r JOIN organization o ON o.id = r.organization_id WHERE r.bulletin_id = $1 ORDER BY o.name`,
      [ids['bulletin:burglary']],
    );
    const byName = Object.fromEntries(recipients.map((r) => [r.name, r.acknowledged]));
    expect(byName).toMatchObject({ 三板橋社區居委會: true, 洪家台社區居委會: false, 沙市區義務巡防總隊: true });
    expect(Object.keys(byName)).not.toContain('便河社區居委會');
    const [watch] = await db.query(`SELECT count(*)::int AS n FROM bulletin_watch WHERE bulletin_id = $1`, [ids['bulletin:burglary']]);
    expect(watch.n).toBe(4);
  });
});

describe('demo public face', () => {
  test('given the demo part, then a few typical supervised cases, the upcoming 12.4 activities and 三板橋\'s security contract are published, each by the organisation responsible', async () => {
    const rows: { record_type: string; supervised: boolean | null; by_supervisor: boolean | null }[] = await db.query(
      `SELECT p.record_type, c.supervised_at IS NOT NULL AS supervised, c.supervising_organization_id = p.published_by_organization_id AS by_supervisor
         FROM publication p LEFT JOIN case_record c ON c.id = p.record_id WHERE p.withdrawn_at IS NULL`,
    );
    const cases = rows.filter((r) => r.record_type === 'CASE');
    expect(cases.length).toBeGreaterThanOrEqual(3);
    expect(cases.every((r) => r.supervised && r.by_supervisor)).toBe(true);
    expect(rows.filter((r) => r.record_type === 'LEGAL_EDUCATION_ACTIVITY')).toHaveLength(2);
    expect(rows.filter((r) => r.record_type === 'CONTRACT')).toHaveLength(1);
  });

  test('given the demo part, then the night-patrol consultation is open to 三板橋\'s residents', async () => {
    const [row] = await db.query(`SELECT resident_area_id FROM consultation WHERE id = $1`, [ids['consultation:night-patrols']]);
    expect(row.resident_area_id).toBe(ids['area:c-sanbanqiao']);
  });
});
