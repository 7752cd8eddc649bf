import 'reflect-metadata';
import { MemberRole, ApiClientScope } from '../../src/shared/auth/roles';
import { Viewer } from '../../src/shared/auth/viewer';
import {
  AccessLevel,
  assertAccess,
  authChecker,
  canAnswerRelationshipProposal,
  canCreateOrganization,
  canGrantJurisdictionAs,
  canManageAreas,
  canManageOrganization,
  canManageRelationship,
  canRevokeJurisdiction,
  canSeeApiClients,
  canSeeEmail,
  canSeeMembers,
  canSeeRelationship,
  canSetJurisdiction,
  eventVisibleTo,
  relationshipAgreedByBothEnds,
} from '../../src/shared/auth/policy';

/**
 * The shared rules as a table: each row names a viewer and the answer the
 * rule must give. Every rule is asked of the role just above and just below
 * the line it draws, so moving the line (a planted `||`, a dropped check)
 * turns a row red. Integration tests show the same rules at the API.
 */
const A = 'org-a';
const B = 'org-b';

const user = (roles: Record<string, MemberRole>, id = 'user-1') => Viewer.user(id, false, new Map(Object.entries(roles)));
const viewers = {
  signedOut: Viewer.anonymous(),
  platformAdmin: Viewer.user('root', true, new Map()),
  adminOfA: user({ [A]: MemberRole.ADMIN }),
  coordinatorOfA: user({ [A]: MemberRole.COORDINATOR }),
  memberOfA: user({ [A]: MemberRole.MEMBER }),
  observerOfA: user({ [A]: MemberRole.OBSERVER }),
  adminOfB: user({ [B]: MemberRole.ADMIN }),
  adminOfBoth: user({ [A]: MemberRole.ADMIN, [B]: MemberRole.ADMIN }),
  readClientOfA: Viewer.client('client-r', A, ApiClientScope.READ),
  writeClientOfA: Viewer.client('client-w', A, ApiClientScope.READ_WRITE),
};
type Who = keyof typeof viewers;

function expectAnswers(rule: (viewer: Viewer) => boolean, expected: Partial<Record<Who, boolean>>): void {
  const answers = Object.fromEntries(Object.keys(expected).map((who) => [who, rule(viewers[who as Who])]));
  expect(answers).toEqual(expected);
}

describe('access levels of root operations', () => {
  test.each([
    ['signedOut', AccessLevel.PUBLIC, null],
    ['signedOut', AccessLevel.SIGNED_IN, 'UNAUTHENTICATED'],
    ['signedOut', AccessLevel.WRITE, 'UNAUTHENTICATED'],
    ['readClientOfA', AccessLevel.SIGNED_IN, null],
    ['readClientOfA', AccessLevel.WRITE, 'FORBIDDEN'],
    ['writeClientOfA', AccessLevel.WRITE, null],
    ['memberOfA', AccessLevel.WRITE, null],
    ['adminOfA', AccessLevel.PLATFORM_ADMIN, 'FORBIDDEN'],
    ['platformAdmin', AccessLevel.PLATFORM_ADMIN, null],
  ] as const)('given %s, when an operation needs %s, then %s', (who, level, code) => {
    let thrown: unknown = null;
    try {
      assertAccess(viewers[who], level);
    } catch (error) {
      thrown = error;
    }
    expect(thrown === null ? null : (thrown as { extensions?: { code?: string } }).extensions?.code).toBe(code);
  });

  test('given a read-scope client, when it writes, then the message says its scope is the obstacle', () => {
    expect(() => assertAccess(viewers.readClientOfA, AccessLevel.WRITE)).toThrow('read-only scope');
    expect(() => assertAccess(viewers.adminOfA, AccessLevel.PLATFORM_ADMIN)).toThrow('Only platform administrators may do this.');
  });

  test('given the schema\'s auth checker, when an operation declares levels, then every level is asked', () => {
    const check = (viewer: Viewer, levels: AccessLevel[]) => (authChecker as unknown as (data: { context: { viewer: Viewer } }, levels: AccessLevel[]) => boolean)({ context: { viewer } }, levels);
    expect(check(viewers.memberOfA, [AccessLevel.SIGNED_IN, AccessLevel.WRITE])).toBe(true);
    expect(() => check(viewers.readClientOfA, [AccessLevel.SIGNED_IN, AccessLevel.WRITE])).toThrow('read-only scope');
    expect(() => check(viewers.signedOut, [AccessLevel.SIGNED_IN])).toThrow('Sign in');
  });

  test('given each kind of viewer, then its kind and audit identity say who acted', () => {
    expect([viewers.signedOut.kind, viewers.memberOfA.kind, viewers.writeClientOfA.kind]).toEqual(['anonymous', 'user', 'client']);
    expect(viewers.memberOfA.actor).toEqual({ userId: 'user-1', clientId: null });
    expect(viewers.writeClientOfA.actor).toEqual({ userId: null, clientId: 'client-w' });
  });
});

describe('organisations and people', () => {
  test('given each viewer, when asking who sees a fellow member\'s e-mail, then only the owner, ADMINs of the user\'s organisation and platform admins', () => {
    expectAnswers((v) => canSeeEmail(v, 'user-2', [A]), {
      signedOut: false, platformAdmin: true, adminOfA: true, coordinatorOfA: false, memberOfA: false, observerOfA: false, adminOfB: false, writeClientOfA: false,
    });
    expect(canSeeEmail(viewers.memberOfA, 'user-1', [])).toBe(true);
    // An ADMIN of any one of the user's organisations is enough.
    expect(canSeeEmail(viewers.adminOfA, 'user-2', [B, A])).toBe(true);
  });

  test('given each viewer, when registering an organisation, then platform admins anywhere and a parent\'s ADMIN below it', () => {
    expectAnswers((v) => canCreateOrganization(v, A), { platformAdmin: true, adminOfA: true, coordinatorOfA: false, adminOfB: false, writeClientOfA: false, signedOut: false });
    expectAnswers((v) => canCreateOrganization(v, null), { platformAdmin: true, adminOfA: false });
    expect(canCreateOrganization(Viewer.client('c', A, ApiClientScope.READ), A)).toBe(false);
  });

  test('given each viewer, when managing an organisation, then its ADMIN and platform admins with write rights', () => {
    expectAnswers((v) => canManageOrganization(v, A), { platformAdmin: true, adminOfA: true, coordinatorOfA: false, adminOfB: false, readClientOfA: false, signedOut: false });
    expectAnswers((v) => canManageAreas(v), { platformAdmin: true, adminOfA: false, signedOut: false });
  });

  test('given each viewer, when listing members and API clients, then members see members and only ADMINs see clients', () => {
    expectAnswers((v) => canSeeMembers(v, A), { platformAdmin: true, observerOfA: true, readClientOfA: true, adminOfB: false, signedOut: false });
    expectAnswers((v) => canSeeApiClients(v, A), { platformAdmin: true, adminOfA: true, coordinatorOfA: false, adminOfB: false, signedOut: false });
  });
});

describe('reach is granted, never claimed', () => {
  test('given each viewer, when setting jurisdiction freely, then platform admins only', () => {
    expectAnswers(canSetJurisdiction, { platformAdmin: true, adminOfA: false, adminOfBoth: false, signedOut: false });
    expect(canSetJurisdiction(Viewer.user('root', true, new Map()))).toBe(true);
  });

  test('given each viewer, when delegating as an organisation, then its ADMIN or a platform admin', () => {
    expectAnswers((v) => canGrantJurisdictionAs(v, A), { platformAdmin: true, adminOfA: true, coordinatorOfA: false, adminOfB: false, writeClientOfA: false });
  });

  test('given a delegated grant, when revoking, then the granter\'s ADMIN, the holder\'s ADMIN or a platform admin', () => {
    const delegated = { organizationId: B, grantedByOrganizationId: A };
    expectAnswers((v) => canRevokeJurisdiction(v, delegated), { platformAdmin: true, adminOfA: true, adminOfB: true, coordinatorOfA: false, readClientOfA: false, signedOut: false });
    const byPlatform = { organizationId: B, grantedByOrganizationId: null };
    expectAnswers((v) => canRevokeJurisdiction(v, byPlatform), { adminOfA: false, adminOfB: true });
  });

  test('given a relation between A and B, when proposing, agreeing and answering, then both ends must agree', () => {
    expectAnswers((v) => canManageRelationship(v, A, B), { adminOfA: true, adminOfB: true, coordinatorOfA: false, platformAdmin: true });
    expectAnswers((v) => relationshipAgreedByBothEnds(v, A, B), { adminOfA: false, adminOfB: false, adminOfBoth: true, platformAdmin: true, signedOut: false });
    expect(relationshipAgreedByBothEnds(Viewer.client('c', A, ApiClientScope.READ), A, A)).toBe(false);
    const proposedByA = { fromOrganizationId: A, toOrganizationId: B, proposedByOrganizationId: A };
    expectAnswers((v) => canAnswerRelationshipProposal(v, proposedByA), { adminOfA: false, adminOfB: true, platformAdmin: true, signedOut: false });
    const proposedByB = { ...proposedByA, proposedByOrganizationId: B };
    expectAnswers((v) => canAnswerRelationshipProposal(v, proposedByB), { adminOfA: true, adminOfB: false });
  });

  test('given a proposal and an accepted relation, when asking who sees them, then a proposal only its ends', () => {
    const proposal = { status: 'PROPOSED', fromOrganizationId: A, toOrganizationId: 'org-c' };
    expectAnswers((v) => canSeeRelationship(v, proposal), { memberOfA: true, adminOfB: false, platformAdmin: true, signedOut: false });
    expectAnswers((v) => canSeeRelationship(v, { ...proposal, toOrganizationId: B }), { adminOfB: true });
    expectAnswers((v) => canSeeRelationship(v, { ...proposal, status: 'ACCEPTED' }), { adminOfB: true, signedOut: false });
  });
});

describe('events', () => {
  test('given an event naming organisation A and one user, when asking who receives it, then those named and platform admins', () => {
    const event = { organizationIds: [A], userIds: ['resident'] };
    expectAnswers((v) => eventVisibleTo(v, event), { memberOfA: true, adminOfB: false, platformAdmin: true, signedOut: false });
    expect(eventVisibleTo(Viewer.user('resident', false, new Map()), event)).toBe(true);
    expect(eventVisibleTo(Viewer.user('other', false, new Map()), event)).toBe(false);
  });
});
