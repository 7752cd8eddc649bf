import { gql, okPayload } from './support/graphql';
import { startHarness, stopHarness, type Harness } from './support/harness';
import { activeContract, dayOffset, draftContract } from './support/contracts';
import { clock } from '../src/shared/clock';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => stopHarness(h));
afterEach(() => clock.reset());

const ok = (query: string, variables: Record<string, unknown>, token: string, field: string) => okPayload(h.server.httpUrl, query, variables, token, field);

/** 09:00 China Standard Time on a calendar date, plus `minutes`. */
const at = (date: string, minutes = 0) => new Date(new Date(`${date}T01:00:00Z`).getTime() + minutes * 60_000);

const COMPLIANCE = `query ($id: ID!, $from: LocalDate!, $to: LocalDate!) {
  contract(id: $id) {
    compliance(from: $from, to: $to) {
      from to
      serviceLevels { metric period target periodsMet periodsAssessed periods { startsOn endsOn target achieved met complete count outOf } }
    }
  }
}`;

describe('contract.compliance', () => {
  test("given two days of the provider's recorded patrols, then each day's target and achievement match the hand count", async () => {
    const dayX = dayOffset(-3);
    const dayY = dayOffset(-2);
    // Signed by every party: only a contract the provider signed computes compliance from its patrols.
    const contract = await activeContract(h, {
      serviceLevels: [
        { metric: 'PATROLS_PER_DAY', target: 2, period: 'DAY' },
        { metric: 'CHECKPOINT_COVERAGE', target: 50, period: 'DAY' },
        { metric: 'RESPONSE_MINUTES', target: 15, period: 'DAY' },
      ],
    });
    const contractId = contract.id;
    const token = h.world.tokens.securityAdmin;
    const security = h.world.gid.org('security');
    const team = await ok(
      `mutation ($input: PatrolTeamCreateInput!) { patrolTeamCreate(input: $input) { patrolTeam { id contractId } userErrors { code } } }`,
      { input: { organizationId: security, name: '三板橋保安巡邏隊', kind: 'CONTRACTED', areaId: h.world.gid.area('communityA'), contractId } },
      token,
      'patrolTeamCreate',
    );
    expect(team.patrolTeam.contractId).toBe(contractId);
    const cps: string[] = [];
    const where = new Map<string, { latitude: number; longitude: number }>();
    for (const [i, name] of ['東門', '西門'].entries()) {
      const created = await ok(
        `mutation ($input: CheckpointCreateInput!) { checkpointCreate(input: $input) { checkpoint { id } userErrors { code } } }`,
        { input: { organizationId: security, name, kind: 'GATE', latitude: 30.31 + i * 0.001, longitude: 112.25, areaId: h.world.gid.area('gridA') } },
        token,
        'checkpointCreate',
      );
      cps.push(created.checkpoint.id);
      where.set(created.checkpoint.id, { latitude: 30.31 + i * 0.001, longitude: 112.25 });
    }
    const route = await ok(
      `mutation ($input: RouteCreateInput!) { routeCreate(input: $input) { route { id } userErrors { code } } }`,
      { input: { organizationId: security, name: '大門巡查線', areaId: h.world.gid.area('communityA'), checkpointIds: cps } },
      token,
      'routeCreate',
    );

    const walk = async (date: string, startMinute: number, visit: string[], device: string) => {
      clock.freeze(at(date, startMinute - 30));
      const plan = await ok(
        `mutation ($input: PatrolPlanInput!) { patrolPlan(input: $input) { patrols { id } userErrors { code } } }`,
        { input: { teamId: team.patrolTeam.id, routeId: route.route.id, plannedStart: at(date, startMinute).toISOString(), plannedEnd: at(date, startMinute + 60).toISOString() } },
        token,
        'patrolPlan',
      );
      const events = [
        { clientEventId: `${device}-s`, kind: 'STARTED', deviceTime: at(date, startMinute).toISOString() },
        ...visit.map((checkpointId, i) => ({ clientEventId: `${device}-c${i}`, kind: 'CHECKPOINT', checkpointId, ...where.get(checkpointId), deviceTime: at(date, startMinute + 10 + i).toISOString() })),
        { clientEventId: `${device}-e`, kind: 'ENDED', deviceTime: at(date, startMinute + 50).toISOString() },
      ];
      clock.freeze(at(date, startMinute + 55));
      const recorded = await ok(
        `mutation ($input: PatrolEventsRecordInput!) { patrolEventsRecord(input: $input) { acceptedCount userErrors { code } } }`,
        { input: { deviceId: device, patrolId: plan.patrols[0].id, events } },
        token,
        'patrolEventsRecord',
      );
      expect(recorded.acceptedCount).toBe(events.length);
    };
    // Day X: two patrols, both gates visited (2 patrols, 2/2 = 100 %). Day Y: one patrol started and ended but no gate
    // checked in: nothing proves it happened, so 0 patrols, 0/2 = 0 %.
    await walk(dayX, 0, [cps[0], cps[1]], 'x1');
    await walk(dayX, 120, [cps[0]], 'x2');
    await walk(dayY, 0, [], 'y1');
    clock.reset();

    const { body } = await gql(h.server.httpUrl, COMPLIANCE, { id: contractId, from: dayX, to: dayY }, h.world.tokens.communityAdmin);
    expect(body.errors).toBeUndefined();
    const report = body.data.contract.compliance;
    expect(report).toMatchObject({ from: dayX, to: dayY });
    expect(report.serviceLevels.map((l: any) => l.metric)).toEqual(['PATROLS_PER_DAY', 'CHECKPOINT_COVERAGE', 'RESPONSE_MINUTES']);
    const [perDay, coverage] = report.serviceLevels;
    expect(perDay.periods).toEqual([
      { startsOn: dayX, endsOn: dayX, target: 2, achieved: 2, met: true, complete: true, count: 2, outOf: null },
      { startsOn: dayY, endsOn: dayY, target: 2, achieved: 0, met: false, complete: true, count: 0, outOf: null },
    ]);
    expect(coverage.periods).toEqual([
      { startsOn: dayX, endsOn: dayX, target: 50, achieved: 100, met: true, complete: true, count: 2, outOf: 2 },
      { startsOn: dayY, endsOn: dayY, target: 50, achieved: 0, met: false, complete: true, count: 0, outOf: 2 },
    ]);
    expect(perDay).toMatchObject({ periodsMet: 1, periodsAssessed: 2 });
  });

  test('given a signed-out viewer or an outsider, then UNAUTHENTICATED and null', async () => {
    const contract = await draftContract(h);
    const { id } = contract;
    const vars = { id, from: dayOffset(-1), to: dayOffset(0) };
    const signedOut = await gql(h.server.httpUrl, COMPLIANCE, vars);
    const outsider = await gql(h.server.httpUrl, COMPLIANCE, vars, h.world.tokens.outsider);
    expect(signedOut.body.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    expect(outsider.body.data.contract).toBeNull();
  });
});
