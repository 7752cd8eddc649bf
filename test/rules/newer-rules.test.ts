import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSchema, parse, specifiedRules, validate } from 'graphql';
import { MemberRole, ApiClientScope } from '../../src/shared/auth/roles';
import { Viewer } from '../../src/shared/auth/viewer';
import { canManageApiClients, canManageWebhooks, canSeeWebhooks, eventVisibleTo } from '../../src/shared/auth/policy';
import { canAssessServiceLevels } from '../../src/modules/contract/contract.policy';
import { canAdoptQualityStandard, canEvaluateQuality, canSeeQualityEvaluations, canSetQualityStandard } from '../../src/modules/quality/quality.policy';
import { canSeeScreening, screeningActor, screeningAudience } from '../../src/modules/screening/screening.policy';
import { oneSignInPerOperation } from '../../src/server/limits';

/**
 * The rules the trust-model, partner and figures issues added, as tables
 * (see policy.test.ts for the method): each asked of the roles on both sides
 * of its line.
 */
const POLICE = 'org-police';
const CLIENT = 'org-committee';
const PROVIDER = 'org-security';
const as = (org: string, role: MemberRole, id = 'user-1') => Viewer.user(id, false, new Map([[org, role]]));
const platformAdmin = Viewer.user('root', true, new Map());
const signedOut = Viewer.anonymous();
const readClient = (org: string) => Viewer.client('c', org, ApiClientScope.READ);
const writeClient = (org: string) => Viewer.client('w', org, ApiClientScope.READ_WRITE);

describe('integration settings', () => {
  test('given each viewer, when asking about webhooks and API clients, then ADMINs who are people, and platform admins', () => {
    expect([as(CLIENT, MemberRole.ADMIN), as(CLIENT, MemberRole.COORDINATOR), platformAdmin, writeClient(CLIENT), signedOut].map((v) => canSeeWebhooks(v, CLIENT))).toEqual([true, false, true, false, false]);
    expect([as(CLIENT, MemberRole.ADMIN), as(CLIENT, MemberRole.COORDINATOR), platformAdmin, writeClient(CLIENT), as(POLICE, MemberRole.ADMIN)].map((v) => canManageWebhooks(v, CLIENT))).toEqual([true, false, true, false, false]);
    expect([as(CLIENT, MemberRole.ADMIN), as(CLIENT, MemberRole.MEMBER), platformAdmin, writeClient(CLIENT), as(POLICE, MemberRole.ADMIN)].map((v) => canManageApiClients(v, CLIENT))).toEqual([true, false, true, false, false]);
  });

  test('given an organisation as a webhook audience, then it sees what a read-only member sees, nothing a person sees alone', () => {
    const audience = Viewer.organization(CLIENT);
    expect([audience.kind, audience.userId, audience.clientId, audience.isPlatformAdmin, audience.canWrite, audience.roleIn(CLIENT)]).toEqual(['client', null, null, false, false, MemberRole.MEMBER]);
    expect(eventVisibleTo(audience, { organizationIds: [CLIENT], userIds: [] })).toBe(true);
    expect(eventVisibleTo(audience, { organizationIds: [POLICE], userIds: [] })).toBe(false);
  });
});

describe('figures people can trust', () => {
  const parties = [
    { organizationId: CLIENT, role: 'CLIENT' },
    { organizationId: PROVIDER, role: 'PROVIDER' },
    { organizationId: POLICE, role: 'SUPERVISOR' },
  ];

  test('given a contract, when a custom service level is assessed, then an acting member of the client may, the provider never', () => {
    expect(canAssessServiceLevels(as(CLIENT, MemberRole.MEMBER), parties)).toBe(CLIENT);
    expect(canAssessServiceLevels(as(CLIENT, MemberRole.OBSERVER), parties)).toBeNull();
    expect(canAssessServiceLevels(as(PROVIDER, MemberRole.ADMIN), parties)).toBeNull();
    expect(canAssessServiceLevels(as(POLICE, MemberRole.ADMIN), parties)).toBeNull();
    // Someone in both the client and the provider grades the provider: refused.
    expect(canAssessServiceLevels(Viewer.user('both', false, new Map([[CLIENT, MemberRole.ADMIN], [PROVIDER, MemberRole.MEMBER]])), parties)).toBeNull();
    // An organisation that is client and provider at once cannot grade itself.
    expect(canAssessServiceLevels(as(CLIENT, MemberRole.ADMIN), [{ organizationId: CLIENT, role: 'CLIENT' }, { organizationId: CLIENT, role: 'PROVIDER' }])).toBeNull();
  });

  test('given quality standards, when set, evaluated, seen and adopted, then by the station, its members, and the client\'s ADMIN', () => {
    expect([as(POLICE, MemberRole.ADMIN), as(POLICE, MemberRole.COORDINATOR), readClient(POLICE), platformAdmin].map((v) => canSetQualityStandard(v, POLICE))).toEqual([true, false, false, false]);
    expect([as(POLICE, MemberRole.LIAISON_OFFICER), as(POLICE, MemberRole.OBSERVER), as(PROVIDER, MemberRole.ADMIN)].map((v) => canEvaluateQuality(v, POLICE))).toEqual([true, false, false]);
    expect([as(POLICE, MemberRole.OBSERVER), as(PROVIDER, MemberRole.ADMIN), platformAdmin, signedOut].map((v) => canSeeQualityEvaluations(v, POLICE))).toEqual([true, false, true, false]);
    expect([as(CLIENT, MemberRole.ADMIN), as(CLIENT, MemberRole.MEMBER), as(PROVIDER, MemberRole.ADMIN), readClient(CLIENT)].map((v) => canAdoptQualityStandard(v, parties))).toEqual([true, false, false, false]);
  });

  test('given screening returns, when seen and filed, then the covering organisations and the filer', () => {
    expect([as(POLICE, MemberRole.OBSERVER), as(CLIENT, MemberRole.MEMBER), platformAdmin, signedOut].map((v) => canSeeScreening(v, [POLICE]))).toEqual([true, false, true, false]);
    expect(canSeeScreening(as(CLIENT, MemberRole.MEMBER), [POLICE], CLIENT)).toBe(true);
    expect(canSeeScreening(as(CLIENT, MemberRole.MEMBER), [POLICE], null)).toBe(false);
    const both = Viewer.user('u', false, new Map([[POLICE, MemberRole.MEMBER], [CLIENT, MemberRole.MEMBER]]));
    expect(screeningActor(as(POLICE, MemberRole.MEMBER), [POLICE], null)).toEqual({ organizationId: POLICE, ambiguous: false });
    expect(screeningActor(as(POLICE, MemberRole.OBSERVER), [POLICE], null)).toEqual({ organizationId: null, ambiguous: false });
    expect(screeningActor(both, [POLICE, CLIENT], null)).toEqual({ organizationId: null, ambiguous: true });
    expect(screeningActor(both, [POLICE, CLIENT], CLIENT)).toEqual({ organizationId: CLIENT, ambiguous: false });
    expect(screeningActor(as(POLICE, MemberRole.MEMBER), [POLICE], CLIENT)).toEqual({ organizationId: null, ambiguous: false });
    expect(screeningAudience([POLICE, CLIENT], CLIENT)).toEqual([POLICE, CLIENT]);
  });
});

describe('one sign-in per request', () => {
  const schema = buildSchema(readFileSync(join(__dirname, '../../schema/schema.graphql'), 'utf8'));
  const refused = (document: string) => validate(schema, parse(document), [oneSignInPerOperation]).map((e) => e.message);
  const LOGIN = 'authLogin(input: { email: "a@b.cn", password: "x" }) { userErrors { code } }';
  const MESSAGE = 'At most one sign-in mutation (authLogin, authTokenForClient, authRefresh) per request.';

  test.each([
    ['one sign-in', `mutation { ${LOGIN} }`, []],
    ['two aliased sign-ins', `mutation { a: ${LOGIN} b: ${LOGIN} }`, [MESSAGE]],
    ['a sign-in and a refresh', `mutation { ${LOGIN} authRefresh(input: { refreshToken: "r" }) { userErrors { code } } }`, [MESSAGE]],
    ['a client sign-in twice', 'mutation { a: authTokenForClient(input: { clientId: "c", clientSecret: "s" }) { userErrors { code } } b: authTokenForClient(input: { clientId: "c", clientSecret: "s" }) { userErrors { code } } }', [MESSAGE]],
    ['two sign-ins through fragments', `mutation { ...A ... on Mutation { b: ${LOGIN} } } fragment A on Mutation { a: ${LOGIN} }`, [MESSAGE]],
    ['one sign-in beside other mutations', `mutation { ${LOGIN} authLogout(input: { refreshToken: "r" }) { userErrors { code } } }`, []],
  ])('given %s, when validated, then %j', (_, document, messages) => {
    expect(refused(document)).toEqual(messages);
  });

  test('given a mutation whose fragments spread each other, when validated with the spec rules, then the cycle is reported and the count does not loop', () => {
    const cycle = `mutation { ...A } fragment A on Mutation { ${LOGIN} ...B } fragment B on Mutation { ...A }`;
    const messages = validate(schema, parse(cycle), [...specifiedRules, oneSignInPerOperation]).map((e) => e.message);
    expect(messages).toEqual(['Cannot spread fragment "A" within itself via "B".']);
  });

  test('given two sign-ins, when refused, then the error points at the operation', () => {
    const [error] = validate(schema, parse(`\nmutation Twice { a: ${LOGIN} b: ${LOGIN} }`), [oneSignInPerOperation]);
    expect(error.locations).toEqual([{ line: 2, column: 1 }]);
  });
});
