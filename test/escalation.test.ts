import { randomUUID } from 'node:crypto';
import { loadDemoData } from '../src/demo';
import { toGlobalId } from '../src/shared/relay/global-id';
import { dayOffset } from './support/contracts';
import { errorCodes, gql } from './support/graphql';
import { startHarness, stopHarness, tokenForEmail, type Harness } from './support/harness';
import { failIfMutantKilled, test } from './support/mutation-run';

/**
 * The escalation routes of issue 9, on the demo data: an ADMIN of an
 * organisation unrelated to Shashi's records tries to hand itself reach, and
 * afterwards every list and single query that depends on reach answers
 * exactly as before.
 */
let h: Harness;
let ids: Record<string, string>;
const tokens: Record<string, string> = {};
const gid = (type: string, key: string) => toGlobalId(type, ids[key]);

beforeAll(async () => {
  // Under a mutant that an earlier file already killed, skip the server's start.
  failIfMutantKilled();
  h = await startHarness();
  await loadDemoData(h.server.services.db, h.server.services.log);
  const db = h.server.services.db;
  ids = {};
  for (const row of await db.query(`SELECT id, name FROM organization`)) ids[`org:${row.name}`] = row.id;
  for (const row of await db.query(`SELECT id, name FROM area`)) ids[`area:${row.name}`] = row.id;
  const [contract] = await db.query(`SELECT c.id FROM contract c WHERE c.status = 'ACTIVE' AND c.title LIKE '%三板橋%' ORDER BY c.created_at LIMIT 1`);
  ids.sanbanqiaoContract = contract.id;
  for (const [key, email] of Object.entries({
    security: 'security.admin@gongzhi.demo',
    minyi: 'minyi.admin@gongzhi.demo',
    platform: 'admin@gongzhi.demo',
  })) {
    tokens[key] = await tokenForEmail(h, email);
  }
}, 180_000);
afterAll(() => stopHarness(h));

/** Everything that depends on reach, in one document: lists, dashboards and single records. */
const REACH = `query ($shashi: ID!, $contract: ID!, $week: LocalDate!) {
  cases(first: 100) { totalCount nodes { id reporterContact } }
  patrols(first: 1) { totalCount }
  patrolTeams(first: 1) { totalCount }
  checkpoints(first: 1) { totalCount }
  routes(first: 1) { totalCount }
  contracts(first: 100) { totalCount }
  patrolsOnDuty(areaId: $shashi, first: 1) { totalCount }
  illegalConstructionLedger(areaId: $shashi, first: 1) { totalCount }
  disputeScreening(areaId: $shashi, weekOf: $week, first: 1) { totalCount }
  jurisdictionDashboard(areaId: $shashi) { __typename }
  contract(id: $contract) { id fee { amountMinor } }
  node(id: $contract) { id }
}`;

async function reach(token: string) {
  const response = await gql(h.server.httpUrl, REACH, { shashi: gid('Area', 'area:沙市區'), contract: toGlobalId('Contract', ids.sanbanqiaoContract), week: dayOffset(0) }, token);
  expect(response.body.errors).toBeUndefined();
  return response.body.data;
}

const ORG_UPDATE = `mutation ($input: OrganizationUpdateInput!) { organizationUpdate(input: $input) { organization { id } userErrors { code } } }`;
const ORG_CREATE = `mutation ($input: OrganizationCreateInput!) { organizationCreate(input: $input) { organization { id } userErrors { code } } }`;
const GRANT = `mutation ($input: JurisdictionGrantInput!) { jurisdictionGrant(input: $input) { organization { id jurisdiction { name } jurisdictionGrants { area { name } grantedAt grantedBy { name } } } userErrors { field code } } }`;
const REVOKE = `mutation ($input: JurisdictionRevokeInput!) { jurisdictionRevoke(input: $input) { organization { id jurisdiction { name } } userErrors { field code } } }`;
const REL_CREATE = `mutation ($input: RelationshipCreateInput!) { relationshipCreate(input: $input) { relationship { id status active proposedBy { name } } userErrors { code } } }`;
const REL_ACCEPT = `mutation ($input: RelationshipAnswerInput!) { relationshipAccept(input: $input) { relationship { id status active } userErrors { code } } }`;
const REL_DECLINE = `mutation ($input: RelationshipAnswerInput!) { relationshipDecline(input: $input) { relationship { id status active } userErrors { code } } }`;

describe('route 1: self-granted jurisdiction', () => {
  test("given the security company's ADMIN, when it sets its own jurisdiction to 沙市區 or grants it to itself, then both are refused and its reach is unchanged", async () => {
    const before = await reach(tokens.security);
    const update = await gql(h.server.httpUrl, ORG_UPDATE, { input: { id: gid('Organization', 'org:荊州市沙市保安服務公司'), jurisdictionAreaIds: [gid('Area', 'area:沙市區')] } }, tokens.security);
    expect(errorCodes(update)).toEqual(['FORBIDDEN']);
    const grant = await gql(h.server.httpUrl, GRANT, { input: { organizationId: gid('Organization', 'org:荊州市沙市保安服務公司'), areaId: gid('Area', 'area:沙市區') } }, tokens.security);
    expect(errorCodes(grant)).toEqual(['FORBIDDEN']);
    expect(await reach(tokens.security)).toEqual(before);
    expect(before.jurisdictionDashboard).toBeNull();
    const [{ n }] = await h.server.services.db.query(`SELECT count(*)::int AS n FROM organization_jurisdiction WHERE organization_id = $1`, [ids['org:荊州市沙市保安服務公司']]);
    expect(n).toBe(0);
  });

  test('given a platform admin, when it sets the jurisdiction, then it holds, and taking it back again restores the old reach', async () => {
    const before = await reach(tokens.security);
    const security = gid('Organization', 'org:荊州市沙市保安服務公司');
    const [area] = await h.server.services.db.query(`SELECT a.id, a.name FROM case_record c JOIN area a ON a.id = c.area_id WHERE a.name LIKE '%社區%' GROUP BY a.id, a.name ORDER BY count(*) DESC LIMIT 1`);
    const granted = await gql(h.server.httpUrl, GRANT, { input: { organizationId: security, areaId: toGlobalId('Area', area.id) } }, tokens.platform);
    expect(granted.body.data.jurisdictionGrant.organization.jurisdictionGrants).toEqual([{ area: { name: area.name }, grantedAt: expect.any(String), grantedBy: null }]);
    expect((await reach(tokens.security)).cases.totalCount).toBeGreaterThan(before.cases.totalCount);
    const revoked = await gql(h.server.httpUrl, REVOKE, { input: { organizationId: security, areaId: toGlobalId('Area', area.id) } }, tokens.platform);
    expect(revoked.body.data.jurisdictionRevoke).toEqual({ organization: { id: security, jurisdiction: [] }, userErrors: [] });
    expect(await reach(tokens.security)).toEqual(before);
    const events = await h.server.services.db.query(`SELECT type FROM event WHERE topic = 'network' AND subject_id = $1 ORDER BY id`, [ids['org:荊州市沙市保安服務公司']]);
    expect(events.map((e: { type: string }) => e.type)).toEqual(['jurisdiction.granted', 'jurisdiction.revoked']);
  });
});

describe('route 2: a sub-unit with any jurisdiction', () => {
  test("given 民意街居委會's ADMIN, when it creates a sub-unit with 荊州市 as jurisdiction, then it is refused; a plain sub-unit is created but can receive only part of the parent's own jurisdiction, and Shashi stays out of reach", async () => {
    const before = await reach(tokens.minyi);
    const parent = gid('Organization', 'org:民意街社區居委會');
    const claimed = await gql(
      h.server.httpUrl,
      ORG_CREATE,
      { input: { name: '民意街第二安保隊', kind: 'VOLUNTEER_PATROL', homeAreaId: gid('Area', 'area:民意街社區'), parentId: parent, jurisdictionAreaIds: [gid('Area', 'area:荊州市')] } },
      tokens.minyi,
    );
    expect(errorCodes(claimed)).toEqual(['FORBIDDEN']);
    const created = await gql(h.server.httpUrl, ORG_CREATE, { input: { name: '民意街第二安保隊', kind: 'VOLUNTEER_PATROL', homeAreaId: gid('Area', 'area:民意街社區'), parentId: parent } }, tokens.minyi);
    const unit = created.body.data.organizationCreate.organization.id;
    const shashi = await gql(h.server.httpUrl, GRANT, { input: { organizationId: unit, areaId: gid('Area', 'area:荊州市') } }, tokens.minyi);
    expect(shashi.body.data.jurisdictionGrant.userErrors).toEqual([{ field: ['input', 'areaId'], code: 'NOT_PERMITTED_HERE' }]);
    const upward = await gql(h.server.httpUrl, ORG_UPDATE, { input: { id: unit, jurisdictionAreaIds: [gid('Area', 'area:荊州市')] } }, tokens.minyi);
    expect(errorCodes(upward)).toEqual(['FORBIDDEN']);
    const own = await gql(h.server.httpUrl, GRANT, { input: { organizationId: unit, areaId: gid('Area', 'area:民意街社區') } }, tokens.minyi);
    expect(own.body.data.jurisdictionGrant.organization.jurisdictionGrants).toEqual([{ area: { name: '民意街社區' }, grantedAt: expect.any(String), grantedBy: { name: '民意街社區居委會' } }]);
    expect(await reach(tokens.minyi)).toEqual(before);
    // The unit may not pass on more than it holds, nor to an organisation that is not its child.
    const sideways = await gql(h.server.httpUrl, GRANT, { input: { organizationId: gid('Organization', 'org:荊州市沙市保安服務公司'), areaId: gid('Area', 'area:民意街社區') } }, tokens.minyi);
    expect(errorCodes(sideways)).toEqual(['FORBIDDEN']);
  });

  test('given a delegated area, when the parent loses the area it was delegated from, then the delegation goes with it', async () => {
    const db = h.server.services.db;
    const [unit] = await db.query(`SELECT id FROM organization WHERE name = '民意街第二安保隊'`);
    const revoked = await gql(h.server.httpUrl, REVOKE, { input: { organizationId: gid('Organization', 'org:民意街社區居委會'), areaId: gid('Area', 'area:民意街社區') } }, tokens.platform);
    expect(revoked.body.data.jurisdictionRevoke.userErrors).toEqual([]);
    const [{ n }] = await db.query(`SELECT count(*)::int AS n FROM organization_jurisdiction WHERE organization_id = $1`, [unit.id]);
    expect(n).toBe(0);
    const audit = await db.query(`SELECT action FROM audit_entry WHERE record_id = $1 ORDER BY id`, [unit.id]);
    expect(audit.map((a: { action: string }) => a.action)).toEqual(['organizationCreate', 'jurisdictionGrant', 'jurisdictionRevoke']);
    await gql(h.server.httpUrl, GRANT, { input: { organizationId: gid('Organization', 'org:民意街社區居委會'), areaId: gid('Area', 'area:民意街社區') } }, tokens.platform);
  });
});

describe('route 3: self-declared supervision', () => {
  test("given 民意街居委會's ADMIN, when it records SUPERVISES towards the security company, then the relation is only PROPOSED, the 三板橋 contract stays hidden, it cannot accept its own proposal, and the company declines", async () => {
    const before = await reach(tokens.minyi);
    expect(before.contract).toBeNull();
    const created = await gql(
      h.server.httpUrl,
      REL_CREATE,
      { input: { fromOrganizationId: gid('Organization', 'org:民意街社區居委會'), toOrganizationId: gid('Organization', 'org:荊州市沙市保安服務公司'), type: 'SUPERVISES', startsOn: dayOffset(-30) } },
      tokens.minyi,
    );
    const relation = created.body.data.relationshipCreate.relationship;
    expect(relation).toMatchObject({ status: 'PROPOSED', active: false, proposedBy: { name: '民意街社區居委會' } });
    expect(await reach(tokens.minyi)).toEqual(before);
    const network = await gql(h.server.httpUrl, `query ($id: ID!) { network(organizationId: $id, depth: 1) { relationships { nodes { id } } } }`, { id: gid('Organization', 'org:民意街社區居委會') }, tokens.minyi);
    expect(network.body.data.network.relationships.nodes.map((r: { id: string }) => r.id)).not.toContain(relation.id);
    // A third party does not even learn of the proposal.
    const third = await gql(h.server.httpUrl, `query ($id: ID!) { node(id: $id) { id } }`, { id: relation.id }, await tokenForEmail(h, 'station.admin@gongzhi.demo'));
    expect(third.body.data.node).toBeNull();
    const selfAccept = await gql(h.server.httpUrl, REL_ACCEPT, { input: { id: relation.id } }, tokens.minyi);
    expect(errorCodes(selfAccept)).toEqual(['FORBIDDEN']);
    expect(await reach(tokens.minyi)).toEqual(before);
    const declined = await gql(h.server.httpUrl, REL_DECLINE, { input: { id: relation.id } }, tokens.security);
    expect(declined.body.data.relationshipDecline).toEqual({ relationship: { id: relation.id, status: 'DECLINED', active: false }, userErrors: [] });
    const late = await gql(h.server.httpUrl, REL_ACCEPT, { input: { id: relation.id } }, tokens.security);
    expect(late.body.data.relationshipAccept.userErrors).toEqual([{ code: 'INVALID_TRANSITION' }]);
    expect(await reach(tokens.minyi)).toEqual(before);
  });

  test('given a proposal the other end accepts, then it is in force and gives its reach; either end may end it', async () => {
    const created = await gql(
      h.server.httpUrl,
      REL_CREATE,
      { input: { fromOrganizationId: gid('Organization', 'org:民意街社區居委會'), toOrganizationId: gid('Organization', 'org:荊州市沙市保安服務公司'), type: 'GUIDES', startsOn: dayOffset(-30) } },
      tokens.minyi,
    );
    const id = created.body.data.relationshipCreate.relationship.id;
    const accepted = await gql(h.server.httpUrl, REL_ACCEPT, { input: { id } }, tokens.security);
    expect(accepted.body.data.relationshipAccept).toEqual({ relationship: { id, status: 'ACCEPTED', active: true }, userErrors: [] });
    expect((await reach(tokens.minyi)).contract).toEqual({ id: toGlobalId('Contract', ids.sanbanqiaoContract), fee: { amountMinor: expect.any(Number) } });
    const ended = await gql(h.server.httpUrl, `mutation ($input: RelationshipEndInput!) { relationshipEnd(input: $input) { relationship { active } userErrors { code } } }`, { input: { id, endsOn: dayOffset(-1) } }, tokens.security);
    expect(ended.body.data.relationshipEnd).toEqual({ relationship: { active: false }, userErrors: [] });
    expect((await reach(tokens.minyi)).contract).toBeNull();
    const events = await h.server.services.db.query(`SELECT type FROM event WHERE topic = 'network' AND subject_id = $1 ORDER BY id`, [Buffer.from(id, 'base64url').toString().split(':')[1]]);
    expect(events.map((e: { type: string }) => e.type)).toEqual(['relationship.proposed', 'relationship.accepted', 'relationship.ended']);
  });
});

describe('route 4: unilateral drafts', () => {
  const DRAFT = `mutation ($input: ContractDraftInput!) { contractDraft(input: $input) { contract { id version status compliance(from: "${dayOffset(-7)}", to: "${dayOffset(-1)}") { from } } userErrors { code } } }`;

  test("given 民意街居委會's ADMIN, when it drafts a contract naming the security company as PROVIDER over 沙市區, then the draft computes no compliance, makes no CONTRACTS_WITH, and stays invisible to the company until proposed; the company may decline it", async () => {
    const minyiBefore = await reach(tokens.minyi);
    const securityBefore = await reach(tokens.security);
    const NETWORK = `query ($id: ID!) { network(organizationId: $id, depth: 1, types: [CONTRACTS_WITH]) { relationships { nodes { from { name } to { name } } } } }`;
    const networkBefore = (await gql(h.server.httpUrl, NETWORK, { id: gid('Organization', 'org:民意街社區居委會') }, tokens.security)).body.data;
    const drafted = await gql(
      h.server.httpUrl,
      DRAFT,
      {
        input: {
          title: '民意街—沙市保安 (unilateral draft)',
          parties: [
            { organizationId: gid('Organization', 'org:民意街社區居委會'), role: 'CLIENT' },
            { organizationId: gid('Organization', 'org:荊州市沙市保安服務公司'), role: 'PROVIDER' },
          ],
          areaIds: [gid('Area', 'area:沙市區')],
          startsOn: dayOffset(-30),
          endsOn: dayOffset(300),
          feeMinor: 1,
          paymentSchedule: 'MONTHLY',
          serviceLevels: [{ metric: 'PATROLS_PER_DAY', target: 1, period: 'DAY' }],
        },
      },
      tokens.minyi,
    );
    const contract = drafted.body.data.contractDraft.contract;
    expect(contract).toMatchObject({ status: 'DRAFT', compliance: null });
    const network = await gql(h.server.httpUrl, NETWORK, { id: gid('Organization', 'org:民意街社區居委會') }, tokens.security);
    expect(network.body.data).toEqual(networkBefore);
    expect(JSON.stringify(networkBefore)).not.toContain('荊州市沙市保安服務公司');
    const hidden = await gql(h.server.httpUrl, `query ($id: ID!) { contract(id: $id) { id } node(id: $id) { id } }`, { id: contract.id }, tokens.security);
    const unknown = await gql(h.server.httpUrl, `query ($id: ID!) { contract(id: $id) { id } node(id: $id) { id } }`, { id: toGlobalId('Contract', randomUUID()) }, tokens.security);
    expect(hidden.body).toEqual(unknown.body);
    expect(await reach(tokens.security)).toEqual(securityBefore);
    expect({ ...(await reach(tokens.minyi)), contracts: minyiBefore.contracts }).toEqual(minyiBefore);

    const proposed = await gql(h.server.httpUrl, `mutation ($input: ContractStepInput!) { contractPropose(input: $input) { contract { id version status } userErrors { code } } }`, { input: { id: contract.id, expectedVersion: contract.version } }, tokens.minyi);
    const p = proposed.body.data.contractPropose.contract;
    const seen = await gql(h.server.httpUrl, `query ($id: ID!) { contract(id: $id) { status compliance(from: "${dayOffset(-7)}", to: "${dayOffset(-1)}") { from } } }`, { id: contract.id }, tokens.security);
    expect(seen.body.data.contract).toEqual({ status: 'PROPOSED', compliance: null });
    const declined = await gql(
      h.server.httpUrl,
      `mutation ($input: ContractDeclineInput!) { contractDecline(input: $input) { contract { status statusReason } userErrors { code } } }`,
      { input: { id: contract.id, expectedVersion: p.version, reason: '未經協商' } },
      tokens.security,
    );
    expect(declined.body.data.contractDecline).toEqual({ contract: { status: 'TERMINATED', statusReason: 'Declined by a party: 未經協商' }, userErrors: [] });
    const after = await gql(h.server.httpUrl, `query ($id: ID!) { contract(id: $id) { compliance(from: "${dayOffset(-7)}", to: "${dayOffset(-1)}") { from } } }`, { id: contract.id }, tokens.minyi);
    expect(after.body.data.contract.compliance).toBeNull();
    const network2 = await gql(h.server.httpUrl, NETWORK, { id: gid('Organization', 'org:民意街社區居委會') }, tokens.security);
    expect(network2.body.data).toEqual(networkBefore);
  });
});

describe('route 5: the nested-id existence oracle', () => {
  test("given the security company's ADMIN, when completing a disposal phase of a case it may not see, then the answer equals that for an unknown phase id", async () => {
    const [phase] = await h.server.services.db.query(`SELECT p.id, p.case_id FROM disposal_plan_phase p WHERE p.completed_on IS NULL LIMIT 1`);
    const caseNode = await gql(h.server.httpUrl, `query ($id: ID!) { node(id: $id) { id } }`, { id: toGlobalId('Case', phase.case_id) }, tokens.security);
    expect(caseNode.body.data.node).toBeNull();
    const COMPLETE = `mutation ($input: CaseDisposalPhaseCompleteInput!) { caseDisposalPhaseComplete(input: $input) { case { id } userErrors { field message code } } }`;
    const hidden = await gql(h.server.httpUrl, COMPLETE, { input: { phaseId: toGlobalId('DisposalPlanPhase', phase.id) } }, tokens.security);
    const unknown = await gql(h.server.httpUrl, COMPLETE, { input: { phaseId: toGlobalId('DisposalPlanPhase', randomUUID()) } }, tokens.security);
    expect(hidden.body).toEqual(unknown.body);
    expect(hidden.body.data.caseDisposalPhaseComplete.userErrors).toEqual([{ field: ['input', 'phaseId'], message: 'No DisposalPlanPhase with this id.', code: 'NOT_FOUND' }]);
  });

  test("given the security company's ADMIN, when registering a team under a contract it is not the provider of, then the answer equals that for an unknown contract id", async () => {
    const [other] = await h.server.services.db.query(
      `SELECT c.id FROM contract c WHERE NOT EXISTS (SELECT 1 FROM contract_party p WHERE p.contract_id = c.id AND p.organization_id = $1) LIMIT 1`,
      [ids['org:荊州市沙市保安服務公司']],
    );
    const CREATE = `mutation ($input: PatrolTeamCreateInput!) { patrolTeamCreate(input: $input) { patrolTeam { id } userErrors { field message code } } }`;
    const input = (contractId: string) => ({ input: { organizationId: gid('Organization', 'org:荊州市沙市保安服務公司'), name: '測試隊', kind: 'CONTRACTED', areaId: gid('Area', 'area:三板橋社區'), contractId } });
    const hidden = await gql(h.server.httpUrl, CREATE, input(toGlobalId('Contract', other.id)), tokens.security);
    const unknown = await gql(h.server.httpUrl, CREATE, input(toGlobalId('Contract', randomUUID())), tokens.security);
    expect(hidden.body).toEqual(unknown.body);
    expect(hidden.body.data.patrolTeamCreate.userErrors[0].code).toBe('NOT_FOUND');
  });
});
