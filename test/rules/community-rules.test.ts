import 'reflect-metadata';
import { ApiClientScope, MemberRole } from '../../src/shared/auth/roles';
import { Viewer } from '../../src/shared/auth/viewer';
import { canAcknowledgeBulletin, canIssueBulletin, canSeeAllRecipients, canSeeBulletin } from '../../src/modules/bulletin/bulletin.policy';
import {
  canLogLegalConsultation,
  canOrganizeLegalEducation,
  canRunLegalServiceRoom,
  canSeeAreaCaseFigures,
  canSeeLegalEducationPlan,
  canSeeLegalServiceRecords,
  canSetLegalEducationPlan,
} from '../../src/modules/legal-education/legal-education.policy';
import { activityPublisher, casePublisher, contractPublisher, publishingOrganization, withdrawingOrganization } from '../../src/modules/public/public.policy';
import { canRecordParticipants } from '../../src/modules/roster/roster.policy';

/**
 * The community modules' rules (bulletins, legal education, the public face, roster participation) as
 * tables: each rule asked of every kind of viewer on both sides of its line (see policy.test.ts).
 */
const OWN = 'org-own';
const OTHER = 'org-other';
const as = (org: string, role: MemberRole, id = 'user-1') => Viewer.user(id, false, new Map([[org, role]]));
const viewers = {
  admin: as(OWN, MemberRole.ADMIN),
  coordinator: as(OWN, MemberRole.COORDINATOR),
  liaison: as(OWN, MemberRole.LIAISON_OFFICER),
  member: as(OWN, MemberRole.MEMBER),
  observer: as(OWN, MemberRole.OBSERVER),
  writeClient: Viewer.client('w', OWN, ApiClientScope.READ_WRITE),
  readClient: Viewer.client('r', OWN, ApiClientScope.READ),
  otherAdmin: as(OTHER, MemberRole.ADMIN, 'user-2'),
  platformAdmin: Viewer.user('root', true, new Map()),
  signedOut: Viewer.anonymous(),
};
type Answers = Record<keyof typeof viewers, unknown>;
const ask = (rule: (v: Viewer) => unknown): Answers => Object.fromEntries(Object.entries(viewers).map(([n, v]) => [n, rule(v)])) as Answers;

describe('bulletin rules', () => {
  test('given each viewer, when asking who issues for the organisation, then only its speaking roles do, never a client', () => {
    expect(ask((v) => canIssueBulletin(v, OWN))).toEqual({ admin: true, coordinator: true, liaison: true, member: false, observer: false, writeClient: false, readClient: false, otherAdmin: false, platformAdmin: false, signedOut: false });
  });

  test('given a bulletin of OTHER sent to OWN, when asking who sees it, then issuer, recipients and platform admins do', () => {
    expect(ask((v) => canSeeBulletin(v, { issuerOrganizationId: OTHER, recipientOrganizationIds: [OWN] }))).toEqual({ admin: true, coordinator: true, liaison: true, member: true, observer: true, writeClient: true, readClient: true, otherAdmin: true, platformAdmin: true, signedOut: false });
    expect(ask((v) => canSeeBulletin(v, { issuerOrganizationId: OTHER, recipientOrganizationIds: [] }))).toEqual({ admin: false, coordinator: false, liaison: false, member: false, observer: false, writeClient: false, readClient: false, otherAdmin: true, platformAdmin: true, signedOut: false });
  });

  test('given a bulletin issued by OWN, when asking who sees every recipient and who acknowledges for OWN, then the issuer sees all and only those who act for OWN acknowledge', () => {
    expect(ask((v) => canSeeAllRecipients(v, OWN))).toEqual({ admin: true, coordinator: true, liaison: true, member: true, observer: true, writeClient: true, readClient: true, otherAdmin: false, platformAdmin: true, signedOut: false });
    expect(ask((v) => canAcknowledgeBulletin(v, OWN))).toEqual({ admin: true, coordinator: true, liaison: true, member: true, observer: false, writeClient: true, readClient: false, otherAdmin: false, platformAdmin: false, signedOut: false });
  });
});

describe('legal education rules', () => {
  test('given each viewer, when asking who organises activities and runs a legal service room of OWN, then those who act for OWN', () => {
    const actsForOwn = { admin: true, coordinator: true, liaison: true, member: true, observer: false, writeClient: true, readClient: false, otherAdmin: false, platformAdmin: false, signedOut: false };
    expect(ask((v) => canOrganizeLegalEducation(v, OWN))).toEqual(actsForOwn);
    expect(ask((v) => canRunLegalServiceRoom(v, OWN))).toEqual(actsForOwn);
  });

  test('given each viewer, when asking who sets the annual plan of OWN, then its ADMINs and platform admins with write rights', () => {
    expect(ask((v) => canSetLegalEducationPlan(v, OWN))).toEqual({ admin: true, coordinator: false, liaison: false, member: false, observer: false, writeClient: false, readClient: false, otherAdmin: false, platformAdmin: true, signedOut: false });
  });

  test('given OWN overseen by OTHER, when asking who sees the plan, then both organisations and platform admins; without the overseer, OTHER does not', () => {
    expect(ask((v) => canSeeLegalEducationPlan(v, OWN, [OTHER]))).toEqual({ admin: true, coordinator: true, liaison: true, member: true, observer: true, writeClient: true, readClient: true, otherAdmin: true, platformAdmin: true, signedOut: false });
    expect(ask((v) => canSeeLegalEducationPlan(v, OWN, []))).toEqual({ admin: true, coordinator: true, liaison: true, member: true, observer: true, writeClient: true, readClient: true, otherAdmin: false, platformAdmin: true, signedOut: false });
  });

  test('given OTHER holds jurisdiction over the area, when asking who sees its case figures, then OTHER and platform admins only', () => {
    expect(ask((v) => canSeeAreaCaseFigures(v, [OTHER]))).toEqual({ admin: false, coordinator: false, liaison: false, member: false, observer: false, writeClient: false, readClient: false, otherAdmin: true, platformAdmin: true, signedOut: false });
  });

  test('given a room of OWN and a lawyer of OTHER, when asking who logs a consultation, then those who act for either; with no lawyer organisation, for the room only', () => {
    expect(ask((v) => canLogLegalConsultation(v, OWN, OTHER))).toEqual({ admin: true, coordinator: true, liaison: true, member: true, observer: false, writeClient: true, readClient: false, otherAdmin: true, platformAdmin: false, signedOut: false });
    expect(ask((v) => canLogLegalConsultation(v, OTHER, null))).toEqual({ admin: false, coordinator: false, liaison: false, member: false, observer: false, writeClient: false, readClient: false, otherAdmin: true, platformAdmin: false, signedOut: false });
  });

  test('given a room of OTHER, when asking who sees its records, then the room, the lawyers\' and the jurisdiction\'s organisations and platform admins', () => {
    const none = { admin: false, coordinator: false, liaison: false, member: false, observer: false, writeClient: false, readClient: false, otherAdmin: true, platformAdmin: true, signedOut: false };
    const withOwn = { admin: true, coordinator: true, liaison: true, member: true, observer: true, writeClient: true, readClient: true, otherAdmin: true, platformAdmin: true, signedOut: false };
    expect(ask((v) => canSeeLegalServiceRecords(v, { roomOrganizationId: OTHER, lawyerOrganizationIds: [], jurisdictionOrganizationIds: [] }))).toEqual(none);
    expect(ask((v) => canSeeLegalServiceRecords(v, { roomOrganizationId: OTHER, lawyerOrganizationIds: [OWN], jurisdictionOrganizationIds: [] }))).toEqual(withOwn);
    expect(ask((v) => canSeeLegalServiceRecords(v, { roomOrganizationId: OTHER, lawyerOrganizationIds: [], jurisdictionOrganizationIds: [OWN] }))).toEqual(withOwn);
  });
});

describe('public face rules', () => {
  test('given each viewer, when asking for whom they may publish among OTHER then OWN, then the first organisation where a person holds a speaking role', () => {
    expect(ask((v) => publishingOrganization(v, [null, OTHER, OWN]))).toEqual({ admin: OWN, coordinator: OWN, liaison: OWN, member: null, observer: null, writeClient: null, readClient: null, otherAdmin: OTHER, platformAdmin: null, signedOut: null });
  });

  test('given a case supervised by OTHER in an area under OWN, when asking who publishes it, then the supervisor comes first and OWN speaks for itself', () => {
    const answers = ask((v) => casePublisher(v, { supervisingOrganizationId: OTHER, jurisdictionOrganizationIds: [OWN] }));
    expect(answers).toEqual({ admin: OWN, coordinator: OWN, liaison: OWN, member: null, observer: null, writeClient: null, readClient: null, otherAdmin: OTHER, platformAdmin: null, signedOut: null });
    expect(ask((v) => casePublisher(v, { supervisingOrganizationId: null, jurisdictionOrganizationIds: [OWN] })).otherAdmin).toBeNull();
  });

  test('given an activity organised by OWN and a contract with OWN as client, when asking who publishes, then speaking roles for the activity and only ADMINs for the contract', () => {
    expect(ask((v) => activityPublisher(v, OWN))).toEqual({ admin: OWN, coordinator: OWN, liaison: OWN, member: null, observer: null, writeClient: null, readClient: null, otherAdmin: null, platformAdmin: null, signedOut: null });
    expect(ask((v) => contractPublisher(v, [OWN]))).toEqual({ admin: OWN, coordinator: null, liaison: null, member: null, observer: null, writeClient: null, readClient: null, otherAdmin: null, platformAdmin: null, signedOut: null });
  });

  test('given a record published by OWN, when asking who withdraws it, then whoever may publish it now, else OWN\'s speaking roles', () => {
    expect(ask((v) => withdrawingOrganization(v, null, OWN))).toEqual({ admin: OWN, coordinator: OWN, liaison: OWN, member: null, observer: null, writeClient: null, readClient: null, otherAdmin: null, platformAdmin: null, signedOut: null });
    expect(withdrawingOrganization(viewers.member, OTHER, OWN)).toBe(OTHER);
  });
});

describe('roster participation', () => {
  test('given a team of OWN, when asking who records who took part, then the same people who record its check-ins', () => {
    expect(ask((v) => canRecordParticipants(v, { teamOrganizationId: OWN, viewerIsTeamMember: true }))).toEqual({ admin: true, coordinator: true, liaison: true, member: true, observer: false, writeClient: true, readClient: false, otherAdmin: false, platformAdmin: true, signedOut: false });
    expect(ask((v) => canRecordParticipants(v, { teamOrganizationId: OWN, viewerIsTeamMember: false })).member).toBe(false);
  });
});
