import { Field, Float, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Column, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import { LocalDateResolver } from 'graphql-scalars';
import { Node } from '../node/node.type';
import { toGlobalId } from '../../shared/relay/global-id';
import { valueObject, WHY } from '../../shared/relay/value-object';

export enum CaseCategory {
  PUBLIC_SECURITY = 'PUBLIC_SECURITY',
  DISPUTE = 'DISPUTE',
  ILLEGAL_CONSTRUCTION = 'ILLEGAL_CONSTRUCTION',
  ENVIRONMENT = 'ENVIRONMENT',
  LEGAL_AID = 'LEGAL_AID',
  SOCIAL_ASSISTANCE = 'SOCIAL_ASSISTANCE',
  OTHER = 'OTHER',
}

registerEnumType(CaseCategory, {
  name: 'CaseCategory',
  description: 'What a case is about.',
  valuesConfig: {
    PUBLIC_SECURITY: { description: 'Public security (治安): theft, fights, suspicious persons, hazards.' },
    DISPUTE: { description: 'A dispute between residents, neighbours, tenants or businesses (矛盾糾紛).' },
    ILLEGAL_CONSTRUCTION: { description: 'Illegal construction (違法建設); carries a ledger record and a disposal plan.' },
    ENVIRONMENT: { description: 'Environment and sanitation.' },
    LEGAL_AID: { description: 'A request for legal aid or advice.' },
    SOCIAL_ASSISTANCE: { description: 'A request for social assistance.' },
    OTHER: { description: 'Anything else.' },
  },
});

export enum CaseChannel {
  HOTLINE = 'HOTLINE',
  MAILBOX = 'MAILBOX',
  MOBILE_APP = 'MOBILE_APP',
  WECHAT = 'WECHAT',
  WALK_IN = 'WALK_IN',
  PATROL = 'PATROL',
  GRID_INSPECTION = 'GRID_INSPECTION',
  DRONE = 'DRONE',
  URBAN_PLATFORM = 'URBAN_PLATFORM',
}

registerEnumType(CaseChannel, {
  name: 'CaseChannel',
  description: 'How a case reached the platform.',
  valuesConfig: {
    HOTLINE: { description: 'The phone hotline.' },
    MAILBOX: { description: 'A mailbox (信箱), paper or online.' },
    MOBILE_APP: { description: 'The mobile app.' },
    WECHAT: { description: 'WeChat.' },
    WALK_IN: { description: 'In person at an office.' },
    PATROL: { description: 'Raised by a patrol as an incident.' },
    GRID_INSPECTION: { description: 'Found by a grid inspector (網格員).' },
    DRONE: { description: 'Found by drone survey.' },
    URBAN_PLATFORM: { description: 'From the digital urban-management platform (數字城管).' },
  },
});

export enum CaseSeverity {
  LOW = 'LOW',
  MEDIUM = 'MEDIUM',
  HIGH = 'HIGH',
  CRITICAL = 'CRITICAL',
}

registerEnumType(CaseSeverity, {
  name: 'CaseSeverity',
  description: 'How serious a case is; a DISPUTE of HIGH or CRITICAL severity is a major dispute.',
  valuesConfig: {
    LOW: { description: 'Minor.' },
    MEDIUM: { description: 'Ordinary.' },
    HIGH: { description: 'Serious.' },
    CRITICAL: { description: 'Urgent danger to people or property.' },
  },
});

export enum CaseStatus {
  REPORTED = 'REPORTED',
  TRIAGED = 'TRIAGED',
  ASSIGNED = 'ASSIGNED',
  IN_PROGRESS = 'IN_PROGRESS',
  RESOLVED = 'RESOLVED',
  CLOSED = 'CLOSED',
  REOPENED = 'REOPENED',
}

registerEnumType(CaseStatus, {
  name: 'CaseStatus',
  description: 'Where a case stands: REPORTED > TRIAGED > ASSIGNED > IN_PROGRESS > RESOLVED > CLOSED, and REOPENED after RESOLVED or CLOSED.',
  valuesConfig: {
    REPORTED: { description: 'Received, not yet triaged.' },
    TRIAGED: { description: 'Category, severity and due date settled; waiting for a responsible unit.' },
    ASSIGNED: { description: 'A responsible organisation, leader and handler are set.' },
    IN_PROGRESS: { description: 'The handler is working on it.' },
    RESOLVED: { description: 'The handler recorded a resolution; waiting to be closed.' },
    CLOSED: { description: 'Done (or merged into another case as a duplicate).' },
    REOPENED: { description: 'Opened again after it was resolved or closed.' },
  },
});

export enum ReporterVerdict {
  CONFIRMED = 'CONFIRMED',
  DISPUTED = 'DISPUTED',
}

registerEnumType(ReporterVerdict, {
  name: 'ReporterVerdict',
  description: "The reporter's say on a resolution (完善群眾舉報和反饋制度).",
  valuesConfig: {
    CONFIRMED: { description: 'The problem is solved, as far as the reporter can tell.' },
    DISPUTED: { description: 'The reporter says the problem is not solved.' },
  },
});

/** Statuses in which a case still needs work (and may become overdue). */
export const OPEN_STATUSES: CaseStatus[] = [CaseStatus.REPORTED, CaseStatus.TRIAGED, CaseStatus.ASSIGNED, CaseStatus.IN_PROGRESS, CaseStatus.REOPENED];

export function isMajorDispute(category: CaseCategory, severity: CaseSeverity): boolean {
  return category === CaseCategory.DISPUTE && (severity === CaseSeverity.HIGH || severity === CaseSeverity.CRITICAL);
}

@ObjectType({ description: valueObject('A reference to a file kept elsewhere (photo, video, document); the platform stores no files.', WHY.part) })
export class CaseAttachment {
  @Field({ description: 'Where the file can be fetched (http or https URL).' })
  url!: string;

  @Field({ description: 'Media type, e.g. image/jpeg.' })
  mediaType!: string;
}

@Entity('case_record')
@ObjectType({ implements: Node, description: 'Anything reported to the network: a security problem, a dispute, illegal construction, a request for help. Reporters see the public part; the handling organisations see everything.' })
export class Case implements Node {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Field(() => ID, { name: 'id', description: 'Global id.' })
  get globalId(): string {
    return toGlobalId('Case', this.id);
  }

  @Column('text')
  @Field({ description: 'Reference number people can read out on the phone, e.g. SHASHI-2026-000123 (prefix, year, per-year sequence).' })
  reference!: string;

  @Column('text')
  @Field(() => CaseCategory, { description: 'What the case is about.' })
  category!: CaseCategory;

  @Column('text')
  @Field(() => CaseChannel, { description: 'How the case reached the platform.' })
  channel!: CaseChannel;

  @Column('text')
  @Field(() => CaseSeverity, { description: 'How serious the case is.' })
  severity!: CaseSeverity;

  @Column('text')
  @Field(() => CaseStatus, { description: 'Where the case stands.' })
  status!: CaseStatus;

  @Column('text')
  @Field({ description: 'Short title.' })
  title!: string;

  @Column('text')
  @Field({ description: 'What was reported.' })
  description!: string;

  @Column('uuid')
  areaId!: string;

  @Column('double precision', { nullable: true })
  @Field(() => Float, { nullable: true, description: 'Latitude (WGS 84) of the location, when known.' })
  latitude!: number | null;

  @Column('double precision', { nullable: true })
  @Field(() => Float, { nullable: true, description: 'Longitude (WGS 84) of the location, when known.' })
  longitude!: number | null;

  @Column('text', { nullable: true })
  @Field(() => String, { nullable: true, description: 'Street address or description of the place, when given.' })
  address!: string | null;

  @Column('uuid', { nullable: true })
  reporterUserId!: string | null;

  @Column('uuid', { nullable: true })
  reporterOrganizationId!: string | null;

  /** Contact of an anonymous reporter; shown to the handling organisations only. */
  @Column('text', { nullable: true })
  reporterContact!: string | null;

  @Column('uuid', { nullable: true })
  recordedByUserId!: string | null;

  @Column('uuid', { nullable: true })
  recordedByClientId!: string | null;

  @Column('text', { nullable: true })
  externalSource!: string | null;

  @Column('text', { nullable: true })
  @Field(() => String, { nullable: true, description: "The reporting partner system's own id for the case, when it came from one." })
  externalId!: string | null;

  @Column('uuid', { nullable: true })
  patrolId!: string | null;

  @Column('uuid', { nullable: true })
  responsibleOrganizationId!: string | null;

  @Column('uuid', { nullable: true })
  leaderUserId!: string | null;

  @Column('uuid', { nullable: true })
  handlerUserId!: string | null;

  @Column('uuid', { nullable: true })
  supervisingOrganizationId!: string | null;

  @Column('timestamptz', { nullable: true })
  @Field(() => Date, { nullable: true, description: 'When the case was put under public supervision (掛牌督辦); null when it is not.' })
  supervisedAt!: Date | null;

  @Column('timestamptz')
  @Field({ description: 'When the case is due to be resolved (from the defaults per category and severity unless set at triage).' })
  dueAt!: Date;

  @Column('timestamptz', { nullable: true })
  escalatedAt!: Date | null;

  @Column('timestamptz')
  @Field({ description: 'When the case was reported.' })
  reportedAt!: Date;

  @Column('timestamptz', { nullable: true })
  @Field(() => Date, { nullable: true, description: 'When the case was triaged.' })
  triagedAt!: Date | null;

  @Column('timestamptz', { nullable: true })
  @Field(() => Date, { nullable: true, description: 'When the case was (last) assigned.' })
  assignedAt!: Date | null;

  @Column('timestamptz', { nullable: true })
  @Field(() => Date, { nullable: true, description: 'When work (last) started.' })
  startedAt!: Date | null;

  @Column('timestamptz', { nullable: true })
  @Field(() => Date, { nullable: true, description: 'When the case was (last) resolved.' })
  resolvedAt!: Date | null;

  @Column('timestamptz', { nullable: true })
  @Field(() => Date, { nullable: true, description: 'When the case was closed.' })
  closedAt!: Date | null;

  @Column('text', { nullable: true })
  @Field(() => String, { nullable: true, description: 'How the case was resolved.' })
  resolution!: string | null;

  @Column('int', { nullable: true })
  @Field(() => Int, { nullable: true, description: "The reporter's own rating of the resolution, 1 (very unhappy) to 5 (very satisfied), given with `caseFeedback`; the handling organisations cannot set it. Null until the reporter rates." })
  satisfaction!: number | null;

  @Column('timestamptz', { nullable: true })
  @Field(() => Date, { nullable: true, description: 'When the case was first assigned (a reassignment or a reopening does not move it); the end of time to first dispatch.' })
  firstAssignedAt!: Date | null;

  @Column('timestamptz', { nullable: true })
  @Field(() => Date, { nullable: true, description: 'When work first started; the end of report-to-start response time.' })
  firstStartedAt!: Date | null;

  @Column('text', { nullable: true })
  @Field(() => ReporterVerdict, { nullable: true, description: "The reporter's verdict on the latest resolution; null until given (and after a reopening)." })
  reporterVerdict!: ReporterVerdict | null;

  @Column('timestamptz', { nullable: true })
  @Field(() => Date, { nullable: true, description: 'When the reporter gave their verdict.' })
  reporterFeedbackAt!: Date | null;

  @Column('text', { nullable: true })
  @Field(() => String, { nullable: true, description: "The reporter's words with the verdict." })
  reporterComment!: string | null;

  @Column('uuid', { nullable: true })
  mergedIntoId!: string | null;

  @Column('jsonb', { default: () => "'[]'" })
  @Field(() => [CaseAttachment], { description: 'Attached files, as references.' })
  attachments!: CaseAttachment[];

  @Column('int', { default: 1 })
  @Field(() => Int, { description: 'Increments with every change; pass it back as expectedVersion to act only on what you read.' })
  version!: number;

  @Column('timestamptz', { default: () => 'now()' })
  createdAt!: Date;

  @Column('timestamptz', { default: () => 'now()' })
  @Field({ description: 'When the case last changed.' })
  updatedAt!: Date;
}

/** Someone who follows a case without having reported it: the reporter of a duplicate merged into it. */
@Entity('case_follower')
export class CaseFollower {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id!: string;

  @Column('uuid')
  caseId!: string;

  @Column('uuid')
  fromCaseId!: string;

  @Column('uuid', { nullable: true })
  userId!: string | null;

  @Column('uuid', { nullable: true })
  organizationId!: string | null;
}

export enum CaseEventType {
  REPORTED = 'REPORTED',
  TRIAGED = 'TRIAGED',
  ASSIGNED = 'ASSIGNED',
  REASSIGNED = 'REASSIGNED',
  STARTED = 'STARTED',
  COMMENTED = 'COMMENTED',
  RESOLVED = 'RESOLVED',
  CLOSED = 'CLOSED',
  REOPENED = 'REOPENED',
  MERGED = 'MERGED',
  DUPLICATE_MERGED = 'DUPLICATE_MERGED',
  SUPERVISED = 'SUPERVISED',
  ESCALATED = 'ESCALATED',
  LEDGER_RECORDED = 'LEDGER_RECORDED',
  PLAN_SET = 'PLAN_SET',
  PHASE_COMPLETED = 'PHASE_COMPLETED',
  FEEDBACK = 'FEEDBACK',
}

registerEnumType(CaseEventType, {
  name: 'CaseEventType',
  description: 'What happened to a case.',
  valuesConfig: {
    REPORTED: { description: 'The case was reported.' },
    TRIAGED: { description: 'Category, severity and due date were settled.' },
    ASSIGNED: { description: 'A responsible organisation, leader and handler were set.' },
    REASSIGNED: { description: 'The responsible organisation, leader or handler changed.' },
    STARTED: { description: 'Work started.' },
    COMMENTED: { description: 'Someone added a comment.' },
    RESOLVED: { description: 'A resolution was recorded.' },
    CLOSED: { description: 'The case was closed.' },
    REOPENED: { description: 'The case was opened again.' },
    MERGED: { description: 'This case was merged into another as a duplicate.' },
    DUPLICATE_MERGED: { description: 'A duplicate was merged into this case.' },
    SUPERVISED: { description: 'The case was put under public supervision (掛牌督辦).' },
    ESCALATED: { description: 'The case passed its due date unresolved; its leader and supervisors were alerted.' },
    LEDGER_RECORDED: { description: 'The illegal-construction ledger record was written.' },
    PLAN_SET: { description: 'The phased disposal plan was set.' },
    PHASE_COMPLETED: { description: 'A phase of the disposal plan was completed.' },
    FEEDBACK: { description: 'The reporter confirmed or disputed the resolution and rated it (and may have reopened the case).' },
  },
});

export enum CaseEventVisibility {
  PUBLIC = 'PUBLIC',
  INTERNAL = 'INTERNAL',
}

registerEnumType(CaseEventVisibility, {
  name: 'CaseEventVisibility',
  description: 'Who sees a timeline entry.',
  valuesConfig: {
    PUBLIC: { description: 'The reporter too.' },
    INTERNAL: { description: 'The handling organisations only.' },
  },
});

@Entity('case_event')
@ObjectType({ implements: Node, description: 'One step in the timeline of a case. Append-only, so its id is stable: link to a comment or a decision by it.' })
export class CaseEvent implements Node {
  @PrimaryGeneratedColumn('increment', { type: 'bigint' })
  id!: string;

  @Field(() => ID, { name: 'id', description: 'Global id.' })
  get globalId(): string {
    return toGlobalId('CaseEvent', String(this.id));
  }

  @Column('uuid')
  caseId!: string;

  @Column('text')
  @Field(() => CaseEventType, { description: 'What happened.' })
  type!: CaseEventType;

  @Column('text')
  @Field(() => CaseEventVisibility, { description: 'Whether the reporter sees this entry.' })
  visibility!: CaseEventVisibility;

  @Column('uuid', { nullable: true })
  actorUserId!: string | null;

  @Column('uuid', { nullable: true })
  actorClientId!: string | null;

  @Column('text', { nullable: true })
  @Field(() => String, { nullable: true, description: 'Comment or resolution text, when the step has one.' })
  body!: string | null;

  @Column('jsonb', { default: () => "'{}'" })
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- arbitrary JSON
  data!: Record<string, any>;

  @Column('text')
  @Field(() => CaseStatus, { description: 'Status of the case after this step.' })
  statusAfter!: CaseStatus;

  @Column('timestamptz')
  @Field({ description: 'When the step happened.' })
  occurredAt!: Date;
}

export enum FoundHow {
  GRID_INSPECTION = 'GRID_INSPECTION',
  DRONE = 'DRONE',
  URBAN_PLATFORM = 'URBAN_PLATFORM',
  RESIDENT_REPORT = 'RESIDENT_REPORT',
  PATROL = 'PATROL',
  OTHER = 'OTHER',
}

registerEnumType(FoundHow, {
  name: 'IllegalConstructionFoundHow',
  description: 'How an illegal construction was found.',
  valuesConfig: {
    GRID_INSPECTION: { description: 'By a grid inspector on patrol.' },
    DRONE: { description: 'By drone survey.' },
    URBAN_PLATFORM: { description: 'By the digital urban-management platform.' },
    RESIDENT_REPORT: { description: 'Reported by a resident (mailbox, phone, app, WeChat).' },
    PATROL: { description: 'By a security or volunteer patrol.' },
    OTHER: { description: 'Some other way.' },
  },
});

export enum ConstructionClassification {
  NEW = 'NEW',
  EXISTING = 'EXISTING',
  HISTORICAL = 'HISTORICAL',
}

registerEnumType(ConstructionClassification, {
  name: 'IllegalConstructionClassification',
  description: 'Age class of an illegal construction, which decides how it is disposed of.',
  valuesConfig: {
    NEW: { description: 'Newly built (新增), to be stopped and removed at once.' },
    EXISTING: { description: 'Existing (存量), to be removed by plan.' },
    HISTORICAL: { description: 'Left over from history (歷史遺留), to be classified and handled by policy.' },
  },
});

export enum DisposalClass {
  DEMOLISH_HAZARD = 'DEMOLISH_HAZARD',
  DEMOLISH_PRIORITY = 'DEMOLISH_PRIORITY',
  RECTIFY = 'RECTIFY',
  CONFISCATE = 'CONFISCATE',
}

registerEnumType(DisposalClass, {
  name: 'IllegalConstructionDisposalClass',
  description: 'How a historical (or existing) illegal construction is disposed of (分類處置); each class comes with its own phased plan.',
  valuesConfig: {
    DEMOLISH_HAZARD: { description: 'A safety hazard: demolished without fail (堅決拆除存在安全隱患的違法建設), on the shortest plan.' },
    DEMOLISH_PRIORITY: { description: 'Strongly opposed by residents or seriously against the plan: demolished first (優先拆除).' },
    RECTIFY: { description: 'Other historical construction handled by law (依法依規妥善處置): rectified and its procedures completed.' },
    CONFISCATE: { description: 'Confiscated rather than demolished.' },
  },
});

export enum DisposalPhaseKind {
  STOP_ORDER = 'STOP_ORDER',
  DEMOLITION_NOTICE = 'DEMOLITION_NOTICE',
  SELF_DEMOLITION = 'SELF_DEMOLITION',
  FORCED_REMOVAL = 'FORCED_REMOVAL',
  RECTIFICATION = 'RECTIFICATION',
  CONFISCATION = 'CONFISCATION',
  RESTORATION = 'RESTORATION',
  OTHER = 'OTHER',
}

registerEnumType(DisposalPhaseKind, {
  name: 'DisposalPhaseKind',
  description: 'What kind of step a disposal phase is.',
  valuesConfig: {
    STOP_ORDER: { description: 'Order to stop building at once (責令停止施工); the first step for NEW construction (立即予以制止).' },
    DEMOLITION_NOTICE: { description: 'Notice to demolish within a time limit (責令限期拆除).' },
    SELF_DEMOLITION: { description: 'The owner demolishes it.' },
    FORCED_REMOVAL: { description: 'Removal enforced by law.' },
    RECTIFICATION: { description: 'Rectification and completion of procedures.' },
    CONFISCATION: { description: 'Confiscation.' },
    RESTORATION: { description: 'The site restored.' },
    OTHER: { description: 'Any other step.' },
  },
});

@Entity('illegal_construction_ledger')
@ObjectType({ implements: Node, description: 'The ledger record (臺賬) of an illegal-construction case; one per case.' })
export class IllegalConstructionLedgerRecord implements Node {
  @PrimaryColumn('uuid')
  caseId!: string;

  @Field(() => ID, { name: 'id', description: 'Global id (not the case\'s: the record is cached apart from the case).' })
  get globalId(): string {
    return toGlobalId('IllegalConstructionLedgerRecord', this.caseId);
  }

  @Column('text')
  @Field({ description: 'Kind of structure, e.g. rooftop extension, shed, enclosed balcony.' })
  structureType!: string;

  @Column('numeric', { precision: 10, scale: 2, transformer: { to: (v: number) => v, from: (v: string | null) => (v === null ? null : Number(v)) } })
  @Field(() => Float, { description: 'Floor area in square metres.' })
  floorAreaM2!: number;

  @Column('text')
  @Field({ description: 'Who discovered it (person, unit or system).' })
  discoveredBy!: string;

  @Column('text')
  @Field(() => FoundHow, { description: 'How it was found.' })
  foundHow!: FoundHow;

  @Column('text')
  @Field(() => ConstructionClassification, { description: 'NEW, EXISTING or HISTORICAL.' })
  classification!: ConstructionClassification;

  @Column('boolean')
  @Field({ description: 'Whether the structure is a safety hazard.' })
  safetyHazard!: boolean;

  @Column('text', { nullable: true })
  @Field(() => DisposalClass, { nullable: true, description: 'How a HISTORICAL (or EXISTING) construction is disposed of; decides its plan. Null for NEW construction (stopped and removed at once) and for EXISTING ones planned by hand.' })
  disposalClass!: DisposalClass | null;

  @Column('int', { default: 1 })
  @Field(() => Int, { description: 'Increments with every change.' })
  version!: number;

  @Column('timestamptz', { default: () => 'now()' })
  @Field({ description: 'When the record was first written.' })
  createdAt!: Date;

  @Column('timestamptz', { default: () => 'now()' })
  @Field({ description: 'When the record last changed.' })
  updatedAt!: Date;
}

@Entity('disposal_plan_phase')
@ObjectType({ implements: Node, description: 'One phase of the disposal plan of an illegal construction (e.g. notice, self-demolition, forced removal, site restoration).' })
export class DisposalPlanPhase implements Node {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Field(() => ID, { name: 'id', description: 'Global id.' })
  get globalId(): string {
    return toGlobalId('DisposalPlanPhase', this.id);
  }

  @Column('uuid')
  caseId!: string;

  @Column('int')
  @Field(() => Int, { description: 'Position in the plan, from 1.' })
  ordinal!: number;

  @Column('text')
  @Field({ description: 'What this phase achieves.' })
  title!: string;

  @Column('text', { default: 'OTHER' })
  @Field(() => DisposalPhaseKind, { description: 'What kind of step the phase is.' })
  kind!: DisposalPhaseKind;

  @Column('date')
  @Field(() => LocalDateResolver, { description: 'When the phase is due.' })
  dueOn!: string;

  @Column('date', { nullable: true })
  @Field(() => LocalDateResolver, { nullable: true, description: 'When the phase was completed; null while open.' })
  completedOn!: string | null;

  @Column('text', { nullable: true })
  @Field(() => String, { nullable: true, description: 'Note on completion.' })
  note!: string | null;
}
