import { loadDemoData } from '../src/demo';
import { toGlobalId } from '../src/shared/relay/global-id';
import { gql } from './support/graphql';
import { startHarness, stopHarness, tokenForEmail, type Harness } from './support/harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  await loadDemoData(h.server.services.db, h.server.services.log);
}, 180_000);
afterAll(() => stopHarness(h));

const tokenFor = (email: string) => tokenForEmail(h, email);

describe('contracts demo data', () => {
  test('given the demo data, when the Zhongshan Road station admin signs in, then the Sanbanqiao security contract is ACTIVE with its service levels and the night-patrol consultation is open', async () => {
    const token = await tokenFor('station.admin@gongzhi.demo');
    const response = await gql(
      h.server.httpUrl,
      `{ contracts(statuses: [ACTIVE]) { nodes { title status fee { amountMinor currency } serviceLevels { metric target } } }
         consultations { nodes { question status positionSummary { support amend notAnswered { name } } } } }`,
      {},
      token,
    );
    expect(response.body.data.contracts.nodes).toEqual([
      expect.objectContaining({ status: 'ACTIVE', fee: { amountMinor: 1_200_000, currency: 'CNY' }, serviceLevels: expect.arrayContaining([{ metric: 'PATROLS_PER_DAY', target: 4 }, { metric: 'CHECKPOINT_COVERAGE', target: 90 }]) }),
    ]);
    expect(response.body.data.consultations.nodes).toEqual([expect.objectContaining({ status: 'OPEN', positionSummary: expect.objectContaining({ support: 1, amend: 1 }) })]);
  });

  test('given the demo data, when an unrelated resident reads the Minyi contract, then it is null while the Minyi community admin sees it', async () => {
    const [row] = await h.server.services.db.query(`SELECT id FROM contract WHERE title LIKE '民意街%'`);
    const id = toGlobalId('Contract', row.id);
    const resident = await gql(h.server.httpUrl, `query ($id: ID!) { contract(id: $id) { id } }`, { id }, await tokenFor('resident@gongzhi.demo'));
    const minyi = await gql(h.server.httpUrl, `query ($id: ID!) { contract(id: $id) { id } }`, { id }, await tokenFor('minyi.admin@gongzhi.demo'));
    expect(resident.body.data.contract).toBeNull();
    expect(minyi.body.data.contract).toEqual({ id });
  });

  test("given the demo data, when Minyi Street's admin reads last month's compliance, then its self-run team met 3 patrols a day and the quarterly disclosure is manually assessed", async () => {
    const token = await tokenFor('minyi.admin@gongzhi.demo');
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date());
    const d = new Date(`${today}T00:00:00Z`);
    const from = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - 1, 1)).toISOString().slice(0, 10);
    const to = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 0)).toISOString().slice(0, 10);
    const response = await gql(
      h.server.httpUrl,
      `query ($from: LocalDate!, $to: LocalDate!) { contracts(statuses: [ACTIVE]) { nodes { title compliance(from: $from, to: $to) { serviceLevels { metric measurement periods { startsOn achieved met count } } } } } }`,
      { from, to },
      token,
    );
    expect(response.body.errors).toBeUndefined();
    const minyi = response.body.data.contracts.nodes.find((c: any) => c.title.includes('民意街'));
    const [patrols, custom] = minyi.compliance.serviceLevels;
    const days = Number(to.slice(8, 10));
    // 3 proven patrols a day, every day of last month (the term began on 1 January of last month's year, so last month lies in it, January too).
    expect(patrols).toMatchObject({ metric: 'PATROLS_PER_DAY', measurement: 'COMPUTED', periods: [{ startsOn: from, achieved: 3, met: true, count: 3 * days }] });
    expect(custom).toMatchObject({ metric: 'CUSTOM', measurement: 'MANUALLY_ASSESSED' });
  });
});

