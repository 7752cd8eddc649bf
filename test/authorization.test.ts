import { randomUUID } from 'node:crypto';
import { isObjectType } from 'graphql';
import { buildGraphQLSchema } from '../src/server/schema';
import { ACCESS_EXTENSION, AccessLevel } from '../src/shared/auth/policy';
import { idOf, toGlobalId } from '../src/shared/relay/global-id';
import { MemberRole } from '../src/shared/auth/roles';
import { Viewer } from '../src/shared/auth/viewer';
import { gql, type GraphQLResponse } from './support/graphql';
import { activeContract, dayOffset } from './support/contracts';
import { startHarness, stopHarness, type Harness } from './support/harness';

describe('every operation declares an access rule', () => {
  test('given the schema, then each query, mutation and subscription has an access level', () => {
    const schema = buildGraphQLSchema();
    const missing: string[] = [];
    for (const root of [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()]) {
      if (!isObjectType(root)) continue;
      for (const field of Object.values(root.getFields())) {
        const access = field.extensions?.[ACCESS_EXTENSION];
        if (!Object.values(AccessLevel).includes(access as AccessLevel)) missing.push(`${root.name}.${field.name}`);
      }
    }
    expect(missing).toEqual([]);
  });

  test('given each subscription, when an event is mapped for a signed-out viewer, then its access rule refuses it, and for a signed-in one the event is mapped at once', () => {
    // The per-event resolve runs the access rule inline (schema.ts, resolveSubscriptionEventsInline): it must still
    // refuse, and it must not be a promise, or no shared result is ready when the dispatcher offers the event.
    const subscriptions = Object.values(buildGraphQLSchema().getSubscriptionType()!.getFields());
    const event = { id: '42', topic: 'any', type: 'any.changed', subjectId: null, areaPath: null, organizationIds: [], userIds: [], payload: {}, createdAt: new Date() };
    const resolveFor = (viewer: Viewer) => (field: (typeof subscriptions)[number]) => {
      try {
        return field.resolve!(event, {}, { viewer }, {} as never);
      } catch (error) {
        return (error as { extensions?: { code?: string } }).extensions?.code ?? String(error);
      }
    };
    expect(subscriptions.length).toBeGreaterThan(5);
    expect(subscriptions.map(resolveFor(Viewer.anonymous()))).toEqual(subscriptions.map(() => 'UNAUTHENTICATED'));
    const signedIn = subscriptions.map(resolveFor(Viewer.user(randomUUID(), false, new Map())));
    expect(signedIn.filter((mapped) => mapped instanceof Promise || typeof mapped === 'string')).toEqual([]);
  });
});

type Role = 'anonymous' | 'outsider' | 'member' | 'admin' | 'platformAdmin';
const ROLES: Role[] = ['anonymous', 'outsider', 'member', 'admin', 'platformAdmin'];
type Outcome = 'OK' | 'UNAUTHENTICATED' | 'FORBIDDEN' | 'NOT_FOUND' | 'NULL';

const WEBHOOK_OPS = ['webhookEndpointUpdate', 'webhookEndpointDisable', 'webhookEndpointDelete', 'webhookEndpointRotateSecret', 'webhookEndpointReplay'];

let h: Harness;
const prepared: Record<string, Record<Role, string>> = {};
/** A signed contract of the community (CLIENT) with the security company (PROVIDER), with a CUSTOM service level at position 1. */
let assessedContract: { id: string; startsOn: string };
/** A quality standard of the police station for street A (the community's contract lies within it). */
let qualityStandardId: string;
/** A security fund of the community, and per role a pending payout (to approve or reject) and a counted contribution (to reverse). */
let fundId: string;
const fundEntries: Record<'approve' | 'reject' | 'reverse', Partial<Record<Role, string>>> = { approve: {}, reject: {}, reverse: {} };
/** A paid team of the community, paid from a fund of its own; a completed patrol of it last month; per role a guard to change, one to mark leaving, and one who walked that patrol (to draw pay for). */
const roster = { teamId: '', fundId: '', patrolId: '', present: '', update: {} as Partial<Record<Role, string>>, leave: {} as Partial<Record<Role, string>>, guard: {} as Partial<Record<Role, string>> };

function tokenOf(role: Role): string | null {
  const map = { anonymous: null, outsider: h.world.tokens.outsider, member: h.world.tokens.communityMember, admin: h.world.tokens.communityAdmin, platformAdmin: h.world.tokens.platformAdmin };
  return map[role];
}

/** The top-level error code, else the first userErrors code, else OK (or NULL when the field answered null). */
function outcome(response: GraphQLResponse, field: string): Outcome {
  const code = response.body.errors?.[0]?.extensions?.code;
  if (code) return code as Outcome;
  const value = response.body.data?.[field];
  if (value === null) return 'NULL';
  if (value?.userErrors?.length) return value.userErrors[0].code;
  return 'OK';
}

beforeAll(async () => {
  h = await startHarness();
  const db = h.server.services.db;
  // One record per role for the operations that consume one (remove, end, revoke).
  for (const op of ['membershipAdd', 'membershipRemove', 'relationshipEnd', 'apiClientRevoke', 'apiClientRotateSecret', 'jurisdictionGrant', 'jurisdictionRevoke', 'relationshipAccept', 'relationshipDecline', ...WEBHOOK_OPS, 'webhookDeliveryRetry']) {
    prepared[op] = {} as Record<Role, string>;
  }
  for (const role of ROLES) {
    const [user] = await db.query(`INSERT INTO app_user (email, display_name, password_hash) VALUES ($1, $2, 'x') RETURNING id`, [`${role.toLowerCase()}-${randomUUID()}@m.test`, role]);
    prepared.membershipAdd[role] = toGlobalId('User', user.id);
    const [other] = await db.query(`INSERT INTO app_user (email, display_name, password_hash) VALUES ($1, $2, 'x') RETURNING id`, [`${role.toLowerCase()}-rm-${randomUUID()}@m.test`, role]);
    const [membership] = await db.query(`INSERT INTO membership (user_id, organization_id, role) VALUES ($1, $2, $3) RETURNING id`, [other.id, h.world.orgs.community.id, MemberRole.MEMBER]);
    prepared.membershipRemove[role] = toGlobalId('Membership', membership.id);
    const [relationship] = await db.query(
      `INSERT INTO relationship (from_organization_id, to_organization_id, type, starts_on) VALUES ($1, $2, 'GUIDES', '2026-01-01') RETURNING id`,
      [h.world.orgs.community.id, h.world.orgs.security.id],
    );
    prepared.relationshipEnd[role] = toGlobalId('Relationship', relationship.id);
    const [client] = await db.query(
      `INSERT INTO api_client (organization_id, name, client_key, secret_hash, scope) VALUES ($1, 'c', $2, 'x', 'READ') RETURNING id`,
      [h.world.orgs.community.id, `gzc_${randomUUID()}`],
    );
    prepared.apiClientRevoke[role] = toGlobalId('ApiClient', client.id);
    const [rotated] = await db.query(
      `INSERT INTO api_client (organization_id, name, client_key, secret_hash, scope) VALUES ($1, 'r', $2, 'x', 'READ') RETURNING id`,
      [h.world.orgs.community.id, `gzc_${randomUUID()}`],
    );
    prepared.apiClientRotateSecret[role] = toGlobalId('ApiClient', rotated.id);
    // Child units of the community: one to receive a delegated grid, one holding a grid the community delegated.
    for (const op of ['jurisdictionGrant', 'jurisdictionRevoke']) {
      const [unit] = await db.query(`INSERT INTO organization (name, kind, home_area_id, parent_id) VALUES ($1, 'VOLUNTEER_PATROL', $2, $3) RETURNING id`, [
        `${op} ${role}`,
        h.world.areas.communityA.id,
        h.world.orgs.community.id,
      ]);
      prepared[op][role] = toGlobalId('Organization', unit.id);
      if (op === 'jurisdictionRevoke') {
        await db.query(`INSERT INTO organization_jurisdiction (organization_id, area_id, granted_by_organization_id) VALUES ($1, $2, $3)`, [unit.id, h.world.areas.gridA.id, h.world.orgs.community.id]);
      }
    }
    // A webhook endpoint of the community per operation that changes one, and a dead letter to retry.
    for (const op of WEBHOOK_OPS) {
      const [endpoint] = await db.query(`INSERT INTO webhook_endpoint (organization_id, url, event_types, secret) VALUES ($1, 'https://partner.example/hooks', '{case}', 'whsec_AAAA') RETURNING id`, [h.world.orgs.community.id]);
      prepared[op][role] = toGlobalId('WebhookEndpoint', endpoint.id);
    }
    const [delivery] = await db.query(`INSERT INTO webhook_delivery (endpoint_id, event_id, status) VALUES ($1, 1, 'DEAD') RETURNING id`, [idOf(prepared.webhookEndpointUpdate[role], 'WebhookEndpoint')]);
    prepared.webhookDeliveryRetry[role] = toGlobalId('WebhookDelivery', delivery.id);
    // Proposals from the security company to the community, awaiting the community's answer.
    for (const op of ['relationshipAccept', 'relationshipDecline']) {
      const [proposal] = await db.query(
        `INSERT INTO relationship (from_organization_id, to_organization_id, type, starts_on, status, proposed_by_organization_id) VALUES ($1, $2, 'SUPERVISES', '2026-01-01', 'PROPOSED', $1) RETURNING id`,
        [h.world.orgs.security.id, h.world.orgs.community.id],
      );
      prepared[op][role] = toGlobalId('Relationship', proposal.id);
    }
  }
  const startsOn = dayOffset(-14);
  const contract = await activeContract(h, {
    startsOn,
    serviceLevels: [
      { metric: 'PATROLS_PER_DAY', target: 1, period: 'MONTH' },
      { metric: 'CUSTOM', target: 1, period: 'WEEK', description: '每週公開巡邏記錄' },
    ],
  });
  assessedContract = { id: contract.id, startsOn };
  const [standard] = await db.query(
    `INSERT INTO quality_standard (organization_id, area_id, name, service_levels, breach_months) VALUES ($1, $2, '質量標準', '[{"metric":"PATROLS_PER_DAY","target":1,"description":null}]', 2) RETURNING id`,
    [h.world.orgs.police.id, h.world.areas.streetA.id],
  );
  qualityStandardId = toGlobalId('QualityStandard', standard.id);
  const [fund] = await db.query(`INSERT INTO security_fund (organization_id, name) VALUES ($1, '三板橋社區安防經費') RETURNING id`, [h.world.orgs.community.id]);
  fundId = toGlobalId('SecurityFund', fund.id);
  for (const role of ROLES) {
    for (const op of ['approve', 'reject', 'reverse'] as const) {
      const [entry] = await db.query(
        `INSERT INTO fund_entry (fund_id, kind, category, occurred_on, amount_minor, status, recorded_by_user_id) VALUES ($1, $2, $3, $4, 1000, $5, $6) RETURNING id`,
        [fund.id, op === 'reverse' ? 'CONTRIBUTION' : 'PAYOUT', op === 'reverse' ? 'HOUSEHOLDS' : 'GUARD_PAY', dayOffset(-1), op === 'reverse' ? 'COUNTED' : 'PENDING', h.world.users.communityMember.id],
      );
      fundEntries[op][role] = toGlobalId('FundEntry', entry.id);
    }
  }
  const [team] = await db.query(`INSERT INTO patrol_team (name, kind, organization_id, area_id) VALUES ('三板橋社區安防隊', 'COMMUNITY_PAID', $1, $2) RETURNING id`, [h.world.orgs.community.id, h.world.areas.communityA.id]);
  const [teamFund] = await db.query(`INSERT INTO security_fund (organization_id, name) VALUES ($1, '三板橋社區安防隊經費') RETURNING id`, [h.world.orgs.community.id]);
  await db.query(`INSERT INTO security_fund_team (team_id, fund_id) VALUES ($1, $2)`, [team.id, teamFund.id]);
  const lastMonthStart = `${dayOffset(-40).slice(0, 7)}-01`;
  const [patrol] = await db.query(
    `INSERT INTO patrol (team_id, area_id, planned_start, planned_end, status, started_at, ended_at) VALUES ($1, $2, $3::timestamptz, $3::timestamptz + interval '2 hours', 'COMPLETED', $3::timestamptz, $3::timestamptz + interval '2 hours') RETURNING id`,
    [team.id, h.world.areas.communityA.id, `${dayOffset(-40)}T08:00:00+08:00`],
  );
  const person = async (name: string) => (await db.query(`INSERT INTO roster_entry (team_id, name, categories, joined_on, hourly_rate_minor) VALUES ($1, $2, '{PAID_GUARD}', $3, 2000) RETURNING id`, [team.id, name, lastMonthStart]))[0].id as string;
  const present = await person('在隊');
  Object.assign(roster, { teamId: toGlobalId('PatrolTeam', team.id), fundId: toGlobalId('SecurityFund', teamFund.id), patrolId: toGlobalId('Patrol', patrol.id), present: toGlobalId('RosterEntry', present) });
  for (const role of ROLES) {
    roster.update[role] = toGlobalId('RosterEntry', await person(`改 ${role}`));
    roster.leave[role] = toGlobalId('RosterEntry', await person(`離 ${role}`));
    const guard = await person(`付 ${role}`);
    await db.query(`INSERT INTO patrol_participant (patrol_id, roster_entry_id) VALUES ($1, $2)`, [patrol.id, guard]);
    roster.guard[role] = toGlobalId('RosterEntry', guard);
  }
}, 120_000);
afterAll(() => stopHarness(h));

interface Case {
  field: string;
  document: string;
  variables: (role: Role) => Record<string, unknown>;
  expected: Record<Role, Outcome>;
}

const adminsOnly: Record<Role, Outcome> = { anonymous: 'UNAUTHENTICATED', outsider: 'FORBIDDEN', member: 'FORBIDDEN', admin: 'OK', platformAdmin: 'OK' };
const platformOnly: Record<Role, Outcome> = { anonymous: 'UNAUTHENTICATED', outsider: 'FORBIDDEN', member: 'FORBIDDEN', admin: 'FORBIDDEN', platformAdmin: 'OK' };
const signedIn: Record<Role, Outcome> = { anonymous: 'UNAUTHENTICATED', outsider: 'OK', member: 'OK', admin: 'OK', platformAdmin: 'OK' };
const everyone: Record<Role, Outcome> = { anonymous: 'OK', outsider: 'OK', member: 'OK', admin: 'OK', platformAdmin: 'OK' };

const cases = (): Case[] => [
  { field: 'viewer', document: `{ viewer { signedIn } }`, variables: () => ({}), expected: everyone },
  { field: 'node', document: `query ($id: ID!) { node(id: $id) { id } }`, variables: () => ({ id: h.world.gid.org('community') }), expected: signedIn },
  { field: 'nodes', document: `query ($ids: [ID!]!) { nodes(ids: $ids) { id } }`, variables: () => ({ ids: [h.world.gid.area('city')] }), expected: signedIn },
  { field: 'areas', document: `{ areas(first: 1) { totalCount } }`, variables: () => ({}), expected: signedIn },
  { field: 'area', document: `query ($id: ID!) { area(id: $id) { name } }`, variables: () => ({ id: h.world.gid.area('city') }), expected: signedIn },
  { field: 'organizations', document: `{ organizations(first: 1) { totalCount } }`, variables: () => ({}), expected: signedIn },
  { field: 'organization', document: `query ($id: ID!) { organization(id: $id) { name } }`, variables: () => ({ id: h.world.gid.org('community') }), expected: signedIn },
  { field: 'network', document: `query ($id: ID!) { network(organizationId: $id) { depth } }`, variables: () => ({ id: h.world.gid.org('community') }), expected: signedIn },
  {
    field: 'authLogin',
    document: `mutation { authLogin(input: { email: "nobody@m.test", password: "x" }) { userErrors { code } } }`,
    variables: () => ({}),
    expected: { anonymous: 'INVALID_CREDENTIALS', outsider: 'INVALID_CREDENTIALS', member: 'INVALID_CREDENTIALS', admin: 'INVALID_CREDENTIALS', platformAdmin: 'INVALID_CREDENTIALS' } as never,
  },
  {
    field: 'authTokenForClient',
    document: `mutation { authTokenForClient(input: { clientId: "gzc_x", clientSecret: "x" }) { userErrors { code } } }`,
    variables: () => ({}),
    expected: { anonymous: 'INVALID_CREDENTIALS', outsider: 'INVALID_CREDENTIALS', member: 'INVALID_CREDENTIALS', admin: 'INVALID_CREDENTIALS', platformAdmin: 'INVALID_CREDENTIALS' } as never,
  },
  {
    field: 'authRefresh',
    document: `mutation { authRefresh(input: { refreshToken: "gzr_unknown" }) { userErrors { code } } }`,
    variables: () => ({}),
    expected: { anonymous: 'INVALID_CREDENTIALS', outsider: 'INVALID_CREDENTIALS', member: 'INVALID_CREDENTIALS', admin: 'INVALID_CREDENTIALS', platformAdmin: 'INVALID_CREDENTIALS' } as never,
  },
  {
    field: 'authLogout',
    document: `mutation { authLogout(input: { refreshToken: "gzr_unknown" }) { userErrors { code } } }`,
    variables: () => ({}),
    expected: { anonymous: 'INVALID_CREDENTIALS', outsider: 'INVALID_CREDENTIALS', member: 'INVALID_CREDENTIALS', admin: 'INVALID_CREDENTIALS', platformAdmin: 'INVALID_CREDENTIALS' } as never,
  },
  {
    field: 'areaCreate',
    document: `mutation ($input: AreaCreateInput!) { areaCreate(input: $input) { area { id } userErrors { code } } }`,
    variables: (role) => ({ input: { name: `網格-${role}`, kind: 'GRID', parentId: h.world.gid.area('communityA') } }),
    expected: platformOnly,
  },
  {
    field: 'areaUpdate',
    document: `mutation ($input: AreaUpdateInput!) { areaUpdate(input: $input) { area { id } userErrors { code } } }`,
    variables: (role) => ({ input: { id: h.world.gid.area('gridA'), name: `網格 ${role}` } }),
    expected: platformOnly,
  },
  {
    field: 'userCreate',
    document: `mutation ($input: UserCreateInput!) { userCreate(input: $input) { user { id } userErrors { code } } }`,
    variables: (role) => ({ input: { email: `new-${role}@m.test`, displayName: role, password: 'long enough password' } }),
    expected: platformOnly,
  },
  {
    field: 'organizationCreate',
    document: `mutation ($input: OrganizationCreateInput!) { organizationCreate(input: $input) { organization { id } userErrors { code } } }`,
    variables: (role) => ({ input: { name: `巡防隊 ${role}`, kind: 'VOLUNTEER_PATROL', homeAreaId: h.world.gid.area('communityA'), parentId: h.world.gid.org('community') } }),
    expected: adminsOnly,
  },
  {
    field: 'organizationUpdate',
    document: `mutation ($input: OrganizationUpdateInput!) { organizationUpdate(input: $input) { organization { id } userErrors { code } } }`,
    variables: (role) => ({ input: { id: h.world.gid.org('community'), description: `by ${role}` } }),
    expected: adminsOnly,
  },
  {
    field: 'membershipAdd',
    document: `mutation ($input: MembershipAddInput!) { membershipAdd(input: $input) { membership { id } userErrors { code } } }`,
    variables: (role) => ({ input: { organizationId: h.world.gid.org('community'), userId: prepared.membershipAdd[role], role: 'MEMBER' } }),
    expected: adminsOnly,
  },
  {
    field: 'membershipRemove',
    document: `mutation ($input: MembershipRemoveInput!) { membershipRemove(input: $input) { removedMembershipId userErrors { code } } }`,
    variables: (role) => ({ input: { membershipId: prepared.membershipRemove[role] } }),
    // An outsider cannot see the community's members, so the membership is "unknown" to them.
    expected: { ...adminsOnly, outsider: 'NOT_FOUND' },
  },
  {
    field: 'relationshipCreate',
    document: `mutation ($input: RelationshipCreateInput!) { relationshipCreate(input: $input) { relationship { id } userErrors { code } } }`,
    variables: (role) => ({ input: { fromOrganizationId: h.world.gid.org('community'), toOrganizationId: h.world.gid.org('security'), type: role === 'admin' ? 'PARTNERS_WITH' : 'FUNDS' } }),
    expected: adminsOnly,
  },
  {
    field: 'relationshipEnd',
    document: `mutation ($input: RelationshipEndInput!) { relationshipEnd(input: $input) { relationship { id } userErrors { code } } }`,
    variables: (role) => ({ input: { id: prepared.relationshipEnd[role] } }),
    expected: adminsOnly,
  },
  {
    field: 'jurisdictionGrant',
    document: `mutation ($input: JurisdictionGrantInput!) { jurisdictionGrant(input: $input) { organization { id } userErrors { code } } }`,
    variables: (role) => ({ input: { organizationId: prepared.jurisdictionGrant[role], areaId: h.world.gid.area('gridA') } }),
    expected: adminsOnly,
  },
  {
    field: 'jurisdictionRevoke',
    document: `mutation ($input: JurisdictionRevokeInput!) { jurisdictionRevoke(input: $input) { organization { id } userErrors { code } } }`,
    variables: (role) => ({ input: { organizationId: prepared.jurisdictionRevoke[role], areaId: h.world.gid.area('gridA') } }),
    expected: adminsOnly,
  },
  {
    field: 'relationshipAccept',
    document: `mutation ($input: RelationshipAnswerInput!) { relationshipAccept(input: $input) { relationship { id } userErrors { code } } }`,
    variables: (role) => ({ input: { id: prepared.relationshipAccept[role] } }),
    // A proposal is known to the two ends only: to an outsider it does not exist.
    expected: { ...adminsOnly, outsider: 'NOT_FOUND' },
  },
  {
    field: 'relationshipDecline',
    document: `mutation ($input: RelationshipAnswerInput!) { relationshipDecline(input: $input) { relationship { id } userErrors { code } } }`,
    variables: (role) => ({ input: { id: prepared.relationshipDecline[role] } }),
    expected: { ...adminsOnly, outsider: 'NOT_FOUND' },
  },
  {
    field: 'apiClientCreate',
    document: `mutation ($input: ApiClientCreateInput!) { apiClientCreate(input: $input) { apiClient { id } userErrors { code } } }`,
    variables: (role) => ({ input: { organizationId: h.world.gid.org('community'), name: `client ${role}`, scope: 'READ' } }),
    expected: adminsOnly,
  },
  {
    field: 'apiClientRevoke',
    document: `mutation ($input: ApiClientRevokeInput!) { apiClientRevoke(input: $input) { apiClient { id } userErrors { code } } }`,
    variables: (role) => ({ input: { id: prepared.apiClientRevoke[role] } }),
    // API clients are visible to the organisation's ADMINs only; to everyone else they do not exist.
    expected: { ...adminsOnly, outsider: 'NOT_FOUND', member: 'NOT_FOUND' },
  },
  {
    field: 'apiClientRotateSecret',
    document: `mutation ($input: ApiClientRotateSecretInput!) { apiClientRotateSecret(input: $input) { clientSecret userErrors { code } } }`,
    variables: (role) => ({ input: { id: prepared.apiClientRotateSecret[role], overlapSeconds: 60 } }),
    expected: { ...adminsOnly, outsider: 'NOT_FOUND', member: 'NOT_FOUND' },
  },
  { field: 'events', document: `{ events(first: 1) { pageInfo { hasNextPage } } }`, variables: () => ({}), expected: signedIn },
  { field: 'latestEventCursor', document: `{ latestEventCursor }`, variables: () => ({}), expected: signedIn },
  // Webhooks are the organisation's integration settings: to anyone but its ADMINs (and platform admins) they do not exist.
  {
    field: 'webhookEndpoints',
    document: `query ($id: ID!) { webhookEndpoints(organizationId: $id, first: 1) { totalCount } }`,
    variables: () => ({ id: h.world.gid.org('community') }),
    expected: { ...adminsOnly, outsider: 'NULL', member: 'NULL' },
  },
  {
    field: 'webhookDeliveries',
    document: `query ($id: ID!) { webhookDeliveries(endpointId: $id, first: 1) { totalCount } }`,
    variables: (role) => ({ id: prepared.webhookEndpointUpdate[role] }),
    expected: { ...adminsOnly, outsider: 'NULL', member: 'NULL' },
  },
  {
    field: 'webhookEndpointCreate',
    document: `mutation ($input: WebhookEndpointCreateInput!) { webhookEndpointCreate(input: $input) { webhookEndpoint { id } userErrors { code } } }`,
    variables: () => ({ input: { organizationId: h.world.gid.org('community'), url: 'https://partner.example/hooks', eventTypes: ['CASE'] } }),
    expected: adminsOnly,
  },
  ...[
    ['webhookEndpointUpdate', 'WebhookEndpointUpdateInput'],
    ['webhookEndpointDisable', 'WebhookEndpointIdInput'],
    ['webhookEndpointDelete', 'WebhookEndpointIdInput'],
    ['webhookEndpointRotateSecret', 'WebhookEndpointIdInput'],
    ['webhookEndpointReplay', 'WebhookEndpointReplayInput'],
  ].map(([field, inputType]) => ({
    field,
    document: `mutation ($input: ${inputType}!) { ${field}(input: $input) { userErrors { code } } }`,
    variables: (role: Role) => ({ input: { id: prepared[field][role], ...(field === 'webhookEndpointUpdate' ? { description: 'by test' } : {}), ...(field === 'webhookEndpointReplay' ? { after: '0' } : {}) } }),
    expected: { ...adminsOnly, outsider: 'NOT_FOUND', member: 'NOT_FOUND' } as Record<Role, Outcome>,

  })),
  {
    field: 'webhookDeliveryRetry',
    document: `mutation ($input: WebhookDeliveryRetryInput!) { webhookDeliveryRetry(input: $input) { webhookDelivery { id } userErrors { code } } }`,
    variables: (role) => ({ input: { id: prepared.webhookDeliveryRetry[role] } }),
    expected: { ...adminsOnly, outsider: 'NOT_FOUND', member: 'NOT_FOUND' },
  },
  {
    field: 'serviceLevelAssessmentRecord',
    document: `mutation ($input: ServiceLevelAssessmentRecordInput!) { serviceLevelAssessmentRecord(input: $input) { assessment { id } userErrors { code } } }`,
    variables: () => ({ input: { contractId: assessedContract.id, serviceLevelPosition: 1, periodStartsOn: assessedContract.startsOn, met: true } }),
    // Members acting for the CLIENT party; an outsider does not see the contract; a platform admin is no party to it.
    expected: { anonymous: 'UNAUTHENTICATED', outsider: 'NOT_FOUND', member: 'OK', admin: 'OK', platformAdmin: 'FORBIDDEN' },
  },
  {
    field: 'screeningRoundRecord',
    document: `mutation ($input: ScreeningRoundRecordInput!) { screeningRoundRecord(input: $input) { round { id } userErrors { code } } }`,
    // One week per role: a community files one return per week.
    variables: (role) => ({ input: { areaId: h.world.gid.area('communityA'), frequency: 'WEEKLY', periodOf: dayOffset(-7 * (ROLES.indexOf(role) + 1)), nilReturn: true } }),
    // Members acting for an organisation whose jurisdiction covers the community; a platform admin files for no community.
    expected: { anonymous: 'UNAUTHENTICATED', outsider: 'FORBIDDEN', member: 'OK', admin: 'OK', platformAdmin: 'FORBIDDEN' },
  },
  {
    field: 'screeningSpecialPeriodDeclare',
    document: `mutation ($input: ScreeningSpecialPeriodDeclareInput!) { screeningSpecialPeriodDeclare(input: $input) { specialPeriod { id } userErrors { code } } }`,
    variables: () => ({ input: { areaId: h.world.gid.area('communityA'), name: '春節', startsOn: dayOffset(3), endsOn: dayOffset(9) } }),
    expected: { anonymous: 'UNAUTHENTICATED', outsider: 'FORBIDDEN', member: 'OK', admin: 'OK', platformAdmin: 'FORBIDDEN' },
  },
  {
    field: 'screeningRounds',
    document: `query ($areaId: ID!, $from: LocalDate!, $to: LocalDate!) { screeningRounds(areaId: $areaId, from: $from, to: $to) { totalCount } }`,
    variables: () => ({ areaId: h.world.gid.area('communityA'), from: dayOffset(-60), to: dayOffset(0) }),
    // Like the dashboard: the jurisdiction's members and platform admins; null for anyone else.
    expected: { anonymous: 'UNAUTHENTICATED', outsider: 'NULL', member: 'OK', admin: 'OK', platformAdmin: 'OK' },
  },
  {
    field: 'qualityStandardCreate',
    document: `mutation ($input: QualityStandardCreateInput!) { qualityStandardCreate(input: $input) { standard { id } userErrors { code } } }`,
    variables: () => ({ input: { organizationId: h.world.gid.org('police'), areaId: h.world.gid.area('streetA'), name: '標準', serviceLevels: [{ metric: 'PATROLS_PER_DAY', target: 1 }], breachMonths: 2 } }),
    // Only ADMINs of the police station set standards; none of these roles is one.
    expected: { anonymous: 'UNAUTHENTICATED', outsider: 'FORBIDDEN', member: 'FORBIDDEN', admin: 'FORBIDDEN', platformAdmin: 'FORBIDDEN' },
  },
  {
    field: 'contractQualityStandardAdopt',
    document: `mutation ($input: ContractQualityStandardAdoptInput!) { contractQualityStandardAdopt(input: $input) { contract { id } userErrors { code } } }`,
    variables: () => ({ input: { contractId: assessedContract.id, standardId: qualityStandardId, suspendOnBreach: false } }),
    // The client's ADMIN; an outsider does not see the contract.
    expected: { anonymous: 'UNAUTHENTICATED', outsider: 'NOT_FOUND', member: 'FORBIDDEN', admin: 'OK', platformAdmin: 'FORBIDDEN' },
  },
  {
    field: 'qualityStandardEvaluate',
    document: `mutation ($input: QualityStandardEvaluateInput!) { qualityStandardEvaluate(input: $input) { evaluations { id } userErrors { code } } }`,
    variables: () => ({ input: { standardId: qualityStandardId, month: dayOffset(-40) } }),
    // Only the station that set the standard evaluates.
    expected: { anonymous: 'UNAUTHENTICATED', outsider: 'FORBIDDEN', member: 'FORBIDDEN', admin: 'FORBIDDEN', platformAdmin: 'FORBIDDEN' },
  },
  {
    field: 'qualityStandards',
    document: `query ($areaId: ID!) { qualityStandards(areaId: $areaId) { totalCount } }`,
    variables: () => ({ areaId: h.world.gid.area('communityA') }),
    expected: signedIn,
  },
  { field: 'securityFunds', document: `{ securityFunds(first: 1) { totalCount } }`, variables: () => ({}), expected: signedIn },
  {
    field: 'securityFund',
    document: `query ($id: ID!) { securityFund(id: $id) { name } }`,
    variables: () => ({ id: fundId }),
    // The fund's audience (its organisation, overseers, paid teams' and contract parties' organisations) and platform admins.
    expected: { anonymous: 'UNAUTHENTICATED', outsider: 'NULL', member: 'OK', admin: 'OK', platformAdmin: 'OK' },
  },
  {
    field: 'securityFundCreate',
    document: `mutation ($input: SecurityFundCreateInput!) { securityFundCreate(input: $input) { fund { id } userErrors { code } } }`,
    variables: (role) => ({ input: { organizationId: h.world.gid.org('community'), name: `經費 ${role}` } }),
    // People who are ADMINs of the organisation; platform admins do not keep a community's books.
    expected: { anonymous: 'UNAUTHENTICATED', outsider: 'FORBIDDEN', member: 'FORBIDDEN', admin: 'OK', platformAdmin: 'FORBIDDEN' },
  },
  {
    field: 'securityFundUpdate',
    document: `mutation ($input: SecurityFundUpdateInput!) { securityFundUpdate(input: $input) { fund { id } userErrors { code } } }`,
    variables: (role) => ({ input: { fundId, name: `三板橋社區安防經費 ${role}` } }),
    expected: { anonymous: 'UNAUTHENTICATED', outsider: 'NOT_FOUND', member: 'FORBIDDEN', admin: 'OK', platformAdmin: 'FORBIDDEN' },
  },
  {
    field: 'fundEntryRecord',
    document: `mutation ($input: FundEntryRecordInput!) { fundEntryRecord(input: $input) { entry { id } userErrors { code } } }`,
    variables: () => ({ input: { fundId, category: 'SHOPS', occurredOn: dayOffset(0), amountMinor: 5000 } }),
    // People who act for the fund's organisation.
    expected: { anonymous: 'UNAUTHENTICATED', outsider: 'NOT_FOUND', member: 'OK', admin: 'OK', platformAdmin: 'FORBIDDEN' },
  },
  {
    field: 'fundEntryApprove',
    document: `mutation ($input: FundEntryDecideInput!) { fundEntryApprove(input: $input) { entry { id } userErrors { code } } }`,
    variables: (role) => ({ input: { entryId: fundEntries.approve[role] } }),
    // ADMINs and COORDINATORs of the fund's organisation, other than the recorder (the member recorded these).
    expected: { anonymous: 'UNAUTHENTICATED', outsider: 'NOT_FOUND', member: 'FORBIDDEN', admin: 'OK', platformAdmin: 'FORBIDDEN' },
  },
  {
    field: 'fundEntryReject',
    document: `mutation ($input: FundEntryDecideInput!) { fundEntryReject(input: $input) { entry { id } userErrors { code } } }`,
    variables: (role) => ({ input: { entryId: fundEntries.reject[role], reason: '收據不全' } }),
    expected: { anonymous: 'UNAUTHENTICATED', outsider: 'NOT_FOUND', member: 'FORBIDDEN', admin: 'OK', platformAdmin: 'FORBIDDEN' },
  },
  {
    field: 'fundEntryReverse',
    document: `mutation ($input: FundEntryReverseInput!) { fundEntryReverse(input: $input) { entry { id } userErrors { code } } }`,
    variables: (role) => ({ input: { entryId: fundEntries.reverse[role], occurredOn: dayOffset(0), reason: '重複登記' } }),
    expected: { anonymous: 'UNAUTHENTICATED', outsider: 'NOT_FOUND', member: 'OK', admin: 'OK', platformAdmin: 'FORBIDDEN' },
  },
  {
    field: 'fundStatementPublish',
    document: `mutation ($input: FundStatementPublishInput!) { fundStatementPublish(input: $input) { statement { id } userErrors { code } } }`,
    variables: () => ({ input: { fundId, periodStart: dayOffset(-40), periodEnd: dayOffset(-35) } }),
    // People who are ADMINs of the fund's organisation.
    expected: { anonymous: 'UNAUTHENTICATED', outsider: 'NOT_FOUND', member: 'FORBIDDEN', admin: 'OK', platformAdmin: 'FORBIDDEN' },
  },
  {
    field: 'fundPayoutFromHours',
    document: `mutation ($input: FundPayoutFromHoursInput!) { fundPayoutFromHours(input: $input) { entry { id } userErrors { code } } }`,
    variables: (role) => ({ input: { fundId: roster.fundId, rosterEntryId: roster.guard[role], month: dayOffset(-40) } }),
    // Like fundEntryRecord: people who act for the fund's organisation.
    expected: { anonymous: 'UNAUTHENTICATED', outsider: 'NOT_FOUND', member: 'OK', admin: 'OK', platformAdmin: 'FORBIDDEN' },
  },
  {
    field: 'rosterEntryAdd',
    document: `mutation ($input: RosterEntryAddInput!) { rosterEntryAdd(input: $input) { rosterEntry { id } userErrors { code } } }`,
    variables: (role) => ({ input: { teamId: roster.teamId, name: `新隊員 ${role}`, categories: ['VOLUNTEER'], joinedOn: dayOffset(0) } }),
    // ADMINs and COORDINATORs of the team's organisation (and platform admins, as for patrols); outsiders do not see the team.
    expected: { anonymous: 'UNAUTHENTICATED', outsider: 'NOT_FOUND', member: 'FORBIDDEN', admin: 'OK', platformAdmin: 'OK' },
  },
  {
    field: 'rosterEntryUpdate',
    document: `mutation ($input: RosterEntryUpdateInput!) { rosterEntryUpdate(input: $input) { rosterEntry { id } userErrors { code } } }`,
    variables: (role) => ({ input: { rosterEntryId: roster.update[role], phone: '139 0000 1111' } }),
    expected: { anonymous: 'UNAUTHENTICATED', outsider: 'NOT_FOUND', member: 'FORBIDDEN', admin: 'OK', platformAdmin: 'OK' },
  },
  {
    field: 'rosterEntryLeave',
    document: `mutation ($input: RosterEntryLeaveInput!) { rosterEntryLeave(input: $input) { rosterEntry { id } userErrors { code } } }`,
    variables: (role) => ({ input: { rosterEntryId: roster.leave[role], leftOn: dayOffset(0) } }),
    expected: { anonymous: 'UNAUTHENTICATED', outsider: 'NOT_FOUND', member: 'FORBIDDEN', admin: 'OK', platformAdmin: 'OK' },
  },
  {
    field: 'patrolParticipantsRecord',
    document: `mutation ($input: PatrolParticipantsRecordInput!) { patrolParticipantsRecord(input: $input) { patrol { id } userErrors { code } } }`,
    variables: () => ({ input: { patrolId: roster.patrolId, rosterEntryIds: [roster.present, ...Object.values(roster.guard)] } }),
    // Whoever may record the patrol's check-ins: its managers and the team's own members.
    expected: { anonymous: 'UNAUTHENTICATED', outsider: 'NOT_FOUND', member: 'FORBIDDEN', admin: 'OK', platformAdmin: 'OK' },
  },
  {
    field: 'rosterRecognitionAward',
    document: `mutation ($input: RosterRecognitionAwardInput!) { rosterRecognitionAward(input: $input) { recognition { id } userErrors { code } } }`,
    variables: () => ({ input: { rosterEntryId: roster.present, kind: 'POINTS', points: 5, reason: '全月無缺勤' } }),
    // People leading an organisation that sees the team (its own, the community, the police station).
    expected: { anonymous: 'UNAUTHENTICATED', outsider: 'NOT_FOUND', member: 'FORBIDDEN', admin: 'OK', platformAdmin: 'FORBIDDEN' },
  },
  {
    field: 'screeningSpecialPeriods',
    document: `query ($areaId: ID!) { screeningSpecialPeriods(areaId: $areaId) { totalCount } }`,
    variables: () => ({ areaId: h.world.gid.area('communityA') }),
    expected: { anonymous: 'UNAUTHENTICATED', outsider: 'NULL', member: 'OK', admin: 'OK', platformAdmin: 'OK' },
  },
  // ---- legal education (普法) ----
  {
    field: 'legalEducationActivityPlan',
    document: `mutation ($input: LegalEducationActivityPlanInput!) { legalEducationActivityPlan(input: $input) { activity { id } userErrors { code } } }`,
    variables: () => ({ input: { organizerOrganizationId: h.world.gid.org('community'), form: 'LECTURE', topic: '普法講座', areaId: h.world.gid.area('communityA'), startsAt: '2026-12-04T01:00:00Z', endsAt: '2026-12-04T03:00:00Z' } }),
    // Whoever acts for the organiser (誰執法誰普法); a platform admin does not act for an organisation.
    expected: { anonymous: 'UNAUTHENTICATED', outsider: 'FORBIDDEN', member: 'OK', admin: 'OK', platformAdmin: 'FORBIDDEN' },
  },
  {
    field: 'legalEducationPlanSet',
    document: `mutation ($input: LegalEducationPlanSetInput!) { legalEducationPlanSet(input: $input) { plan { id } userErrors { code } } }`,
    variables: () => ({ input: { organizationId: h.world.gid.org('community'), year: 2026, targets: [{ form: 'SCHOOL_CLASS', count: 4 }] } }),
    expected: adminsOnly,
  },
  {
    field: 'legalEducationActivities',
    document: `{ legalEducationActivities(first: 1) { totalCount } }`,
    variables: () => ({}),
    expected: signedIn,
  },
  {
    field: 'legalServiceRooms',
    document: `query ($areaId: ID!) { legalServiceRooms(areaId: $areaId) { totalCount } }`,
    variables: () => ({ areaId: h.world.gid.area('communityA') }),
    expected: signedIn,
  },
  {
    field: 'legalEducationEffect',
    document: `query ($areaId: ID!) { legalEducationEffect(areaId: $areaId, caseCategory: PUBLIC_SECURITY, from: "2026-01", to: "2026-03") { casesBefore } }`,
    variables: () => ({ areaId: h.world.gid.area('communityA') }),
    // Organisations whose jurisdiction covers the area and platform admins; null for anyone else.
    expected: { anonymous: 'UNAUTHENTICATED', outsider: 'NULL', member: 'OK', admin: 'OK', platformAdmin: 'OK' },
  },
  // ---- bulletins ----
  {
    field: 'bulletinIssue',
    document: `mutation ($input: BulletinIssueInput!) { bulletinIssue(input: $input) { bulletin { id } userErrors { code } } }`,
    variables: () => ({ input: { issuerOrganizationId: h.world.gid.org('police'), kind: 'RISK_ALERT', title: '風險提示', body: '入室盜竊', areaId: h.world.gid.area('streetA') } }),
    // ADMINs, COORDINATORs and LIAISON_OFFICERs of the issuing station; none of these roles is one.
    expected: { anonymous: 'UNAUTHENTICATED', outsider: 'FORBIDDEN', member: 'FORBIDDEN', admin: 'FORBIDDEN', platformAdmin: 'FORBIDDEN' },
  },
  { field: 'bulletins', document: `{ bulletins(first: 1) { totalCount } }`, variables: () => ({}), expected: signedIn },
  // ---- the public face ----
  { field: 'publicBoard', document: `query ($areaId: ID!) { publicBoard(areaId: $areaId) { area { name } } }`, variables: () => ({ areaId: h.world.gid.area('city') }), expected: everyone },
  { field: 'publicAreas', document: `{ publicAreas { name } }`, variables: () => ({}), expected: everyone },
  {
    field: 'publicationPublish',
    document: `mutation ($input: PublicationPublishInput!) { publicationPublish(input: $input) { publication { recordType } userErrors { code } } }`,
    variables: () => ({ input: { recordId: toGlobalId('Case', '00000000-0000-4000-8000-000000000000') } }),
    expected: { anonymous: 'UNAUTHENTICATED', outsider: 'NOT_FOUND', member: 'NOT_FOUND', admin: 'NOT_FOUND', platformAdmin: 'NOT_FOUND' },
  },
  { field: 'residentConsultations', document: `{ residentConsultations { question } }`, variables: () => ({}), expected: signedIn },
];

describe('authorization matrix of the foundation operations', () => {
  test.each(ROLES)('given a %s viewer, then every operation answers as the policy says', async (role) => {
    const actual: Record<string, Outcome> = {};
    const expected: Record<string, Outcome> = {};
    for (const c of cases()) {
      actual[c.field] = outcome(await gql(h.server.httpUrl, c.document, c.variables(role), tokenOf(role)), c.field);
      expected[c.field] = c.expected[role];
    }
    expect(actual).toEqual(expected);
  });

  test('given the members list, then only members and platform admins see it; others get null', async () => {
    const seen: Record<string, unknown> = {};
    for (const role of ROLES.filter((r) => r !== 'anonymous')) {
      const response = await gql(h.server.httpUrl, `query ($id: ID!) { organization(id: $id) { members(first: 1) { totalCount } } }`, { id: h.world.gid.org('community') }, tokenOf(role));
      seen[role] = response.body.data.organization.members === null ? 'hidden' : 'visible';
    }
    expect(seen).toEqual({ outsider: 'hidden', member: 'visible', admin: 'visible', platformAdmin: 'visible' });
  });

  test('given an outsider, when asking node() for a membership it may not see, then the answer equals that for an unknown id', async () => {
    const [membership] = await h.server.services.db.query(`SELECT id FROM membership WHERE organization_id = $1 LIMIT 1`, [h.world.orgs.community.id]);
    const hidden = await gql(h.server.httpUrl, `query ($id: ID!) { node(id: $id) { id } }`, { id: toGlobalId('Membership', membership.id) }, h.world.tokens.outsider);
    const unknown = await gql(h.server.httpUrl, `query ($id: ID!) { node(id: $id) { id } }`, { id: toGlobalId('Membership', randomUUID()) }, h.world.tokens.outsider);
    expect(hidden.body).toEqual(unknown.body);
    expect(hidden.body).toEqual({ data: { node: null } });
  });

  test('given a member, when reading a user of another organisation, then the e-mail is hidden', async () => {
    const response = await gql(h.server.httpUrl, `query ($id: ID!) { node(id: $id) { ... on User { displayName email } } }`, { id: h.world.gid.user('policeAdmin') }, h.world.tokens.communityMember);
    expect(response.body.data.node).toEqual({ displayName: 'policeAdmin', email: null });
  });
});
