import 'reflect-metadata';
import { ApiClientScope, MemberRole } from '../../src/shared/auth/roles';
import { Viewer } from '../../src/shared/auth/viewer';
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
