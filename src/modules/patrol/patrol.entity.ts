import { Field, Float, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, PrimaryColumn, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { Node } from '../node/node.type';
import { toGlobalId } from '../../shared/relay/global-id';

export enum PatrolTeamKind {
  VOLUNTEER = 'VOLUNTEER',
  COMMUNITY_PAID = 'COMMUNITY_PAID',
  CONTRACTED = 'CONTRACTED',
}

registerEnumType(PatrolTeamKind, {
  name: 'PatrolTeamKind',
  description: 'How a patrol team is staffed and paid.',
  valuesConfig: {
    VOLUNTEER: { description: 'Volunteers (義務巡防隊) doing daytime door/shop watch and patrols.' },
    COMMUNITY_PAID: { description: 'A community security team (社區安防隊) paid monthly from community funds.' },
    CONTRACTED: { description: "A security company's team working under a contract for a client's zone." },
  },
});

export enum PatrolTeamRole {
  LEADER = 'LEADER',
  MEMBER = 'MEMBER',
}

registerEnumType(PatrolTeamRole, {
  name: 'PatrolTeamRole',
  description: "A member's role in a patrol team.",
  valuesConfig: {
    LEADER: { description: 'Leads the team; the default leader of its patrols.' },
    MEMBER: { description: 'Patrols with the team.' },
  },
});

export enum CheckpointKind {
  DOOR = 'DOOR',
  SHOP = 'SHOP',
  GATE = 'GATE',
  HOTSPOT = 'HOTSPOT',
  OTHER = 'OTHER',
}

registerEnumType(CheckpointKind, {
  name: 'CheckpointKind',
  description: 'What a checkpoint is.',
  valuesConfig: {
    DOOR: { description: 'A building door or stairwell (門棟關照).' },
    SHOP: { description: 'A shop front (門店關照).' },
    GATE: { description: 'A compound or estate gate.' },
    HOTSPOT: { description: 'A place with frequent incidents.' },
    OTHER: { description: 'Anything else worth checking.' },
  },
});

export enum PatrolStatus {
  PLANNED = 'PLANNED',
  ACTIVE = 'ACTIVE',
  COMPLETED = 'COMPLETED',
  MISSED = 'MISSED',
  CANCELLED = 'CANCELLED',
}

registerEnumType(PatrolStatus, {
  name: 'PatrolStatus',
  description: 'Where a patrol stands: PLANNED > ACTIVE > COMPLETED, MISSED when nobody started it by its planned end, or CANCELLED.',
  valuesConfig: {
    PLANNED: { description: 'Planned; nobody has started it yet.' },
    ACTIVE: { description: 'Under way: a check-in was received.' },
    COMPLETED: { description: 'Ended by the team.' },
    MISSED: { description: 'Nobody started it by its planned end. A late STARTED from an offline phone, dated within the plan, makes it ACTIVE again.' },
    CANCELLED: { description: 'Called off before it started.' },
  },
});

export enum PatrolEventKind {
  STARTED = 'STARTED',
  POSITION = 'POSITION',
  CHECKPOINT = 'CHECKPOINT',
  OBSERVATION = 'OBSERVATION',
  INCIDENT = 'INCIDENT',
  ENDED = 'ENDED',
}

registerEnumType(PatrolEventKind, {
  name: 'PatrolEventKind',
  description: 'What a patrol event reports.',
  valuesConfig: {
    STARTED: { description: 'The patrol started.' },
    POSITION: { description: 'Where the device was (latitude and longitude required).' },
    CHECKPOINT: { description: 'A checkpoint was visited (checkpointId required; it counts only with the checkpoint token or a position within the radius).' },
    OBSERVATION: { description: 'Something noticed (text required).' },
    INCIDENT: { description: 'Something that needs follow-up (text and severity required).' },
    ENDED: { description: 'The patrol ended.' },
  },
});

export enum PatrolEventFlag {
  FAR_FROM_CHECKPOINT = 'FAR_FROM_CHECKPOINT',
  NO_PROOF_OF_PRESENCE = 'NO_PROOF_OF_PRESENCE',
  WRONG_CHECKPOINT_TOKEN = 'WRONG_CHECKPOINT_TOKEN',
  DEVICE_TIME_IN_FUTURE = 'DEVICE_TIME_IN_FUTURE',
  OUTSIDE_SHIFT = 'OUTSIDE_SHIFT',
}

/** Flags that make the device time untrustworthy: such events neither start, end nor cover a patrol. */
export const TIME_FLAGS = [PatrolEventFlag.DEVICE_TIME_IN_FUTURE, PatrolEventFlag.OUTSIDE_SHIFT];

registerEnumType(PatrolEventFlag, {
  name: 'PatrolEventFlag',
  description:
    'Why a recorded event is doubtful. A flagged CHECKPOINT is not a visit; an event with a time flag also does not start or end its patrol. Flags are visible to everyone who sees the patrol: the team\'s coordinators, the contracting client and the police station of the area.',
  valuesConfig: {
    FAR_FROM_CHECKPOINT: { description: 'The position sent with the check-in lies farther from the checkpoint than the allowed radius.' },
    NO_PROOF_OF_PRESENCE: { description: 'A CHECKPOINT with neither a position nor the token printed on the checkpoint: nothing shows anyone was there.' },
    WRONG_CHECKPOINT_TOKEN: { description: 'The token sent does not match the one issued for the checkpoint.' },
    DEVICE_TIME_IN_FUTURE: { description: 'The device time lies more than the allowed clock skew (5 minutes) after the time the server received the event.' },
    OUTSIDE_SHIFT: { description: 'The device time lies outside the shift: earlier than 30 minutes before the planned start or later than 30 minutes after the planned end.' },
  },
});

export enum CheckInProof {
  LOCATION = 'LOCATION',
  TOKEN = 'TOKEN',
}

registerEnumType(CheckInProof, {
  name: 'CheckInProof',
  description: 'What proves a CHECKPOINT check-in was made at the checkpoint.',
  valuesConfig: {
    LOCATION: { description: "The device's position was within the allowed radius of the checkpoint." },
    TOKEN: { description: 'The device read the token (QR code or NFC tag value) issued for the checkpoint.' },
  },
});

export enum IncidentSeverity {
  LOW = 'LOW',
  MEDIUM = 'MEDIUM',
  HIGH = 'HIGH',
  CRITICAL = 'CRITICAL',
}

registerEnumType(IncidentSeverity, {
  name: 'IncidentSeverity',
  description: 'How serious an incident is.',
  valuesConfig: {
    LOW: { description: 'Minor; handle in routine work.' },
    MEDIUM: { description: 'Needs follow-up within days.' },
    HIGH: { description: 'Needs follow-up today.' },
    CRITICAL: { description: 'Needs immediate response.' },
  },
});

@Entity('patrol_team')
@ObjectType({ implements: Node, description: 'A volunteer, community-paid or contracted patrol team, owned by an organisation.' })
export class PatrolTeam implements Node {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Field(() => ID, { name: 'id', description: 'Global id.' })
  get globalId(): string {
    return toGlobalId('PatrolTeam', this.id);
  }

  @Column('text')
  @Field({ description: 'Name, e.g. 三板橋社區義務巡防一隊.' })
  name!: string;

  @Column('text')
  @Field(() => PatrolTeamKind, { description: 'How the team is staffed and paid.' })
  kind!: PatrolTeamKind;

  @Column('uuid')
  organizationId!: string;

  @Column('uuid')
  areaId!: string;

  @Column('uuid', { nullable: true })
  contractId!: string | null;

  @Field(() => ID, { name: 'contractId', nullable: true, description: 'Global id of the contract a CONTRACTED team works under; null for other teams.' })
  get contractGlobalId(): string | null {
    return this.contractId ? toGlobalId('Contract', this.contractId) : null;
  }

  @Column('int', { default: 1 })
  @Field(() => Int, { description: 'Increments with every change; pass it back to update without overwriting a concurrent change.' })
  version!: number;

  @CreateDateColumn({ type: 'timestamptz' })
  @Field({ description: 'When the team was registered.' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  @Field({ description: 'When the team was last changed.' })
  updatedAt!: Date;
}

@Entity('patrol_team_member')
@ObjectType({ implements: Node, description: "A person's place in a patrol team." })
export class PatrolTeamMember implements Node {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Field(() => ID, { name: 'id', description: 'Global id.' })
  get globalId(): string {
    return toGlobalId('PatrolTeamMember', this.id);
  }

  @Column('uuid')
  teamId!: string;

  @Column('uuid')
  userId!: string;

  @Column('text')
  @Field(() => PatrolTeamRole, { description: 'Role in the team.' })
  role!: PatrolTeamRole;

  @CreateDateColumn({ type: 'timestamptz' })
  @Field({ description: 'When the person joined the team.' })
  createdAt!: Date;
}

@Entity('checkpoint')
@ObjectType({ implements: Node, description: 'A place patrols check: a door, shop, gate or hotspot.' })
export class Checkpoint implements Node {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Field(() => ID, { name: 'id', description: 'Global id.' })
  get globalId(): string {
    return toGlobalId('Checkpoint', this.id);
  }

  @Column('uuid')
  organizationId!: string;

  @Column('uuid')
  areaId!: string;

  @Column('text')
  @Field({ description: 'Name, e.g. 三板橋路12號門棟.' })
  name!: string;

  @Column('text')
  @Field(() => CheckpointKind, { description: 'What the checkpoint is.' })
  kind!: CheckpointKind;

  @Column('double precision')
  @Field(() => Float, { description: 'Latitude in degrees (WGS 84).' })
  latitude!: number;

  @Column('double precision')
  @Field(() => Float, { description: 'Longitude in degrees (WGS 84).' })
  longitude!: number;

  @Column('timestamptz', { nullable: true })
  @Field(() => Date, { nullable: true, description: 'When the checkpoint was retired; retired checkpoints are kept for history but not planned any more.' })
  retiredAt!: Date | null;

  /** SHA-256 of the checkpoint id and its current token; the token itself is shown once, when issued. */
  @Column('text', { nullable: true, select: false })
  tokenHash!: string | null;

  @Column('timestamptz', { nullable: true })
  @Field(() => Date, { nullable: true, description: 'When the current check-in token (the code printed on the checkpoint) was issued; null when none was. The token itself is never shown again.' })
  tokenIssuedAt!: Date | null;

  @Column('int', { default: 1 })
  @Field(() => Int, { description: 'Increments with every change; pass it back to update without overwriting a concurrent change.' })
  version!: number;

  @CreateDateColumn({ type: 'timestamptz' })
  @Field({ description: 'When the checkpoint was recorded.' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  @Field({ description: 'When the checkpoint was last changed.' })
  updatedAt!: Date;
}

@Entity('route')
@ObjectType({ implements: Node, description: 'An ordered list of checkpoints that a patrol walks.' })
export class Route implements Node {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Field(() => ID, { name: 'id', description: 'Global id.' })
  get globalId(): string {
    return toGlobalId('Route', this.id);
  }

  @Column('uuid')
  organizationId!: string;

  @Column('uuid')
  areaId!: string;

  @Column('text')
  @Field({ description: 'Name, e.g. 三板橋門店巡查線.' })
  name!: string;

  @Column('timestamptz', { nullable: true })
  @Field(() => Date, { nullable: true, description: 'When the route was retired; retired routes cannot be planned.' })
  retiredAt!: Date | null;

  @Column('int', { default: 1 })
  @Field(() => Int, { description: 'Increments with every change; pass it back to update without overwriting a concurrent change.' })
  version!: number;

  @CreateDateColumn({ type: 'timestamptz' })
  @Field({ description: 'When the route was recorded.' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  @Field({ description: 'When the route was last changed.' })
  updatedAt!: Date;
}

@Entity('route_checkpoint')
export class RouteCheckpoint {
  @PrimaryColumn('uuid')
  routeId!: string;

  @PrimaryColumn('int')
  position!: number;

  @Column('uuid')
  checkpointId!: string;
}

@Entity('patrol')
@ObjectType({ implements: Node, description: 'A planned shift of a patrol team on a route or in an area, proven by its check-ins.' })
export class Patrol implements Node {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Field(() => ID, { name: 'id', description: 'Global id.' })
  get globalId(): string {
    return toGlobalId('Patrol', this.id);
  }

  @Column('uuid')
  teamId!: string;

  @Column('uuid')
  areaId!: string;

  @Column('uuid', { nullable: true })
  routeId!: string | null;

  @Column('uuid', { nullable: true })
  leaderUserId!: string | null;

  /** Patrols planned together by one recurring plan share this id. */
  @Column('uuid', { nullable: true })
  seriesId!: string | null;

  @Column('timestamptz')
  @Field({ description: 'When the patrol is planned to start.' })
  plannedStart!: Date;

  @Column('timestamptz')
  @Field({ description: 'When the patrol is planned to end; a patrol nobody started by then becomes MISSED.' })
  plannedEnd!: Date;

  @Column('text')
  @Field(() => PatrolStatus, { description: 'Where the patrol stands.' })
  status!: PatrolStatus;

  @Column('timestamptz', { nullable: true })
  @Field(() => Date, { nullable: true, description: 'Device time of the earliest STARTED (or, lacking one, of the earliest check-in).' })
  startedAt!: Date | null;

  @Column('timestamptz', { nullable: true })
  @Field(() => Date, { nullable: true, description: 'Device time of the latest ENDED.' })
  endedAt!: Date | null;

  /**
   * What startedAt and endedAt are derived from, over the check-ins whose time is not flagged: kept here so that a
   * batch moves them by its own rows instead of reading all of the patrol's check-ins again (they are append-only).
   */
  @Column('timestamptz', { nullable: true })
  firstStartedDeviceTime!: Date | null;

  @Column('timestamptz', { nullable: true })
  firstEventDeviceTime!: Date | null;

  @Column('timestamptz', { nullable: true })
  lastEndedDeviceTime!: Date | null;

  @Column('text', { nullable: true })
  @Field(() => String, { nullable: true, description: 'Why the patrol was cancelled.' })
  cancelReason!: string | null;

  @Column('boolean', { default: false })
  @Field({ description: 'A "checkpoints missed" alert was raised and not retracted: the patrol ended with planned checkpoints not visited. Late check-ins that complete the route retract it (patrol.checkpointsMissedRetracted).' })
  missedAlertOpen!: boolean;

  @Column('int', { default: 1 })
  @Field(() => Int, { description: 'Increments with every change of the plan or status.' })
  version!: number;

  @CreateDateColumn({ type: 'timestamptz' })
  @Field({ description: 'When the patrol was planned.' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  @Field({ description: 'When the patrol last changed.' })
  updatedAt!: Date;
}

@Entity('patrol_planned_checkpoint')
export class PatrolPlannedCheckpoint {
  @PrimaryColumn('uuid')
  patrolId!: string;

  @PrimaryColumn('int')
  position!: number;

  @Column('uuid')
  checkpointId!: string;
}

@Entity('patrol_event')
@ObjectType({ implements: Node, description: 'A check-in from a patrol: append-only, with the time on the device and the time the server received it.' })
export class PatrolEvent implements Node {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Field(() => ID, { name: 'id', description: 'Global id.' })
  get globalId(): string {
    return toGlobalId('PatrolEvent', this.id);
  }

  @Column('uuid')
  patrolId!: string;

  @Column('uuid')
  teamId!: string;

  @Column('text')
  @Field({ description: 'The device that sent the event.' })
  deviceId!: string;

  @Column('text')
  @Field({ description: 'The id the device gave the event, unique per patrol and device: resending it for the same patrol records nothing new; the same id on another patrol is a new event.' })
  clientEventId!: string;

  @Column('text')
  @Field(() => PatrolEventKind, { description: 'What the event reports.' })
  kind!: PatrolEventKind;

  @Column('timestamptz')
  @Field({ description: 'When it happened, by the device clock. Events are ordered and coverage is computed by this time.' })
  deviceTime!: Date;

  @Column('timestamptz')
  @Field({ description: 'When the server received it.' })
  receivedAt!: Date;

  @Column('uuid', { nullable: true })
  recordedByUserId!: string | null;

  @Column('uuid', { nullable: true })
  recordedByClientId!: string | null;

  @Column('uuid', { nullable: true })
  checkpointId!: string | null;

  @Column('double precision', { nullable: true })
  @Field(() => Float, { nullable: true, description: 'Latitude reported by the device.' })
  latitude!: number | null;

  @Column('double precision', { nullable: true })
  @Field(() => Float, { nullable: true, description: 'Longitude reported by the device.' })
  longitude!: number | null;

  @Column('double precision', { nullable: true })
  @Field(() => Float, { nullable: true, description: 'Accuracy of the position in metres, as the device reported it.' })
  accuracyMeters!: number | null;

  @Column('double precision', { nullable: true })
  @Field(() => Float, { nullable: true, description: 'For a CHECKPOINT with a position: great-circle distance from the checkpoint in metres.' })
  distanceMeters!: number | null;

  @Column('boolean', { default: false })
  @Field({ description: 'Recorded but doubtful (see `flags`); flagged check-ins do not count as visits.' })
  flagged!: boolean;

  @Column('text', { array: true, default: () => "'{}'" })
  @Field(() => [PatrolEventFlag], { description: 'Why the event is doubtful; empty when it is not.' })
  flags!: PatrolEventFlag[];

  @Column('text', { nullable: true })
  @Field(() => CheckInProof, { nullable: true, description: 'For a CHECKPOINT: what proves presence (token or position within the radius); null when nothing does, and then it is not a visit.' })
  proof!: CheckInProof | null;

  @Column('text', { nullable: true })
  @Field(() => String, { nullable: true, description: 'Why the event was flagged.' })
  flagReason!: string | null;

  @Column('text', { nullable: true })
  @Field(() => String, { nullable: true, description: 'What was observed (OBSERVATION, INCIDENT).' })
  text!: string | null;

  @Column('text', { nullable: true })
  @Field(() => IncidentSeverity, { nullable: true, description: 'How serious an INCIDENT is.' })
  severity!: IncidentSeverity | null;

  @Column('uuid', { nullable: true })
  caseId!: string | null;

  @Field(() => ID, { name: 'caseId', nullable: true, description: 'Global id of the case opened for an INCIDENT, when one was.' })
  get caseGlobalId(): string | null {
    return this.caseId ? toGlobalId('Case', this.caseId) : null;
  }
}
