import { gql } from './support/graphql';
import { startHarness, stopHarness, type Harness } from './support/harness';
import { dayOffset } from './support/contracts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
}, 120_000);
afterAll(() => stopHarness(h));

const REPORT = `mutation ($input: CaseReportInput!) { caseReport(input: $input) { case { id dueAt } userErrors { field code } } }`;
const LEDGER = `mutation ($input: CaseLedgerSetInput!) {
  caseLedgerSet(input: $input) { case { id dueAt } userErrors { field code } }
}`;
const PLAN = `mutation ($input: CaseDisposalPlanSetInput!) { caseDisposalPlanSet(input: $input) { userErrors { field code } } }`;
const READ = `query ($id: ID!) { case(id: $id) { dueAt illegalConstruction { classification disposalClass disposalPlan { nodes { ordinal kind title dueOn } } } } }`;

async function construction(): Promise<{ id: string; dueAt: string }> {
  const res = await gql(
    h.server.httpUrl,
    REPORT,
    { input: { areaId: h.world.gid.area('gridA'), category: 'ILLEGAL_CONSTRUCTION', channel: 'DRONE', title: '樓頂違建', description: '無人機發現樓頂新搭建彩鋼房。' } },
    h.world.tokens.policeLiaison,
  );
  expect(res.body.data.caseReport.userErrors).toEqual([]);
  return res.body.data.caseReport.case;
}

const ledgerInput = (caseId: string, extra: Record<string, unknown>) => ({ caseId, structureType: '樓頂彩鋼房', floorAreaM2: 40, discoveredBy: '無人機巡查', foundHow: 'DRONE', safetyHazard: false, ...extra });
/** The last instant of a China Standard Time day. */
const endOf = (date: string) => new Date(`${date}T23:59:59.999+08:00`).toISOString();

describe('illegal construction: NEW is stopped at once, HISTORICAL follows its class', () => {
  test('given a NEW construction, when it enters the ledger, then its plan opens with a stop order due tomorrow and the case is due within 15 days', async () => {
    const c = await construction();
    // The default deadline of illegal construction is 30 days or more.
    expect(Date.parse(c.dueAt) - Date.now()).toBeGreaterThan(20 * 86_400_000);
    const set = await gql(h.server.httpUrl, LEDGER, { input: ledgerInput(c.id, { classification: 'NEW' }) }, h.world.tokens.policeLiaison);
    expect(set.body.data.caseLedgerSet.userErrors).toEqual([]);
    const read = await gql(h.server.httpUrl, READ, { id: c.id }, h.world.tokens.policeLiaison);
    const record = read.body.data.case;
    expect(record.dueAt).toBe(endOf(dayOffset(15)));
    expect(record.illegalConstruction.disposalClass).toBeNull();
    expect(record.illegalConstruction.disposalPlan.nodes.map((p: any) => [p.ordinal, p.kind, p.dueOn])).toEqual([
      [1, 'STOP_ORDER', dayOffset(1)],
      [2, 'SELF_DEMOLITION', dayOffset(7)],
      [3, 'FORCED_REMOVAL', dayOffset(15)],
    ]);

    // A hand-made plan keeps the stop order first, due within a day, until one is done.
    const codes = async (phases: unknown[]) => (await gql(h.server.httpUrl, PLAN, { input: { caseId: c.id, phases } }, h.world.tokens.policeLiaison)).body.data.caseDisposalPlanSet.userErrors;
    expect(await codes([{ title: '限期拆除', dueOn: dayOffset(30), kind: 'DEMOLITION_NOTICE' }])).toEqual([{ field: ['input', 'phases', '0', 'kind'], code: 'INVALID' }]);
    expect(await codes([{ title: '停工', dueOn: dayOffset(5), kind: 'STOP_ORDER' }])).toEqual([{ field: ['input', 'phases', '0', 'dueOn'], code: 'OUT_OF_RANGE' }]);
    expect(await codes([{ title: '停工', dueOn: dayOffset(0), kind: 'STOP_ORDER' }, { title: '拆除', dueOn: dayOffset(10), kind: 'FORCED_REMOVAL' }])).toEqual([]);
  });

  test('given a HISTORICAL construction, then it needs a disposal class, a hazard is demolished, and a class brings its own plan and deadline', async () => {
    const c = await construction();
    const codes = async (extra: Record<string, unknown>) => (await gql(h.server.httpUrl, LEDGER, { input: ledgerInput(c.id, extra) }, h.world.tokens.policeLiaison)).body.data.caseLedgerSet.userErrors;
    expect(await codes({ classification: 'HISTORICAL' })).toEqual([{ field: ['input', 'disposalClass'], code: 'REQUIRED' }]);
    expect(await codes({ classification: 'HISTORICAL', disposalClass: 'RECTIFY', safetyHazard: true })).toEqual([{ field: ['input', 'disposalClass'], code: 'INVALID' }]);
    expect(await codes({ classification: 'NEW', disposalClass: 'RECTIFY' })).toEqual([{ field: ['input', 'disposalClass'], code: 'INVALID' }]);
    expect(await codes({ classification: 'HISTORICAL', disposalClass: 'RECTIFY' })).toEqual([]);
    const read = await gql(h.server.httpUrl, READ, { id: c.id }, h.world.tokens.policeLiaison);
    expect(read.body.data.case.illegalConstruction).toMatchObject({ classification: 'HISTORICAL', disposalClass: 'RECTIFY' });
    expect(read.body.data.case.illegalConstruction.disposalPlan.nodes.map((p: any) => [p.kind, p.dueOn])).toEqual([
      ['RECTIFICATION', dayOffset(60)],
      ['OTHER', dayOffset(90)],
    ]);
    expect(read.body.data.case.dueAt).toBe(endOf(dayOffset(90)));
  });
});
