import { Extensions, Field, Float, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { PER_ITEM_OUTCOME } from '../../shared/text';
import { LocalDateResolver } from 'graphql-scalars';
import { UserError, UserErrorCode } from '../../shared/errors';
import {
  Checkpoint,
  CheckpointKind,
  IncidentSeverity,
  Patrol,
  PatrolEvent,
  PatrolEventKind,
  PatrolTeam,
  PatrolTeamKind,
  PatrolTeamRole,
  Route,
} from './patrol.entity';
import { valueObject, WHY } from '../../shared/relay/value-object';

// ---- patrol teams ----

@InputType({ description: 'A new patrol team.' })
export class PatrolTeamCreateInput {
  @Field(() => ID, { description: 'The organisation that runs the team; you must be its ADMIN or COORDINATOR.' })
  organizationId!: string;

  @Field({ description: 'Name (1-200 characters).' })
  name!: string;

  @Field(() => PatrolTeamKind, { description: 'How the team is staffed and paid.' })
  kind!: PatrolTeamKind;

  @Field(() => ID, { description: 'The area the team patrols; its patrols lie in this area or below it.' })
  areaId!: string;

  @Field(() => ID, { nullable: true, description: 'For a CONTRACTED team: the contract it works under.' })
  contractId?: string | null;
}

@InputType({ description: 'Changes to a patrol team. Omitted fields stay as they are.' })
export class PatrolTeamUpdateInput {
  @Field(() => ID, { description: 'The team to change.' })
  id!: string;

  @Field(() => Int, { nullable: true, description: 'The version you read; when given and no longer current, the change is refused with CONFLICT.' })
  expectedVersion?: number | null;

  @Field(() => String, { nullable: true, description: 'New name.' })
  name?: string | null;

  @Field(() => ID, { nullable: true, description: 'New area.' })
  areaId?: string | null;

  @Field(() => ID, { nullable: true, description: 'New contract (CONTRACTED teams only).' })
  contractId?: string | null;
}

@InputType({ description: 'A person to add to a patrol team.' })
export class PatrolTeamMemberAddInput {
  @Field(() => ID, { description: 'The team.' })
  teamId!: string;

  @Field(() => ID, { description: "The person; must be a member of the team's organisation." })
  userId!: string;

  @Field(() => PatrolTeamRole, { defaultValue: PatrolTeamRole.MEMBER, description: 'Role in the team; MEMBER unless given.' })
  role!: PatrolTeamRole;
}

@InputType({ description: 'A person to take off a patrol team.' })
export class PatrolTeamMemberRemoveInput {
  @Field(() => ID, { description: 'The team.' })
  teamId!: string;

  @Field(() => ID, { description: 'The person.' })
  userId!: string;
}

@ObjectType({ description: 'Result of a patrol team mutation.' })
export class PatrolTeamPayload {
  @Field(() => PatrolTeam, { nullable: true, description: 'The team as it is now; null when the input was refused.' })
  patrolTeam?: PatrolTeam | null;

  @Field(() => [UserError], { description: 'Why the input was refused; empty on success.' })
  userErrors!: UserError[];
}

// ---- checkpoints and routes ----

@InputType({ description: 'A new checkpoint.' })
export class CheckpointCreateInput {
  @Field(() => ID, { description: 'The organisation that maintains the checkpoint; you must be its ADMIN or COORDINATOR.' })
  organizationId!: string;

  @Field({ description: 'Name (1-200 characters).' })
  name!: string;

  @Field(() => CheckpointKind, { description: 'What the checkpoint is.' })
  kind!: CheckpointKind;

  @Field(() => Float, { description: 'Latitude in degrees, -90 to 90.' })
  latitude!: number;

  @Field(() => Float, { description: 'Longitude in degrees, -180 to 180.' })
  longitude!: number;

  @Field(() => ID, { description: 'The area the checkpoint lies in.' })
  areaId!: string;
}

@InputType({ description: 'Changes to a checkpoint. Omitted fields stay as they are.' })
export class CheckpointUpdateInput {
  @Field(() => ID, { description: 'The checkpoint to change.' })
  id!: string;

  @Field(() => Int, { nullable: true, description: 'The version you read; when given and no longer current, the change is refused with CONFLICT.' })
  expectedVersion?: number | null;

  @Field(() => String, { nullable: true, description: 'New name.' })
  name?: string | null;

  @Field(() => CheckpointKind, { nullable: true, description: 'New kind.' })
  kind?: CheckpointKind | null;

  @Field(() => Float, { nullable: true, description: 'New latitude (give longitude too).' })
  latitude?: number | null;

  @Field(() => Float, { nullable: true, description: 'New longitude (give latitude too).' })
  longitude?: number | null;
}

@InputType({ description: 'A checkpoint or route to retire.' })
export class RetireInput {
  @Field(() => ID, { description: 'The checkpoint or route.' })
  id!: string;
}

@ObjectType({ description: 'Result of a checkpoint mutation.' })
export class CheckpointPayload {
  @Field(() => Checkpoint, { nullable: true, description: 'The checkpoint as it is now; null when the input was refused.' })
  checkpoint?: Checkpoint | null;

  @Field(() => [UserError], { description: 'Why the input was refused; empty on success.' })
  userErrors!: UserError[];
}

@InputType({ description: 'A new route.' })
export class RouteCreateInput {
  @Field(() => ID, { description: 'The organisation that maintains the route; you must be its ADMIN or COORDINATOR.' })
  organizationId!: string;

  @Field({ description: 'Name (1-200 characters).' })
  name!: string;

  @Field(() => ID, { description: 'The area the route covers; every checkpoint must lie in it or below it.' })
  areaId!: string;

  @Field(() => [ID], { description: 'Checkpoints in walking order (1-200, no repeats), active and maintained by the same organisation.' })
  checkpointIds!: string[];
}

@InputType({ description: 'Changes to a route. Omitted fields stay as they are; patrols already planned keep the checkpoints they were planned with.' })
export class RouteUpdateInput {
  @Field(() => ID, { description: 'The route to change.' })
  id!: string;

  @Field(() => Int, { nullable: true, description: 'The version you read; when given and no longer current, the change is refused with CONFLICT.' })
  expectedVersion?: number | null;

  @Field(() => String, { nullable: true, description: 'New name.' })
  name?: string | null;

  @Field(() => [ID], { nullable: true, description: 'Replaces the checkpoints, in walking order.' })
  checkpointIds?: string[] | null;
}

@ObjectType({ description: 'Result of a route mutation.' })
export class RoutePayload {
  @Field(() => Route, { nullable: true, description: 'The route as it is now; null when the input was refused.' })
  route?: Route | null;

  @Field(() => [UserError], { description: 'Why the input was refused; empty on success.' })
  userErrors!: UserError[];
}

// ---- patrols ----

export enum PatrolRepeatFrequency {
  DAILY = 'DAILY',
  WEEKLY = 'WEEKLY',
}

registerEnumType(PatrolRepeatFrequency, {
  name: 'PatrolRepeatFrequency',
  description: 'How often a recurring patrol plan repeats.',
  valuesConfig: {
    DAILY: { description: 'Every day at the same time.' },
    WEEKLY: { description: 'Every week on the same weekday and time.' },
  },
});

@InputType({ description: 'Repeats a plan, e.g. daily 08:00-12:00 until the end of the month.' })
export class PatrolRepeatInput {
  @Field(() => PatrolRepeatFrequency, { description: 'How often.' })
  frequency!: PatrolRepeatFrequency;

  @Field(() => LocalDateResolver, { description: 'Last calendar day (China Standard Time) on which a repetition may start; at most 92 patrols are planned.' })
  until!: string;
}

@InputType({ description: 'A patrol (shift) to plan.' })
export class PatrolPlanInput {
  @Field(() => ID, { description: 'The team that patrols.' })
  teamId!: string;

  @Field(() => ID, { nullable: true, description: "The route to walk; its checkpoints become the patrol's planned checkpoints. Give a route, an area or both." })
  routeId?: string | null;

  @Field(() => ID, { nullable: true, description: "The area to patrol; defaults to the route's area. Must lie within the team's area." })
  areaId?: string | null;

  @Field({ description: 'Planned start.' })
  plannedStart!: Date;

  @Field({ description: 'Planned end; after the start, at most 24 hours later.' })
  plannedEnd!: Date;

  @Field(() => ID, { nullable: true, description: "The leader: a member of the team. Defaults to the team's LEADER when it has exactly one." })
  leaderId?: string | null;

  @Field(() => PatrolRepeatInput, { nullable: true, description: 'Repeat the plan; omit for a one-off patrol.' })
  repeat?: PatrolRepeatInput | null;
}

@ObjectType({ description: 'Result of `patrolPlan`.' })
export class PatrolPlanPayload {
  @Field(() => [Patrol], { nullable: true, description: 'The planned patrols in start order (one unless repeated); null when the input was refused.' })
  patrols?: Patrol[] | null;

  @Field(() => [UserError], { description: 'Why the input was refused; empty on success.' })
  userErrors!: UserError[];
}

@InputType({ description: 'A patrol to call off.' })
export class PatrolCancelInput {
  @Field(() => ID, { description: 'The patrol; it must still be PLANNED.' })
  id!: string;

  @Field(() => String, { nullable: true, description: 'Why (up to 1,000 characters).' })
  reason?: string | null;

  @Field({ defaultValue: false, description: 'Also cancel the later PLANNED patrols of the same recurring plan.' })
  includeLaterInSeries!: boolean;
}

@ObjectType({ description: 'Result of `patrolCancel`.' })
export class PatrolCancelPayload {
  @Field(() => Patrol, { nullable: true, description: 'The cancelled patrol; null when the input was refused.' })
  patrol?: Patrol | null;

  @Field(() => Int, { description: 'How many patrols were cancelled (this one and later ones of its series).' })
  cancelledCount!: number;

  @Field(() => [UserError], { description: 'Why the input was refused; empty on success.' })
  userErrors!: UserError[];
}

// ---- check-ins ----

export const MAX_EVENTS_PER_BATCH = 500;

@InputType({ description: 'One event from a device. Events may be sent late and out of order; they are placed by device time.' })
export class PatrolEventInput {
  @Field({ description: 'Id the device generated for this event (1-100 characters). Idempotency is scoped to the patrol: resending the same id from the same device for the same patrol records nothing new; the same id on another patrol is a different event.' })
  clientEventId!: string;

  @Field(() => ID, { nullable: true, description: "The patrol, when it differs from the batch's patrolId." })
  patrolId?: string | null;

  @Field(() => PatrolEventKind, { description: 'What the event reports.' })
  kind!: PatrolEventKind;

  @Field({
    description:
      'When it happened, by the device clock. More than 24 hours in the future: refused. More than 5 minutes after receipt, or outside the shift (30 minutes either side of the planned times): recorded but flagged, and then it neither starts, ends nor covers the patrol. A STARTED is refused outside 30 minutes before to 60 minutes after the planned start.',
  })
  deviceTime!: Date;

  @Field(() => ID, { nullable: true, description: 'CHECKPOINT: the checkpoint visited.' })
  checkpointId?: string | null;

  @Field(() => String, { nullable: true, description: 'CHECKPOINT: the token read from the checkpoint (QR code or NFC tag value, see `checkpointTokenIssue`). A check-in counts as a visit only with the right token or a position within the radius.' })
  checkpointToken?: string | null;

  @Field(() => Float, { nullable: true, description: 'Latitude (required for POSITION; for CHECKPOINT, required unless a checkpoint token is sent).' })
  latitude?: number | null;

  @Field(() => Float, { nullable: true, description: 'Longitude (required for POSITION; for CHECKPOINT, required unless a checkpoint token is sent).' })
  longitude?: number | null;

  @Field(() => Float, { nullable: true, description: 'Accuracy of the position in metres.' })
  accuracyMeters?: number | null;

  @Field(() => String, { nullable: true, description: 'OBSERVATION, INCIDENT: what was seen (up to 4,000 characters).' })
  text?: string | null;

  @Field(() => IncidentSeverity, { nullable: true, description: 'INCIDENT: how serious.' })
  severity?: IncidentSeverity | null;
}

@InputType({ description: 'A batch of events from one device.' })
export class PatrolEventsRecordInput {
  @Field({ description: 'The sending device (1-100 characters); client event ids are unique per patrol and device.' })
  deviceId!: string;

  @Field(() => ID, { nullable: true, description: 'The patrol the events belong to, unless an event names its own.' })
  patrolId?: string | null;

  @Field(() => [PatrolEventInput], { description: `The events (1-${MAX_EVENTS_PER_BATCH}).` })
  // Each event is judged on its own line of the outcome, bad text included (see text-guard).
  @Extensions({ [PER_ITEM_OUTCOME]: true })
  events!: PatrolEventInput[];
}

export enum PatrolEventOutcome {
  ACCEPTED = 'ACCEPTED',
  DUPLICATE = 'DUPLICATE',
  REJECTED = 'REJECTED',
}

registerEnumType(PatrolEventOutcome, {
  name: 'PatrolEventOutcome',
  description: 'What became of one event of a batch.',
  valuesConfig: {
    ACCEPTED: { description: 'Recorded now.' },
    DUPLICATE: { description: 'Already recorded earlier (same patrol, device and client event id); nothing changed. Safe to forget.' },
    REJECTED: { description: 'Not recorded; see code and message. Resending it unchanged will not help.' },
  },
});

@ObjectType({ description: valueObject('What became of one event of a batch, in the order sent.', WHY.answer) })
export class PatrolEventResult {
  @Field({ description: 'The client event id as sent.' })
  clientEventId!: string;

  @Field(() => PatrolEventOutcome, { description: 'Accepted, duplicate or rejected.' })
  outcome!: PatrolEventOutcome;

  @Field(() => PatrolEvent, { nullable: true, description: 'The recorded event (the earlier one for a duplicate); null when rejected.' })
  event?: PatrolEvent | null;

  @Field(() => UserErrorCode, { nullable: true, description: 'Why it was rejected.' })
  code?: UserErrorCode | null;

  @Field(() => String, { nullable: true, description: 'Why it was rejected, in words.' })
  message?: string | null;
}

@ObjectType({ description: 'Result of `patrolEventsRecord`: one result per event; one bad event does not reject the others.' })
export class PatrolEventsRecordPayload {
  @Field(() => [PatrolEventResult], { nullable: true, description: 'One result per event, in the order sent; null when the whole batch was refused.' })
  results?: PatrolEventResult[] | null;

  @Field(() => Int, { description: 'Events recorded now.' })
  acceptedCount!: number;

  @Field(() => Int, { description: 'Events that had been recorded before.' })
  duplicateCount!: number;

  @Field(() => Int, { description: 'Events refused.' })
  rejectedCount!: number;

  @Field(() => [UserError], { description: 'Why the whole batch was refused (e.g. too many events); empty otherwise.' })
  userErrors!: UserError[];
}

@InputType({ description: 'A checkpoint whose check-in token is to be issued (or replaced).' })
export class CheckpointTokenIssueInput {
  @Field(() => ID, { description: 'The checkpoint; you must be an ADMIN or COORDINATOR of the organisation that maintains it.' })
  checkpointId!: string;
}

@ObjectType({ description: 'Result of `checkpointTokenIssue`.' })
export class CheckpointTokenIssuePayload {
  @Field(() => Checkpoint, { nullable: true, description: 'The checkpoint; null when the input was refused.' })
  checkpoint?: Checkpoint | null;

  @Field(() => String, { nullable: true, description: 'The new token, shown this once: print it on the checkpoint as a QR code or write it to its NFC tag. Only its hash is stored; the previous token stops working.' })
  token?: string | null;

  @Field(() => [UserError], { description: 'Why the input was refused; empty on success.' })
  userErrors!: UserError[];
}
