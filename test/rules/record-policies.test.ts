import 'reflect-metadata';
import { MemberRole, ApiClientScope } from '../../src/shared/auth/roles';
import { Viewer } from '../../src/shared/auth/viewer';
import { caseAccess, canSeeJurisdiction, canCloseOrReopenCase, canComment, canDispatchCase, canSeeReporterContact, canWorkCase, type CaseFacts } from '../../src/modules/case/case.policy';
import { ContractStatus } from '../../src/modules/contract/contract.entity';
import { canDeclineContractFor, canEditContract, canManageContract, canSeeContract, canSignContractFor, contractAudience, SIGNED_STATUSES, type ContractFacts } from '../../src/modules/contract/contract.policy';
import { canActForParticipant, canConvene, canEditAgendaItem, canProposeAgendaItem, canSeeMeeting, meetingVisibleSql, type MeetingFacts } from '../../src/modules/meeting/meeting.policy';
import { actionItemVisibleSql, canAssignActionItems, canSeeActionItem, canWorkOnActionItem } from '../../src/modules/action-item/action-item.policy';
import * as consultation from '../../src/modules/consultation/consultation.policy';
import { canManagePatrols, canRecordPatrolEvents, canSeePatrolRecord, canWatchPatrolArea } from '../../src/modules/patrol/patrol.policy';

/**
 * Record-level rules as tables, one row per role around each line a rule
 * draws (see policy.test.ts). The survivors of the planted-bug run (issue 18)
 * each have a row named after them.
 */
const RESPONSIBLE = 'org-committee';
const SUPERVISOR = 'org-supervisor';
const JURISDICTION = 'org-police';
const PARTNER = 'org-partner';
const OUTSIDER = 'org-outsider';

const as = (org: string, role: MemberRole, id = 'user-1') => Viewer.user(id, false, new Map([[org, role]]));
const platformAdmin = Viewer.user('root', true, new Map());
const signedOut = Viewer.anonymous();

const facts: CaseFacts = {
  responsibleOrganizationId: RESPONSIBLE,
  supervisingOrganizationId: SUPERVISOR,
  jurisdictionOrganizationIds: [JURISDICTION],
  reporterUserIds: ['resident'],
  reporterOrganizationIds: [PARTNER],
};

function answers(rule: (viewer: Viewer) => boolean, rows: Record<string, Viewer>): Record<string, boolean> {
  return Object.fromEntries(Object.entries(rows).map(([name, viewer]) => [name, rule(viewer)]));
}

describe('case rules', () => {
  const rows = {
    jurisdictionAdmin: as(JURISDICTION, MemberRole.ADMIN),
    jurisdictionLiaison: as(JURISDICTION, MemberRole.LIAISON_OFFICER),
    jurisdictionObserver: as(JURISDICTION, MemberRole.OBSERVER),
    responsibleMember: as(RESPONSIBLE, MemberRole.MEMBER),
    responsibleObserver: as(RESPONSIBLE, MemberRole.OBSERVER),
    supervisorMember: as(SUPERVISOR, MemberRole.MEMBER),
    supervisorObserver: as(SUPERVISOR, MemberRole.OBSERVER),
    reporter: Viewer.user('resident', false, new Map()),
    reportingPartnerClient: Viewer.client('c', PARTNER, ApiClientScope.READ_WRITE),
    readOnlyJurisdictionClient: Viewer.client('r', JURISDICTION, ApiClientScope.READ),
    outsiderAdmin: as(OUTSIDER, MemberRole.ADMIN),
    platformAdmin,
    signedOut,
  };

  test('given each viewer, when asking how much of the case it sees, then handling organisations all, reporters the public part', () => {
    expect(answers((v) => caseAccess(v, facts) === 'FULL', rows)).toMatchObject({
      jurisdictionObserver: true, responsibleObserver: true, supervisorObserver: true, reporter: false, reportingPartnerClient: false, outsiderAdmin: false, platformAdmin: true, signedOut: false,
    });
    expect(Object.fromEntries(Object.entries(rows).map(([n, v]) => [n, caseAccess(v, facts)]))).toMatchObject({ reporter: 'PUBLIC', reportingPartnerClient: 'PUBLIC', outsiderAdmin: 'NONE', signedOut: 'NONE' });
  });

  test('given each viewer, when dispatching (triage, assign, close), then acting members of the jurisdiction only, never OBSERVERs', () => {
    expect(answers((v) => canDispatchCase(v, facts), rows)).toEqual({
      jurisdictionAdmin: true, jurisdictionLiaison: true, jurisdictionObserver: false, responsibleMember: false, responsibleObserver: false, supervisorMember: false, supervisorObserver: false,
      reporter: false, reportingPartnerClient: false, readOnlyJurisdictionClient: false, outsiderAdmin: false, platformAdmin: true, signedOut: false,
    });
  });

  test('given each viewer, when starting or resolving, then the responsible organisation may, and dispatchers', () => {
    expect(answers((v) => canWorkCase(v, facts), rows)).toEqual({
      jurisdictionAdmin: true, jurisdictionLiaison: true, jurisdictionObserver: false, responsibleMember: true, responsibleObserver: false, supervisorMember: false, supervisorObserver: false,
      reporter: false, reportingPartnerClient: false, readOnlyJurisdictionClient: false, outsiderAdmin: false, platformAdmin: true, signedOut: false,
    });
    expect(canWorkCase(rows.responsibleMember, { ...facts, responsibleOrganizationId: null })).toBe(false);
    // Acting for any one of several jurisdiction organisations is enough.
    expect(canDispatchCase(rows.jurisdictionAdmin, { ...facts, jurisdictionOrganizationIds: ['org-street', JURISDICTION] })).toBe(true);
  });

  test('given each viewer, when closing or reopening, then the supervising organisation may, and workers', () => {
    expect(answers((v) => canCloseOrReopenCase(v, facts), rows)).toEqual({
      jurisdictionAdmin: true, jurisdictionLiaison: true, jurisdictionObserver: false, responsibleMember: true, responsibleObserver: false, supervisorMember: true, supervisorObserver: false,
      reporter: false, reportingPartnerClient: false, readOnlyJurisdictionClient: false, outsiderAdmin: false, platformAdmin: true, signedOut: false,
    });
    expect(canCloseOrReopenCase(rows.supervisorMember, { ...facts, supervisingOrganizationId: null })).toBe(false);
  });

  test('given each viewer, when commenting internally and publicly, then reporters only publicly', () => {
    expect(answers((v) => canComment(v, facts, true), rows)).toMatchObject({ supervisorMember: true, responsibleMember: true, jurisdictionObserver: false, reporter: false, reportingPartnerClient: false, platformAdmin: true, readOnlyJurisdictionClient: false, outsiderAdmin: false });
    expect(answers((v) => canComment(v, facts, false), rows)).toMatchObject({ reporter: true, reportingPartnerClient: true, outsiderAdmin: false, signedOut: false });
  });

  test('given a jurisdiction, when asking who sees its figures, then organisations covering it and platform admins', () => {
    expect(answers((v) => canSeeJurisdiction(v, [JURISDICTION]), rows)).toMatchObject({ jurisdictionObserver: true, responsibleMember: false, outsiderAdmin: false, platformAdmin: true, signedOut: false });
  });

  test('given each viewer, when asking for an anonymous reporter\'s contact, then the handling organisations only, not the supervisor', () => {
    expect(answers((v) => canSeeReporterContact(v, facts), rows)).toMatchObject({
      responsibleObserver: true, jurisdictionObserver: true, supervisorMember: false, reporter: false, reportingPartnerClient: false, outsiderAdmin: false, platformAdmin: true, signedOut: false,
    });
  });
});

describe('contract rules', () => {
  const CLIENT = 'org-client';
  const PROVIDER = 'org-provider';
  const OVERSEER = 'org-police';
  const base: ContractFacts = { partyOrganizationIds: [CLIENT, PROVIDER], overseerOrganizationIds: [OVERSEER], status: ContractStatus.PROPOSED, createdByOrganizationId: CLIENT };
  const rows = {
    clientAdmin: as(CLIENT, MemberRole.ADMIN),
    clientMember: as(CLIENT, MemberRole.MEMBER),
    clientObserver: as(CLIENT, MemberRole.OBSERVER),
    providerAdmin: as(PROVIDER, MemberRole.ADMIN),
    overseerMember: as(OVERSEER, MemberRole.MEMBER),
    outsiderAdmin: as(OUTSIDER, MemberRole.ADMIN),
    providerReadClient: Viewer.client('r', PROVIDER, ApiClientScope.READ),
    platformAdmin,
    signedOut,
  };

  test('given a proposed contract, when asking who sees it, then parties, overseers and platform admins', () => {
    expect(answers((v) => canSeeContract(v, base), rows)).toEqual({
      clientAdmin: true, clientMember: true, clientObserver: true, providerAdmin: true, overseerMember: true, outsiderAdmin: false, providerReadClient: true, platformAdmin: true, signedOut: false,
    });
  });

  test('given a draft, when asking who sees it, then only the drafter and platform admins: a draft binds nobody', () => {
    expect(answers((v) => canSeeContract(v, { ...base, status: ContractStatus.DRAFT }), rows)).toEqual({
      clientAdmin: true, clientMember: true, clientObserver: true, providerAdmin: false, overseerMember: false, outsiderAdmin: false, providerReadClient: false, platformAdmin: true, signedOut: false,
    });
    expect(contractAudience({ ...base, status: ContractStatus.DRAFT })).toEqual([CLIENT]);
    expect(contractAudience(base).sort()).toEqual([CLIENT, OVERSEER, PROVIDER].sort());
  });

  test('given each viewer, when signing, declining, managing and editing, then ADMINs sign and manage, acting members edit', () => {
    expect(answers((v) => canSignContractFor(v, PROVIDER), rows)).toMatchObject({ providerAdmin: true, clientAdmin: false, providerReadClient: false, platformAdmin: false });
    expect(answers((v) => canDeclineContractFor(v, PROVIDER), rows)).toMatchObject({ providerAdmin: true, clientAdmin: false, providerReadClient: false });
    expect(answers((v) => canManageContract(v, base.partyOrganizationIds), rows)).toMatchObject({ clientAdmin: true, providerAdmin: true, clientMember: false, overseerMember: false, outsiderAdmin: false });
    expect(canManageContract(Viewer.client('r', CLIENT, ApiClientScope.READ), [CLIENT])).toBe(false);
    expect(answers((v) => canEditContract(v, base.partyOrganizationIds), rows)).toMatchObject({ clientMember: true, clientObserver: false, overseerMember: false, providerReadClient: false });
  });

  test('given the statuses, when asking which bind the provider, then only those every party signed', () => {
    expect([...SIGNED_STATUSES].sort()).toEqual([ContractStatus.ACTIVE, ContractStatus.EXPIRED, ContractStatus.SUSPENDED, ContractStatus.TERMINATED].sort());
  });
});

describe('meeting and action item rules', () => {
  const CONVENER = 'org-street';
  const PARTICIPANT = 'org-station';
  const meeting: MeetingFacts = { convenerOrganizationId: CONVENER, participantOrganizationIds: [CONVENER, PARTICIPANT] };
  const rows = {
    convenerMember: as(CONVENER, MemberRole.MEMBER),
    convenerObserver: as(CONVENER, MemberRole.OBSERVER),
    participantMember: as(PARTICIPANT, MemberRole.MEMBER),
    participantObserver: as(PARTICIPANT, MemberRole.OBSERVER),
    responsibleMember: as(RESPONSIBLE, MemberRole.MEMBER),
    outsiderAdmin: as(OUTSIDER, MemberRole.ADMIN),
    platformAdmin,
    signedOut,
  };

  test('given each viewer, when asking about a meeting, then participants see, acting convener members run it', () => {
    expect(answers((v) => canSeeMeeting(v, meeting), rows)).toMatchObject({ convenerObserver: true, participantObserver: true, responsibleMember: false, outsiderAdmin: false, platformAdmin: true, signedOut: false });
    expect(canSeeMeeting(rows.convenerMember, { convenerOrganizationId: CONVENER, participantOrganizationIds: [] })).toBe(true);
    expect(answers((v) => canConvene(v, CONVENER), rows)).toMatchObject({ convenerMember: true, convenerObserver: false, participantMember: false, platformAdmin: true, signedOut: false });
    expect(answers((v) => canProposeAgendaItem(v, meeting), rows)).toMatchObject({ participantMember: true, participantObserver: false, outsiderAdmin: false, convenerMember: true });
    expect(answers((v) => canEditAgendaItem(v, meeting, PARTICIPANT), rows)).toMatchObject({ participantMember: true, convenerMember: true, convenerObserver: false, outsiderAdmin: false });
    expect(answers((v) => canActForParticipant(v, PARTICIPANT), rows)).toMatchObject({ participantMember: true, participantObserver: false });
  });

  test('given each viewer, when asking about an action item, then the responsible organisation sees and works it, the convener assigns it', () => {
    expect(answers((v) => canSeeActionItem(v, meeting, RESPONSIBLE), rows)).toMatchObject({ responsibleMember: true, participantObserver: true, outsiderAdmin: false, signedOut: false });
    expect(answers((v) => canAssignActionItems(v, meeting), rows)).toMatchObject({ convenerMember: true, participantMember: false, responsibleMember: false });
    expect(answers((v) => canWorkOnActionItem(v, meeting, RESPONSIBLE), rows)).toMatchObject({ responsibleMember: true, convenerMember: true, participantMember: false, convenerObserver: false });
  });

  test('given a viewer, when listing meetings and action items in SQL, then the condition names its organisations, and is open only to platform admins', () => {
    expect(meetingVisibleSql(platformAdmin, 'm', 'orgs')).toEqual({ sql: 'TRUE', params: {} });
    const member = meetingVisibleSql(rows.participantMember, 'm', 'orgs');
    expect(member.sql).toContain('m.convener_organization_id = ANY(:orgs)');
    expect(member.sql).toContain('vp.organization_id = ANY(:orgs)');
    expect(member.params).toEqual({ orgs: [PARTICIPANT] });
    expect(actionItemVisibleSql(platformAdmin, 'a', 'orgs')).toEqual({ sql: 'TRUE', params: {} });
    expect(member.sql).toContain('FROM meeting_participant vp WHERE vp.meeting_id = m.id');
    const items = actionItemVisibleSql(rows.responsibleMember, 'a', 'orgs');
    expect(items.sql).toContain('FROM meeting vm WHERE vm.id = a.meeting_id AND (vm.convener_organization_id = ANY(:orgs)');
    expect(items.sql).toContain('a.responsible_organization_id = ANY(:orgs)');
    expect(items.params).toEqual({ orgs: [RESPONSIBLE] });
  });
});

describe('consultation rules', () => {
  const CONVENER = 'org-street';
  const INVITEE = 'org-ngo';
  const facts = { convenerOrganizationId: CONVENER, inviteeOrganizationIds: [INVITEE, CONVENER] };

  test('given each viewer, when asking about a consultation, then participants see it and acting members speak for their own organisation', () => {
    expect(consultation.participantIds(facts)).toEqual([CONVENER, INVITEE]);
    expect(consultation.canSeeConsultation(as(INVITEE, MemberRole.OBSERVER), facts)).toBe(true);
    expect(consultation.canSeeConsultation(as(OUTSIDER, MemberRole.ADMIN), facts)).toBe(false);
    expect(consultation.canSeeConsultation(platformAdmin, facts)).toBe(true);
    expect(consultation.canSeeConsultation(signedOut, facts)).toBe(false);
    expect(consultation.canConvene(as(CONVENER, MemberRole.MEMBER), CONVENER)).toBe(true);
    expect(consultation.canConvene(as(CONVENER, MemberRole.OBSERVER), CONVENER)).toBe(false);
    expect(consultation.canSpeakFor(as(INVITEE, MemberRole.MEMBER), facts, INVITEE)).toBe(true);
    expect(consultation.canSpeakFor(as(INVITEE, MemberRole.OBSERVER), facts, INVITEE)).toBe(false);
    expect(consultation.canSpeakFor(as(OUTSIDER, MemberRole.ADMIN), facts, OUTSIDER)).toBe(false);
  });
});

describe('patrol rules', () => {
  const TEAM_ORG = 'org-security';

  test('given each viewer, when running patrols, then ADMINs and COORDINATORs of the owner only', () => {
    expect(canManagePatrols(as(TEAM_ORG, MemberRole.ADMIN), TEAM_ORG)).toBe(true);
    expect(canManagePatrols(as(TEAM_ORG, MemberRole.COORDINATOR), TEAM_ORG)).toBe(true);
    expect(canManagePatrols(as(TEAM_ORG, MemberRole.MEMBER), TEAM_ORG)).toBe(false);
    expect(canManagePatrols(as(OUTSIDER, MemberRole.ADMIN), TEAM_ORG)).toBe(false);
    expect(canManagePatrols(platformAdmin, TEAM_ORG)).toBe(true);
    expect(canManagePatrols(Viewer.client('r', TEAM_ORG, ApiClientScope.READ), TEAM_ORG)).toBe(false);
  });

  test('given each viewer, when recording check-ins, then team members, coordinators and the owner\'s write clients', () => {
    const team = { teamOrganizationId: TEAM_ORG, viewerIsTeamMember: true };
    const notOnTeam = { ...team, viewerIsTeamMember: false };
    expect(canRecordPatrolEvents(as(TEAM_ORG, MemberRole.MEMBER), team)).toBe(true);
    expect(canRecordPatrolEvents(as(TEAM_ORG, MemberRole.MEMBER), notOnTeam)).toBe(false);
    expect(canRecordPatrolEvents(as(TEAM_ORG, MemberRole.OBSERVER), team)).toBe(false);
    expect(canRecordPatrolEvents(as(TEAM_ORG, MemberRole.COORDINATOR), notOnTeam)).toBe(true);
    expect(canRecordPatrolEvents(Viewer.client('w', TEAM_ORG, ApiClientScope.READ_WRITE), notOnTeam)).toBe(true);
    expect(canRecordPatrolEvents(Viewer.client('w', OUTSIDER, ApiClientScope.READ_WRITE), notOnTeam)).toBe(false);
    expect(canRecordPatrolEvents(Viewer.client('r', TEAM_ORG, ApiClientScope.READ), team)).toBe(false);
  });

  test('given an audience, when asking who sees a patrol record or watches an area, then the audience and platform admins', () => {
    expect(canSeePatrolRecord(as(TEAM_ORG, MemberRole.OBSERVER), [TEAM_ORG])).toBe(true);
    expect(canSeePatrolRecord(as(OUTSIDER, MemberRole.ADMIN), [TEAM_ORG])).toBe(false);
    expect(canSeePatrolRecord(platformAdmin, [])).toBe(true);
    expect(canWatchPatrolArea(platformAdmin, false)).toBe(true);
    expect(canWatchPatrolArea(as(TEAM_ORG, MemberRole.MEMBER), true)).toBe(true);
    expect(canWatchPatrolArea(as(TEAM_ORG, MemberRole.MEMBER), false)).toBe(false);
  });
});
