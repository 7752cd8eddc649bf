import { Field, Float, ID, InputType, Int, ObjectType } from 'type-graphql';
import { LocalDateResolver } from 'graphql-scalars';
import { UserError } from '../../shared/errors';
import { Case, CaseCategory, CaseChannel, CaseSeverity, ConstructionClassification, DisposalClass, DisposalPhaseKind, FoundHow, ReporterVerdict } from './case.entity';

@InputType({ description: 'A file attached by reference.' })
export class CaseAttachmentInput {
  @Field({ description: 'http(s) URL of the file (up to 2,000 characters).' })
  url!: string;

  @Field({ description: 'Media type, e.g. image/jpeg.' })
  mediaType!: string;
}

@InputType({ description: 'A new case.' })
export class CaseReportInput {
  @Field(() => ID, { description: 'Area where it happens (as deep as known, e.g. a grid).' })
  areaId!: string;

  @Field({ description: 'Short title (1-200 characters).' })
  title!: string;

  @Field({ description: 'What happened (1-10,000 characters).' })
  description!: string;

  @Field(() => CaseCategory, { nullable: true, description: 'What it is about, if the reporter knows; default OTHER. Triage may change it.' })
  category?: CaseCategory | null;

  @Field(() => CaseSeverity, { nullable: true, description: 'How serious, if the reporter knows; default MEDIUM. Triage may change it.' })
  severity?: CaseSeverity | null;

  @Field(() => CaseChannel, {
    nullable: true,
    description:
      'How it reached you; default MOBILE_APP for people, URBAN_PLATFORM for partner systems. Residents (people in no organisation) may use HOTLINE, MAILBOX, MOBILE_APP, WECHAT or WALK_IN only: DRONE, PATROL, GRID_INSPECTION and URBAN_PLATFORM belong to the organisations that run them (NOT_PERMITTED_HERE).',
  })
  channel?: CaseChannel | null;

  @Field(() => Float, { nullable: true, description: 'Latitude (WGS 84).' })
  latitude?: number | null;

  @Field(() => Float, { nullable: true, description: 'Longitude (WGS 84).' })
  longitude?: number | null;

  @Field(() => String, { nullable: true, description: 'Address or description of the place (up to 500 characters).' })
  address?: string | null;

  @Field(() => Boolean, { nullable: true, description: 'Report without a named reporter (e.g. a hotline call taken by staff). The case then has no reporter account; `reporterContact` may hold a way to call back.' })
  anonymous?: boolean | null;

  @Field(() => String, { nullable: true, description: 'How to reach an anonymous reporter (up to 200 characters); shown to the handling organisations only.' })
  reporterContact?: string | null;

  @Field(() => String, { nullable: true, description: "Your own system's id for this case (up to 200 characters). Sending the same id again returns the case created the first time instead of a new one." })
  externalId?: string | null;

  @Field(() => [CaseAttachmentInput], { nullable: true, description: 'Files, as references (at most 20).' })
  attachments?: CaseAttachmentInput[] | null;
}

@InputType({ description: 'Triage of a reported case.' })
export class CaseTriageInput {
  @Field(() => ID, { description: 'The case.' })
  caseId!: string;

  @Field(() => Int, { nullable: true, description: 'The version you read; when given and no longer current, the change is refused with CONFLICT.' })
  expectedVersion?: number | null;

  @Field(() => CaseCategory, { description: 'Settled category.' })
  category!: CaseCategory;

  @Field(() => CaseSeverity, { description: 'Settled severity.' })
  severity!: CaseSeverity;

  @Field(() => Date, { nullable: true, description: 'Due date; default from the defaults per category and severity, counted from the report. Must lie in the future.' })
  dueAt?: Date | null;

  @Field(() => ID, { nullable: true, description: 'Responsible organisation (定單位). Required, with leader and handler, for a major dispute (DISPUTE of HIGH or CRITICAL severity); when all three are given the case is assigned at once.' })
  responsibleOrganizationId?: string | null;

  @Field(() => ID, { nullable: true, description: 'Responsible leader (定領導), a member of the responsible organisation.' })
  leaderUserId?: string | null;

  @Field(() => ID, { nullable: true, description: 'Handler (定責任人), a member of the responsible organisation.' })
  handlerUserId?: string | null;

  @Field(() => String, { nullable: true, description: 'Internal note (up to 2,000 characters).' })
  note?: string | null;
}

@InputType({ description: 'Assignment of a case to a responsible organisation, leader and handler.' })
export class CaseAssignInput {
  @Field(() => ID, { description: 'The case.' })
  caseId!: string;

  @Field(() => Int, { nullable: true, description: 'The version you read; when given and no longer current, the change is refused with CONFLICT.' })
  expectedVersion?: number | null;

  @Field(() => ID, { description: 'Responsible organisation (定單位).' })
  responsibleOrganizationId!: string;

  @Field(() => ID, { description: 'Responsible leader (定領導), a member of the responsible organisation.' })
  leaderUserId!: string;

  @Field(() => ID, { description: 'Handler (定責任人), a member of the responsible organisation.' })
  handlerUserId!: string;

  @Field(() => String, { nullable: true, description: 'Internal note (up to 2,000 characters).' })
  note?: string | null;
}

@InputType({ description: 'A step on a case that needs nothing but an optional note.' })
export class CaseStepInput {
  @Field(() => ID, { description: 'The case.' })
  caseId!: string;

  @Field(() => Int, { nullable: true, description: 'The version you read; when given and no longer current, the change is refused with CONFLICT.' })
  expectedVersion?: number | null;

  @Field(() => String, { nullable: true, description: 'Internal note (up to 2,000 characters).' })
  note?: string | null;
}

@InputType({ description: 'A comment on a case.' })
export class CaseCommentInput {
  @Field(() => ID, { description: 'The case.' })
  caseId!: string;

  @Field({ description: 'The comment (1-5,000 characters).' })
  body!: string;

  @Field(() => Boolean, { defaultValue: false, description: 'Show the comment to the reporter. Reporters can only write such comments.' })
  visibleToReporter!: boolean;
}

@InputType({ description: 'The resolution of a case.' })
export class CaseResolveInput {
  @Field(() => ID, { description: 'The case.' })
  caseId!: string;

  @Field(() => Int, { nullable: true, description: 'The version you read; when given and no longer current, the change is refused with CONFLICT.' })
  expectedVersion?: number | null;

  @Field({ description: 'How the case was resolved (1-5,000 characters); the reporter sees it.' })
  resolution!: string;
}

@InputType({ description: 'Closing a resolved case.' })
export class CaseCloseInput {
  @Field(() => ID, { description: 'The case.' })
  caseId!: string;

  @Field(() => Int, { nullable: true, description: 'The version you read; when given and no longer current, the change is refused with CONFLICT.' })
  expectedVersion?: number | null;

  @Field(() => Int, {
    nullable: true,
    deprecationReason: 'The rating is the reporter\'s own (caseFeedback); a value here is refused with NOT_PERMITTED_HERE.',
    description: 'Not accepted: the handling organisation cannot rate its own work.',
  })
  satisfaction?: number | null;

  @Field(() => String, { nullable: true, description: 'Internal note (up to 2,000 characters).' })
  note?: string | null;
}

@InputType({ description: 'Reopening a resolved or closed case.' })
export class CaseReopenInput {
  @Field(() => ID, { description: 'The case.' })
  caseId!: string;

  @Field(() => Int, { nullable: true, description: 'The version you read; when given and no longer current, the change is refused with CONFLICT.' })
  expectedVersion?: number | null;

  @Field({ description: 'Why it is reopened (1-2,000 characters); the reporter sees it.' })
  reason!: string;
}

@InputType({ description: "The reporter's say on a resolution (完善群眾舉報和反饋制度)." })
export class CaseFeedbackInput {
  @Field(() => ID, { description: 'The case; it must be RESOLVED or CLOSED, and you must be its reporter.' })
  caseId!: string;

  @Field(() => ReporterVerdict, { description: 'Whether the problem is solved.' })
  verdict!: ReporterVerdict;

  @Field(() => Int, { description: 'Your rating of the resolution, 1 (very unhappy) to 5 (very satisfied).' })
  rating!: number;

  @Field(() => String, { nullable: true, description: 'What you want to say (up to 2,000 characters); the handling organisations see it.' })
  comment?: string | null;

  @Field({ defaultValue: false, description: "With verdict DISPUTED: reopen the case, with a new due date. Allowed within 15 days of the resolution." })
  reopen!: boolean;
}

@InputType({ description: 'Merging a duplicate into the original case.' })
export class CaseMergeInput {
  @Field(() => ID, { description: 'The duplicate; it is closed, and its reporter follows the original.' })
  duplicateId!: string;

  @Field(() => ID, { description: 'The original case, which stays open.' })
  originalId!: string;

  @Field(() => String, { nullable: true, description: 'Internal note (up to 2,000 characters).' })
  note?: string | null;
}

@InputType({ description: 'Putting a case under public supervision (掛牌督辦).' })
export class CaseSuperviseInput {
  @Field(() => ID, { description: 'The case.' })
  caseId!: string;

  @Field(() => ID, { description: 'The supervising organisation; it sees the case and its escalations from now on.' })
  supervisingOrganizationId!: string;

  @Field(() => String, { nullable: true, description: 'Public note (up to 2,000 characters).' })
  note?: string | null;
}

@InputType({ description: 'The ledger record (臺賬) of an illegal-construction case; creates or replaces it.' })
export class CaseLedgerSetInput {
  @Field(() => ID, { description: 'The ILLEGAL_CONSTRUCTION case.' })
  caseId!: string;

  @Field({ description: 'Kind of structure (1-200 characters).' })
  structureType!: string;

  @Field(() => Float, { description: 'Floor area in square metres (more than 0, below 100,000,000).' })
  floorAreaM2!: number;

  @Field({ description: 'Who discovered it (1-200 characters).' })
  discoveredBy!: string;

  @Field(() => FoundHow, { description: 'How it was found.' })
  foundHow!: FoundHow;

  @Field(() => ConstructionClassification, { description: 'NEW, EXISTING or HISTORICAL.' })
  classification!: ConstructionClassification;

  @Field({ description: 'Whether it is a safety hazard.' })
  safetyHazard!: boolean;

  @Field(() => DisposalClass, {
    nullable: true,
    description:
      'How it is disposed of: required for HISTORICAL (a safety hazard must be DEMOLISH_HAZARD), optional for EXISTING, not for NEW. When the case has no plan yet, the class (or NEW) sets its plan and due date: NEW gets a stop order within a day and a short deadline; a class its own phased plan.',
  })
  disposalClass?: DisposalClass | null;
}

@InputType({ description: 'One phase of a disposal plan.' })
export class DisposalPhaseInput {
  @Field({ description: 'What the phase achieves (1-200 characters).' })
  title!: string;

  @Field(() => LocalDateResolver, { description: 'When it is due.' })
  dueOn!: string;

  @Field(() => DisposalPhaseKind, { nullable: true, description: 'What kind of step it is; OTHER when left out. A NEW construction\'s plan opens with a STOP_ORDER until one is completed.' })
  kind?: DisposalPhaseKind | null;
}

@InputType({ description: 'The phased disposal plan of an illegal construction. Replaces the phases not yet completed; completed ones stay.' })
export class CaseDisposalPlanSetInput {
  @Field(() => ID, { description: 'The ILLEGAL_CONSTRUCTION case; its ledger record must exist.' })
  caseId!: string;

  @Field(() => [DisposalPhaseInput], { description: 'Open phases in order (1-20).' })
  phases!: DisposalPhaseInput[];
}

@InputType({ description: 'Completion of a disposal-plan phase.' })
export class CaseDisposalPhaseCompleteInput {
  @Field(() => ID, { description: 'The phase.' })
  phaseId!: string;

  @Field(() => LocalDateResolver, { nullable: true, description: 'When it was completed; default today. Not in the future.' })
  completedOn?: string | null;

  @Field(() => String, { nullable: true, description: 'Note (up to 2,000 characters).' })
  note?: string | null;
}

export interface CasePayloadShape {
  case?: Case | null;
  userErrors: UserError[];
}

function casePayload(name: string, operation: string) {
  @ObjectType(name, { description: `Result of \`${operation}\`.` })
  class CasePayload implements CasePayloadShape {
    @Field(() => Case, { nullable: true, description: 'The case as it is now; null when the input was refused.' })
    case?: Case | null;

    @Field(() => [UserError], { description: 'Why the input was refused; empty on success.' })
    userErrors!: UserError[];
  }
  return CasePayload;
}

@ObjectType('CaseReportPayload', { description: 'Result of `caseReport`.' })
export class CaseReportPayload implements CasePayloadShape {
  @Field(() => Case, { nullable: true, description: 'The case as it is now; null when the input was refused.' })
  case?: Case | null;

  @Field(() => Boolean, {
    description:
      'True when this externalId was already reported by the same source: nothing new was created and `case` is the original report. A partner retrying after a timeout can tell a retry from a new case.',
  })
  replayed!: boolean;

  @Field(() => [UserError], { description: 'Why the input was refused; empty on success.' })
  userErrors!: UserError[];
}
export const CaseTriagePayload = casePayload('CaseTriagePayload', 'caseTriage');
export const CaseAssignPayload = casePayload('CaseAssignPayload', 'caseAssign');
export const CaseReassignPayload = casePayload('CaseReassignPayload', 'caseReassign');
export const CaseStartPayload = casePayload('CaseStartPayload', 'caseStart');
export const CaseCommentPayload = casePayload('CaseCommentPayload', 'caseComment');
export const CaseResolvePayload = casePayload('CaseResolvePayload', 'caseResolve');
export const CaseClosePayload = casePayload('CaseClosePayload', 'caseClose');
export const CaseReopenPayload = casePayload('CaseReopenPayload', 'caseReopen');
export const CaseFeedbackPayload = casePayload('CaseFeedbackPayload', 'caseFeedback');
export const CaseMergePayload = casePayload('CaseMergePayload', 'caseMerge');
export const CaseSupervisePayload = casePayload('CaseSupervisePayload', 'caseSupervise');
export const CaseLedgerSetPayload = casePayload('CaseLedgerSetPayload', 'caseLedgerSet');
export const CaseDisposalPlanSetPayload = casePayload('CaseDisposalPlanSetPayload', 'caseDisposalPlanSet');
export const CaseDisposalPhaseCompletePayload = casePayload('CaseDisposalPhaseCompletePayload', 'caseDisposalPhaseComplete');
