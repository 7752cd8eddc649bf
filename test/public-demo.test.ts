import { loadDemoData } from '../src/demo';
import { createLogger } from '../src/shared/logger';
import { toGlobalId } from '../src/shared/relay/global-id';
import { gql } from './support/graphql';
import { startHarness, stopHarness, type Harness } from './support/harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  await loadDemoData(h.server.services.db, createLogger('silent'));
}, 180_000);
afterAll(() => stopHarness(h));

const BOARD = `query ($areaId: ID!) {
  publicBoard(areaId: $areaId) {
    area { name }
    supervisedCases { reference category status areaName summary supervisorName dueAt overdue progress { at step } publishedAt }
    upcomingActivities { topic form laws legalDay organizerName areaName venue startsAt endsAt audienceGroups summary }
    fundStatements { fundName organizationName currency periodStart periodEnd openingBalanceMinor contributionsMinor payoutsMinor closingBalanceMinor lines { kind category amountMinor entryCount } publishedAt }
    contractResults { title clientNames providerNames status startsOn endsOn summary met results { metric month target achieved met } }
  }
}`;

describe('the public board on the demo data', () => {
  test('given the demo, when someone signed out asks for 沙市區, then it sees the published supervised cases, statements, upcoming activities and the contract, and no person\'s name, phone or id anywhere', async () => {
    const db = h.server.services.db;
    const [shashi] = await db.query(`SELECT id FROM area WHERE name = '沙市區' AND code = '421002'`);
    const response = await gql(h.server.httpUrl, BOARD, { areaId: toGlobalId('Area', shashi.id) });
    expect(response.body.errors).toBeUndefined();
    const board = response.body.data.publicBoard;

    const published: { reference: string }[] = await db.query(
      `SELECT c.reference FROM publication p JOIN case_record c ON c.id = p.record_id WHERE p.record_type = 'CASE' AND p.withdrawn_at IS NULL ORDER BY c.reference`,
    );
    expect(published.length).toBeGreaterThanOrEqual(3);
    expect(board.supervisedCases.map((c: { reference: string }) => c.reference).sort()).toEqual(published.map((p) => p.reference));
    const upcoming: { topic: string }[] = await db.query(
      `SELECT l.topic FROM publication p JOIN legal_education_activity l ON l.id = p.record_id WHERE p.withdrawn_at IS NULL AND l.status = 'PLANNED' AND l.ends_at >= now() ORDER BY l.starts_at, l.id`,
    );
    expect(board.upcomingActivities.map((a: { topic: string }) => a.topic)).toEqual(upcoming.map((u) => u.topic));
    expect(board.contractResults.map((c: { clientNames: string[] }) => c.clientNames)).toEqual([['三板橋社區居委會']]);
    const statements: { n: number }[] = await db.query(
      `SELECT count(*)::int AS n FROM fund_statement s JOIN security_fund f ON f.id = s.fund_id JOIN organization o ON o.id = f.organization_id JOIN area a ON a.id = o.home_area_id WHERE a.path LIKE (SELECT path FROM area WHERE id = $1) || '%'`,
      [shashi.id],
    );
    expect(board.fundStatements).toHaveLength(statements[0].n);

    // No person: every user's name, e-mail and id, every reporter's contact, duty lawyers, roster names and phones.
    const people: { v: string }[] = await db.query(
      `SELECT display_name AS v FROM app_user UNION SELECT email FROM app_user UNION SELECT id::text FROM app_user
       UNION SELECT reporter_contact FROM case_record WHERE reporter_contact IS NOT NULL
       UNION SELECT lawyer_name FROM legal_service_duty UNION SELECT lawyer_phone FROM legal_service_duty WHERE lawyer_phone IS NOT NULL
       UNION SELECT name FROM roster_entry WHERE length(name) >= 3 UNION SELECT phone FROM roster_entry WHERE phone IS NOT NULL`,
    );
    const text = JSON.stringify(response.body);
    const leaked = people.map((p) => p.v).filter((v) => v.length >= 2 && text.includes(v));
    expect(people.length).toBeGreaterThan(100);
    expect(leaked).toEqual([]);
    expect(board.contractResults[0].results.length).toBeGreaterThan(0);
  });
});
