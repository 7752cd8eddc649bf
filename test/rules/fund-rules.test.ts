import 'reflect-metadata';
import { ApiClientScope, MemberRole } from '../../src/shared/auth/roles';
import { Viewer } from '../../src/shared/auth/viewer';
import { canManageRoster, canSeeRosterContact, recognitionGiver } from '../../src/modules/roster/roster.policy';
import { canApproveFundEntries, canManageFund, canPublishFundStatement, canRecordFundEntry, canSeeFund, isSecondPerson } from '../../src/modules/fund/fund.policy';

/** The security-fund rules as tables (see policy.test.ts for the method): each asked of the roles on both sides of its line. */
const FUND_ORG = 'org-committee';
const OVERSEER = 'org-police';
const as = (org: string, role: MemberRole, id = 'user-1') => Viewer.user(id, false, new Map([[org, role]]));
const rows = {
  admin: as(FUND_ORG, MemberRole.ADMIN),
  coordinator: as(FUND_ORG, MemberRole.COORDINATOR),
  member: as(FUND_ORG, MemberRole.MEMBER),
  observer: as(FUND_ORG, MemberRole.OBSERVER),
  writeClient: Viewer.client('w', FUND_ORG, ApiClientScope.READ_WRITE),
  overseerAdmin: as(OVERSEER, MemberRole.ADMIN),
  platformAdmin: Viewer.user('root', true, new Map()),
  signedOut: Viewer.anonymous(),
};
const answers = (rule: (v: Viewer) => boolean) => Object.fromEntries(Object.entries(rows).map(([n, v]) => [n, rule(v)]));

describe('security fund rules', () => {
  test('given each viewer, when asking who sees, records, approves and publishes, then money moves only by people of the organisation', () => {
    expect(answers((v) => canSeeFund(v, [FUND_ORG, OVERSEER]))).toEqual({ admin: true, coordinator: true, member: true, observer: true, writeClient: true, overseerAdmin: true, platformAdmin: true, signedOut: false });
    expect(answers((v) => canRecordFundEntry(v, FUND_ORG))).toEqual({ admin: true, coordinator: true, member: true, observer: false, writeClient: false, overseerAdmin: false, platformAdmin: false, signedOut: false });
    expect(answers((v) => canApproveFundEntries(v, FUND_ORG))).toEqual({ admin: true, coordinator: true, member: false, observer: false, writeClient: false, overseerAdmin: false, platformAdmin: false, signedOut: false });
    expect(answers((v) => canPublishFundStatement(v, FUND_ORG))).toEqual({ admin: true, coordinator: false, member: false, observer: false, writeClient: false, overseerAdmin: false, platformAdmin: false, signedOut: false });
    expect(answers((v) => canManageFund(v, FUND_ORG))).toEqual({ admin: true, coordinator: false, member: false, observer: false, writeClient: false, overseerAdmin: false, platformAdmin: false, signedOut: false });
  });

  test('given the recorder and another approver, when asking whether each is a second person, then only the other one is', () => {
    expect([isSecondPerson(as(FUND_ORG, MemberRole.ADMIN, 'recorder'), 'recorder'), isSecondPerson(as(FUND_ORG, MemberRole.ADMIN, 'other'), 'recorder'), isSecondPerson(Viewer.anonymous(), 'recorder')]).toEqual([false, true, false]);
  });
});

describe('roster rules', () => {
  const TEAM_ORG = 'org-patrol';
  const POLICE = 'org-police';
  const people = {
    teamAdmin: as(TEAM_ORG, MemberRole.ADMIN),
    teamCoordinator: as(TEAM_ORG, MemberRole.COORDINATOR),
    teamMember: as(TEAM_ORG, MemberRole.MEMBER),
    linkedPerson: Viewer.user('guard-1', false, new Map()),
    policeAdmin: as(POLICE, MemberRole.ADMIN),
    policeLiaison: as(POLICE, MemberRole.LIAISON_OFFICER),
    teamClient: Viewer.client('w', TEAM_ORG, ApiClientScope.READ_WRITE),
    platformAdmin: Viewer.user('root', true, new Map()),
    signedOut: Viewer.anonymous(),
  };
  const ask = (rule: (v: Viewer) => unknown) => Object.fromEntries(Object.entries(people).map(([n, v]) => [n, rule(v)]));

  test('given each viewer, when asking who sees a phone, keeps the roster and gives recognition, then the lines fall where the policy says', () => {
    expect(ask((v) => canSeeRosterContact(v, { teamOrganizationId: TEAM_ORG, linkedUserId: 'guard-1' }))).toEqual({ teamAdmin: true, teamCoordinator: true, teamMember: false, linkedPerson: true, policeAdmin: false, policeLiaison: false, teamClient: false, platformAdmin: true, signedOut: false });
    expect(ask((v) => canManageRoster(v, TEAM_ORG))).toEqual({ teamAdmin: true, teamCoordinator: true, teamMember: false, linkedPerson: false, policeAdmin: false, policeLiaison: false, teamClient: false, platformAdmin: true, signedOut: false });
    expect(ask((v) => recognitionGiver(v, [TEAM_ORG, POLICE]))).toEqual({ teamAdmin: TEAM_ORG, teamCoordinator: TEAM_ORG, teamMember: null, linkedPerson: null, policeAdmin: POLICE, policeLiaison: null, teamClient: null, platformAdmin: null, signedOut: null });
  });

  test('given a roster entry linked to no account, when asking who sees its phone, then no one without an account of their own (a client, the signed-out viewer) matches the missing link', () => {
    expect(ask((v) => canSeeRosterContact(v, { teamOrganizationId: TEAM_ORG, linkedUserId: null }))).toEqual({ teamAdmin: true, teamCoordinator: true, teamMember: false, linkedPerson: false, policeAdmin: false, policeLiaison: false, teamClient: false, platformAdmin: true, signedOut: false });
  });
});
