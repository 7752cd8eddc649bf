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
import { OrganizationResolver } from './organization/organization.resolver';
import { Relationship } from './relationship/relationship.entity';
import { NetworkResolver, RelationshipResolver } from './relationship/relationship.resolver';
import { User } from './user/user.entity';
import { UserResolver } from './user/user.resolver';
import { AgendaItem, Meeting, MeetingParticipant, MeetingSeries } from './meeting/meeting.entity';
import { AgendaItemResolver, MeetingChangeResolver, MeetingParticipantResolver, MeetingResolver, MeetingSeriesResolver } from './meeting/meeting.resolver';
import { ActionItem } from './action-item/action-item.entity';
import { ActionItemResolver } from './action-item/action-item.resolver';
import { Contract, ContractArea, ContractClause, ContractParty, ContractServiceLevel, ContractSignature, ContractVersion } from './contract/contract.entity';
import { ContractPartyResolver, ContractResolver, ContractSignatureResolver, ContractTermsResolver, ContractUpdateResolver, ContractVersionResolver, OrganizationContractsResolver } from './contract/contract.resolver';
import { Consultation, ConsultationInvitee, ConsultationPosition, ConsultationProposal } from './consultation/consultation.entity';
import { ConsultationPositionResolver, ConsultationPositionSummaryResolver, ConsultationProposalResolver, ConsultationResolver, ConsultationUpdateResolver } from './consultation/consultation.resolver';
import { Case, CaseEvent, CaseFollower, DisposalPlanPhase, IllegalConstructionLedgerRecord } from './case/case.entity';
import { CaseEventResolver, CaseResolver, CaseUpdateResolver, IllegalConstructionLedgerResolver } from './case/case.resolver';
import { DashboardResolver, UnitPerformanceResolver } from './dashboard/dashboard.resolver';

/** Every TypeORM entity; the schema itself comes from migrations, never from these. */
export const allEntities = [AuditEntry, EventRecord, Area, Organization, OrganizationJurisdiction, User, Membership, Relationship, ApiClient, MeetingSeries, Meeting, MeetingParticipant, AgendaItem, ActionItem, Contract, ContractParty, ContractArea, ContractClause, ContractServiceLevel, ContractVersion, ContractSignature, Consultation, ConsultationInvitee, ConsultationPosition, ConsultationProposal, Case, CaseFollower, CaseEvent, IllegalConstructionLedgerRecord, DisposalPlanPhase];

/** Every type-graphql resolver. */
export const allResolvers: NonEmptyArray<Function> = [
  NodeResolver,
  AuthResolver,
  AreaResolver,
  OrganizationResolver,
  UserResolver,
  MembershipResolver,
  RelationshipResolver,
  NetworkResolver,
  ApiClientResolver,
  NetworkChangeResolver,
  MeetingResolver,
  MeetingSeriesResolver,
  MeetingParticipantResolver,
  AgendaItemResolver,
  MeetingChangeResolver,
  ActionItemResolver,
  ContractResolver,
  ContractPartyResolver,
  ContractSignatureResolver,
  ContractVersionResolver,
  ContractTermsResolver,
  OrganizationContractsResolver,
  ContractUpdateResolver,
  ConsultationResolver,
  ConsultationPositionSummaryResolver,
  ConsultationPositionResolver,
  ConsultationProposalResolver,
  ConsultationUpdateResolver,
  CaseResolver,
  CaseUpdateResolver,
  CaseEventResolver,
  IllegalConstructionLedgerResolver,
  DashboardResolver,
  UnitPerformanceResolver,
];
