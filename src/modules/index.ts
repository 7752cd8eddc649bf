import type { NonEmptyArray } from 'type-graphql';
import { AuditEntry } from '../shared/audit/audit.entity';
import { EventRecord } from '../shared/events/event.entity';
import { ApiClient } from './api-client/api-client.entity';
import { ApiClientResolver } from './api-client/api-client.resolver';
import { Area } from './area/area.entity';
import { AreaResolver } from './area/area.resolver';
import { AuthResolver } from './auth/auth.resolver';
import { Membership } from './membership/membership.entity';
import { MembershipResolver } from './membership/membership.resolver';
import { NetworkChangeResolver } from './network/network.resolver';
import { NodeResolver } from './node/node.resolver';
import { Organization, OrganizationJurisdiction } from './organization/organization.entity';
import { JurisdictionGrantResolver, OrganizationResolver } from './organization/organization.resolver';
import { Relationship } from './relationship/relationship.entity';
import { NetworkResolver, RelationshipResolver } from './relationship/relationship.resolver';
import { User } from './user/user.entity';
import { UserResolver } from './user/user.resolver';
import { Case, CaseEvent, CaseFollower, DisposalPlanPhase, IllegalConstructionLedgerRecord } from './case/case.entity';
import { Contract, ContractArea, ContractClause, ContractParty, ContractServiceLevel, ContractSignature, ContractVersion } from './contract/contract.entity';
import { ServiceLevelAssessment } from './contract/contract.assessment';
import { ServiceLevelAssessmentResolver } from './contract/contract.assessment.resolver';
import { ContractPartyResolver, ContractResolver, ContractSignatureResolver, ContractTermsResolver, ContractUpdateResolver, ContractVersionResolver, OrganizationContractsResolver } from './contract/contract.resolver';
import { AgendaItem, Meeting, MeetingParticipant, MeetingSeries } from './meeting/meeting.entity';
import { AgendaItemResolver, MeetingChangeResolver, MeetingParticipantResolver, MeetingResolver, MeetingSeriesResolver } from './meeting/meeting.resolver';
import { ActionItem } from './action-item/action-item.entity';
import { ActionItemResolver } from './action-item/action-item.resolver';
import { CaseEventResolver, CaseResolver, CaseUpdateResolver, IllegalConstructionLedgerResolver } from './case/case.resolver';
import { Consultation, ConsultationInvitee, ConsultationPosition, ConsultationProposal } from './consultation/consultation.entity';
import { ConsultationPositionResolver, ConsultationPositionSummaryResolver, ConsultationProposalResolver, ConsultationResolver, ConsultationUpdateResolver } from './consultation/consultation.resolver';
import { Checkpoint, Patrol, PatrolEvent, PatrolPlannedCheckpoint, PatrolTeam, PatrolTeamMember, Route, RouteCheckpoint } from './patrol/patrol.entity';
import { patrolResolvers } from './patrol/patrol.resolver';
import './patrol/patrol.jobs';
import { DashboardResolver, UnitPerformanceResolver } from './dashboard/dashboard.resolver';
import { EventFeedResolver } from './event-feed/event-feed.resolver';
import { WebhookDelivery, WebhookEndpoint } from './webhook/webhook.entity';
import { WebhookDeliveryResolver, WebhookEndpointResolver } from './webhook/webhook.resolver';
import { ScreeningRound, ScreeningRoundCase, ScreeningSpecialPeriod } from './screening/screening.entity';
import { QualityEvaluation, QualityStandard } from './quality/quality.entity';
import { ContractQualityResolver, QualityEvaluationResolver, QualityStandardResolver } from './quality/quality.resolver';
import { FundEntry, FundStatement, SecurityFund, SecurityFundTeam } from './fund/fund.entity';
import { fundResolvers } from './fund/fund.resolver';
import { PatrolParticipant, RosterEntry, RosterRecognition } from './roster/roster.entity';
import { rosterResolvers } from './roster/roster.resolver';
import { ScreeningRoundResolver, ScreeningSlotResolver, ScreeningSpecialPeriodResolver } from './screening/screening.resolver';
import { LegalEducationActivity, LegalEducationCase, LegalEducationPlan } from './legal-education/legal-education.entity';
import { LegalConsultation, LegalServiceDuty, LegalServiceRoom } from './legal-education/legal-service.entity';
import { legalEducationResolvers } from './legal-education/legal-education.resolver';
import { Bulletin, BulletinRecipient, BulletinWatch } from './bulletin/bulletin.entity';
import { bulletinResolvers } from './bulletin/bulletin.resolver';
import { Publication } from './public/public.entity';
import { publicResolvers } from './public/public.resolver';
import './public/public.jobs';
import { ConsultationResidentPosition, ConsultationResidentsResolver } from './consultation/consultation.residents';

/** Every TypeORM entity; the schema itself comes from migrations, never from these. */
export const allEntities = [AuditEntry, EventRecord, Area, Organization, OrganizationJurisdiction, User, Membership, Relationship, ApiClient, Case, CaseFollower, CaseEvent, IllegalConstructionLedgerRecord, DisposalPlanPhase, Contract, ContractParty, ContractArea, ContractClause, ContractServiceLevel, ContractVersion, ContractSignature, ServiceLevelAssessment, MeetingSeries, Meeting, MeetingParticipant, AgendaItem, ActionItem, Consultation, ConsultationInvitee, ConsultationPosition, ConsultationProposal, PatrolTeam, PatrolTeamMember, Checkpoint, Route, RouteCheckpoint, Patrol, PatrolPlannedCheckpoint, PatrolEvent, WebhookEndpoint, WebhookDelivery, ScreeningSpecialPeriod, ScreeningRound, ScreeningRoundCase, QualityStandard, QualityEvaluation, LegalEducationActivity, LegalEducationCase, LegalEducationPlan, LegalServiceRoom, LegalServiceDuty, LegalConsultation, SecurityFund, SecurityFundTeam, FundEntry, FundStatement, Bulletin, BulletinRecipient, BulletinWatch, RosterEntry, PatrolParticipant, RosterRecognition, Publication, ConsultationResidentPosition];

/** Every type-graphql resolver. */
export const allResolvers: NonEmptyArray<Function> = [
  NodeResolver,
  AuthResolver,
  AreaResolver,
  OrganizationResolver,
  JurisdictionGrantResolver,
  UserResolver,
  MembershipResolver,
  RelationshipResolver,
  NetworkResolver,
  ApiClientResolver,
  NetworkChangeResolver,
  ContractResolver,
  ContractPartyResolver,
  ContractSignatureResolver,
  ContractVersionResolver,
  ContractTermsResolver,
  OrganizationContractsResolver,
  ContractUpdateResolver,
  ServiceLevelAssessmentResolver,
  MeetingResolver,
  MeetingSeriesResolver,
  MeetingParticipantResolver,
  AgendaItemResolver,
  MeetingChangeResolver,
  ActionItemResolver,
  CaseResolver,
  CaseUpdateResolver,
  CaseEventResolver,
  IllegalConstructionLedgerResolver,
  ConsultationResolver,
  ConsultationPositionSummaryResolver,
  ConsultationPositionResolver,
  ConsultationProposalResolver,
  ConsultationUpdateResolver,
  ...patrolResolvers,
  DashboardResolver,
  UnitPerformanceResolver,
  EventFeedResolver,
  WebhookEndpointResolver,
  WebhookDeliveryResolver,
  ScreeningRoundResolver,
  ScreeningSpecialPeriodResolver,
  ScreeningSlotResolver,
  QualityStandardResolver,
  QualityEvaluationResolver,
  ContractQualityResolver,
  ...legalEducationResolvers,
  ...fundResolvers,
  ...bulletinResolvers,
  ...rosterResolvers,
  ...publicResolvers,
  ConsultationResidentsResolver,
];
