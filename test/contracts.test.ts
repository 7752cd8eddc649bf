import { errorCodes, gql } from './support/graphql';
import { startHarness, stopHarness, type Harness } from './support/harness';
import { CONTRACT_FIELDS, DRAFT, PROPOSE, activeContract, dayOffset, draftContract, draftInput } from './support/contracts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => stopHarness(h));

const CONTRACT = `query ($id: ID!) { contract(id: $id) { ${CONTRACT_FIELDS} } node(id: $id) { id } }`;
const CONTRACTS = `query ($partyId: ID, $role: ContractPartyRole, $statuses: [ContractStatus!], $areaId: ID, $expiringWithinDays: Int) {
  contracts(first: 100, partyId: $partyId, role: $role, statuses: $statuses, areaId: $areaId, expiringWithinDays: $expiringWithinDays) { totalCount nodes { id status } } }`;
const RELATIONSHIP_CREATE = `mutation ($input: RelationshipCreateInput!) { relationshipCreate(input: $input) { relationship { id } userErrors { code } } }`;

describe('contractDraft', () => {
  test('given a signed-out viewer, when listing contracts, then UNAUTHENTICATED', async () => {
    const response = await gql(h.server.httpUrl, CONTRACTS, {});
    expect(errorCodes(response)).toEqual(['UNAUTHENTICATED']);
  });

  test('given a signed-out viewer, when drafting, then UNAUTHENTICATED and nothing is written', async () => {
    const response = await gql(h.server.httpUrl, DRAFT, { input: draftInput(h, { title: 'anonymous draft' }) });
    expect(errorCodes(response)).toEqual(['UNAUTHENTICATED']);
    const [{ n }] = await h.server.services.db.query(`SELECT count(*)::int AS n FROM contract WHERE title = 'anonymous draft'`);
    expect(n).toBe(0);
  });

  test('given the community ADMIN, when drafting, then a DRAFT with parties, terms and version 1 exists', async () => {
    const response = await gql(h.server.httpUrl, DRAFT, { input: draftInput(h) }, h.world.tokens.communityAdmin);
    const { contract, userErrors } = response.body.data.contractDraft;
    expect(userErrors).toEqual([]);
    expect(contract).toMatchObject({ status: 'DRAFT', version: 1, currentVersionNumber: 1, fee: { amountMinor: 1_200_000, currency: 'CNY', schedule: 'MONTHLY' } });
    expect(contract.parties.map((p: { role: string }) => p.role).sort()).toEqual(['CLIENT', 'FUNDER', 'PROVIDER', 'SUPERVISOR']);
    expect(contract.serviceLevels).toEqual([
      { metric: 'PATROLS_PER_DAY', target: 4, period: 'MONTH', description: null },
      { metric: 'CHECKPOINT_COVERAGE', target: 90, period: 'MONTH', description: null },
    ]);
    expect(contract.clauses[0]).toEqual({ partyRole: 'PROVIDER', kind: 'DUTY', text: '每日巡邏不少於4次' });
  });

  test.each([
    ['an end date before the start', 'DATE_ORDER', { startsOn: dayOffset(10), endsOn: dayOffset(5) }],
    ['a negative fee', 'OUT_OF_RANGE', { feeMinor: -1 }],
    ['no PROVIDER', 'REQUIRED', { parties: [{ organizationId: 'community', role: 'CLIENT' }, { organizationId: 'police', role: 'SUPERVISOR' }] }],
    ['a duplicate party', 'DUPLICATE', { parties: [{ organizationId: 'community', role: 'CLIENT' }, { organizationId: 'community', role: 'CLIENT' }, { organizationId: 'security', role: 'PROVIDER' }] }],
    ['a single organisation', 'OUT_OF_RANGE', { parties: [{ organizationId: 'security', role: 'PROVIDER' }, { organizationId: 'security', role: 'SUPERVISOR' }] }],
    ['a CUSTOM service level without description', 'REQUIRED', { serviceLevels: [{ metric: 'CUSTOM', target: 1, period: 'WEEK' }] }],
  ] as [string, string, Record<string, unknown>][])('given %s, when drafting, then userErrors %s and nothing is written', async (_label, code, overrides) => {
    const o = { ...overrides } as Record<string, unknown>;
    if (Array.isArray(o.parties)) {
      o.parties = (o.parties as { organizationId: 'community' | 'police' | 'security'; role: string }[]).map((p) => ({ ...p, organizationId: h.world.gid.org(p.organizationId) }));
    }
    const title = `invalid ${code} ${Math.random()}`;
    const response = await gql(h.server.httpUrl, DRAFT, { input: draftInput(h, { ...o, title }) }, h.world.tokens.communityAdmin);
    expect(response.body.data.contractDraft.contract).toBeNull();
    expect(response.body.data.contractDraft.userErrors.map((e: { code: string }) => e.code)).toContain(code);
    const [{ n }] = await h.server.services.db.query(`SELECT count(*)::int AS n FROM contract WHERE title = $1`, [title]);
    expect(n).toBe(0);
  });

  test('given an ADMIN of an organisation that is not a party, when drafting, then FORBIDDEN', async () => {
    const response = await gql(h.server.httpUrl, DRAFT, { input: draftInput(h) }, h.world.tokens.outsider);
    expect(errorCodes(response)).toEqual(['FORBIDDEN']);
  });

  test('given a new draft, then no CONTRACTS_WITH relation appears or changes: a draft binds nobody', async () => {
    // Contracts other tests put in force may have made relations already: the draft must add or change none.
    const relations = async () =>
      (
        await gql(
          h.server.httpUrl,
          `query ($id: ID!) { network(organizationId: $id, depth: 1, types: [CONTRACTS_WITH]) { relationships { nodes { id type startsOn endsOn } } } }`,
          { id: h.world.gid.org('community') },
          h.world.tokens.communityAdmin,
        )
      ).body.data.network.relationships.nodes;
    const created = async () => (await h.server.services.db.query(`SELECT count(*)::int AS n FROM event WHERE topic = 'network' AND type = 'relationship.created'`))[0].n;
    const [relationsBefore, createdBefore] = [await relations(), await created()];
    const contract = await draftContract(h);
    expect(await relations()).toEqual(relationsBefore);
    expect(await created()).toBe(createdBefore);
    const uuid = Buffer.from(contract.id, 'base64url').toString().split(':')[1];
    const audit = await h.server.services.db.query(`SELECT action FROM audit_entry WHERE record_type = 'Contract' AND record_id = $1`, [uuid]);
    expect(audit.map((a: { action: string }) => a.action)).toEqual(['contractDraft']);
  });

  test('given a contract every party signed, when it becomes ACTIVE, then the CONTRACTS_WITH relation shows in the network with the contract\'s dates', async () => {
    const contract = await activeContract(h, { title: 'signed' });
    expect(contract.status).toBe('ACTIVE');
    const network = await gql(
      h.server.httpUrl,
      `query ($id: ID!) { network(organizationId: $id, depth: 1, types: [CONTRACTS_WITH]) { relationships { nodes { type status startsOn endsOn from { id } to { id } } } } }`,
      { id: h.world.gid.org('community') },
      h.world.tokens.outsider,
    );
    expect(network.body.data.network.relationships.nodes).toEqual([
      { type: 'CONTRACTS_WITH', status: 'ACCEPTED', startsOn: contract.startsOn, endsOn: contract.endsOn, from: { id: h.world.gid.org('community') }, to: { id: h.world.gid.org('security') } },
    ]);
  });
});

describe('contract visibility', () => {
  let contractId: string;
  beforeAll(async () => {
    // Community CLIENT and security PROVIDER only: the police station is not a party.
    const contract = await draftContract(h, {
      title: 'no supervisor',
      parties: [
        { organizationId: h.world.gid.org('community'), role: 'CLIENT' },
        { organizationId: h.world.gid.org('security'), role: 'PROVIDER' },
      ],
      clauses: [],
    });
    // Proposed, so that it reaches beyond its drafter (a draft is seen by the drafting organisation only).
    const proposed = await gql(h.server.httpUrl, PROPOSE, { input: { id: contract.id, expectedVersion: contract.version } }, h.world.tokens.communityAdmin);
    expect(proposed.body.data.contractPropose.userErrors).toEqual([]);
    contractId = contract.id;
  });

  test('given an unrelated organisation, when reading the contract, then it answers like an unknown id', async () => {
    const response = await gql(h.server.httpUrl, CONTRACT, { id: contractId }, h.world.tokens.outsider);
    expect(response.body.data).toEqual({ contract: null, node: null });
    const list = await gql(h.server.httpUrl, CONTRACTS, {}, h.world.tokens.outsider);
    expect(list.body.data.contracts.nodes.map((c: { id: string }) => c.id)).not.toContain(contractId);
  });

  test('given a resident with no organisation, then the contract is null', async () => {
    const response = await gql(h.server.httpUrl, CONTRACT, { id: contractId }, h.world.tokens.resident);
    expect(response.body.data.contract).toBeNull();
  });

  test('given a party member, a platform admin, then both see it', async () => {
    const member = await gql(h.server.httpUrl, CONTRACT, { id: contractId }, h.world.tokens.communityObserver);
    const admin = await gql(h.server.httpUrl, CONTRACT, { id: contractId }, h.world.tokens.platformAdmin);
    expect(member.body.data.contract.id).toBe(contractId);
    expect(admin.body.data.node.id).toBe(contractId);
  });

  test('given the police station only once it GUIDES a party, then it sees the contract only then', async () => {
    const before = await gql(h.server.httpUrl, CONTRACT, { id: contractId }, h.world.tokens.policeLiaison);
    expect(before.body.data.contract).toBeNull();
    const created = await gql(
      h.server.httpUrl,
      RELATIONSHIP_CREATE,
      { input: { fromOrganizationId: h.world.gid.org('police'), toOrganizationId: h.world.gid.org('community'), type: 'GUIDES', startsOn: dayOffset(-30) } },
      h.world.tokens.policeAdmin,
    );
    expect(created.body.data.relationshipCreate.userErrors).toEqual([]);
    // A proposal gives nothing: the contract stays hidden until the community's ADMIN accepts.
    const proposed = await gql(h.server.httpUrl, CONTRACT, { id: contractId }, h.world.tokens.policeLiaison);
    expect(proposed.body.data.contract).toBeNull();
    const accepted = await gql(
      h.server.httpUrl,
      `mutation ($input: RelationshipAnswerInput!) { relationshipAccept(input: $input) { relationship { status } userErrors { code } } }`,
      { input: { id: created.body.data.relationshipCreate.relationship.id } },
      h.world.tokens.communityAdmin,
    );
    expect(accepted.body.data.relationshipAccept).toEqual({ relationship: { status: 'ACCEPTED' }, userErrors: [] });
    const after = await gql(h.server.httpUrl, CONTRACT, { id: contractId }, h.world.tokens.policeLiaison);
    expect(after.body.data.contract.id).toBe(contractId);
    const list = await gql(h.server.httpUrl, CONTRACTS, {}, h.world.tokens.policeLiaison);
    expect(list.body.data.contracts.nodes.map((c: { id: string }) => c.id)).toContain(contractId);
  });

  test('given an outsider, when reading the community organisation contracts, then none are listed', async () => {
    // One of its own, so that the member's count shows there is something to hide whatever ran before.
    await activeContract(h, { title: 'listed for its parties' });
    const query = `query ($id: ID!) { organization(id: $id) { contracts { totalCount } } }`;
    const outsider = await gql(h.server.httpUrl, query, { id: h.world.gid.org('community') }, h.world.tokens.outsider);
    const member = await gql(h.server.httpUrl, query, { id: h.world.gid.org('community') }, h.world.tokens.communityMember);
    expect(outsider.body.data.organization.contracts.totalCount).toBe(0);
    expect(member.body.data.organization.contracts.totalCount).toBeGreaterThan(0);
  });
});

describe('contracts filters', () => {
  let soon: string;
  let later: string;
  beforeAll(async () => {
    soon = (await activeContract(h, { title: 'expiring soon', endsOn: dayOffset(20) })).id;
    later = (await activeContract(h, { title: 'expiring later', endsOn: dayOffset(200), areaIds: [h.world.gid.area('communityB')] })).id;
  });

  test('given two ACTIVE contracts, when asking for those expiring within 30 days, then only the one ending in 20 days', async () => {
    const response = await gql(h.server.httpUrl, CONTRACTS, { expiringWithinDays: 30 }, h.world.tokens.communityAdmin);
    const ids = response.body.data.contracts.nodes.map((c: { id: string }) => c.id);
    expect(ids).toContain(soon);
    expect(ids).not.toContain(later);
  });

  test('given an area filter on the grid inside community A, then contracts covering community A match and community B does not', async () => {
    const response = await gql(h.server.httpUrl, CONTRACTS, { areaId: h.world.gid.area('gridA'), statuses: ['ACTIVE'] }, h.world.tokens.communityAdmin);
    const ids = response.body.data.contracts.nodes.map((c: { id: string }) => c.id);
    expect(ids).toContain(soon);
    expect(ids).not.toContain(later);
  });

  test('given a party and role filter, then the security company as PROVIDER matches and as CLIENT does not', async () => {
    const provider = await gql(h.server.httpUrl, CONTRACTS, { partyId: h.world.gid.org('security'), role: 'PROVIDER', statuses: ['ACTIVE'] }, h.world.tokens.securityAdmin);
    const client = await gql(h.server.httpUrl, CONTRACTS, { partyId: h.world.gid.org('security'), role: 'CLIENT' }, h.world.tokens.securityAdmin);
    expect(provider.body.data.contracts.nodes.map((c: { id: string }) => c.id)).toEqual(expect.arrayContaining([soon, later]));
    expect(client.body.data.contracts.totalCount).toBe(0);
  });

  test('given expiringWithinDays out of range, then BAD_USER_INPUT', async () => {
    const response = await gql(h.server.httpUrl, CONTRACTS, { expiringWithinDays: -1 }, h.world.tokens.communityAdmin);
    expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
  });
});
