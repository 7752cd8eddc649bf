import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { Node } from '../node/node.type';
import { toGlobalId } from '../../shared/relay/global-id';
import { valueObject, WHY } from '../../shared/relay/value-object';
import { EventTopic } from '../event-feed/event-feed.types';

export enum WebhookEndpointStatus {
  ENABLED = 'ENABLED',
  DISABLED = 'DISABLED',
}

registerEnumType(WebhookEndpointStatus, {
  name: 'WebhookEndpointStatus',
  description: 'Whether an endpoint receives deliveries.',
  valuesConfig: {
    ENABLED: { description: 'Events are delivered.' },
    DISABLED: { description: 'Nothing is delivered; events keep their place and are delivered after `webhookEndpointUpdate(enabled: true)` unless older than the maximum age.' },
  },
});

export enum WebhookDeliveryStatus {
  PENDING = 'PENDING',
  SUCCEEDED = 'SUCCEEDED',
  FAILED = 'FAILED',
  DEAD = 'DEAD',
}

registerEnumType(WebhookDeliveryStatus, {
  name: 'WebhookDeliveryStatus',
  description: 'Where a delivery of one event to one endpoint stands.',
  valuesConfig: {
    PENDING: { description: 'Being sent.' },
    SUCCEEDED: { description: 'The endpoint answered 2xx.' },
    FAILED: { description: 'The last attempt failed; another follows at `nextAttemptAt`. Later events of the endpoint wait behind it (cursor order).' },
    DEAD: { description: 'Given up after the maximum age (dead letter); later events went on. `webhookDeliveryRetry` sends it again.' },
  },
});

/** Kinds of `disabledReason`. */
export const DISABLED_MANUALLY = 'MANUAL';
export const DISABLED_FAILING = 'FAILING';

@Entity('webhook_endpoint')
@ObjectType({ implements: Node, description: 'A URL of a partner system to which the events its organisation may see are POSTed, signed by the Standard Webhooks specification.' })
export class WebhookEndpoint implements Node {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Field(() => ID, { name: 'id', description: 'Global id.' })
  get globalId(): string {
    return toGlobalId('WebhookEndpoint', this.id);
  }

  @Column('uuid')
  organizationId!: string;

  @Column('text')
  @Field({ description: 'Where events are POSTed (http or https).' })
  url!: string;

  @Column('text', { nullable: true })
  @Field(() => String, { nullable: true, description: 'What the endpoint is for.' })
  description!: string | null;

  @Column('text', { array: true })
  @Field(() => [EventTopic], { description: 'The streams delivered (the subscription topics).' })
  eventTypes!: EventTopic[];

  @Column('text')
  secret!: string;

  @Column('text', { nullable: true })
  previousSecret!: string | null;

  @Column('timestamptz', { nullable: true })
  previousSecretExpiresAt!: Date | null;

  @Column('text')
  @Field(() => WebhookEndpointStatus, { description: 'Whether events are delivered.' })
  status!: WebhookEndpointStatus;

  @Column('text', { nullable: true })
  @Field(() => String, { nullable: true, description: '`MANUAL` (disabled by an ADMIN) or `FAILING` (disabled after failing for a day); null when enabled.' })
  disabledReason!: string | null;

  @Column('timestamptz', { nullable: true })
  @Field(() => Date, { nullable: true, description: 'Since when every attempt has failed; null when the last one succeeded.' })
  failingSince!: Date | null;

  @Column('bigint')
  @Field({ description: 'Event cursor up to which the endpoint is served (delivered, not visible to it, or dead-lettered).' })
  cursor!: string;

  @Column('uuid', { nullable: true })
  createdByUserId!: string | null;

  @Column('timestamptz')
  @Field({ description: 'When the endpoint was registered.' })
  createdAt!: Date;

  @Column('timestamptz')
  @Field({ description: 'When the endpoint was last changed.' })
  updatedAt!: Date;
}

@ObjectType({ description: valueObject('One HTTP attempt of a delivery.', WHY.part) })
export class WebhookAttempt {
  @Field({ description: 'When the attempt started.' })
  at!: Date;

  @Field(() => Int, { nullable: true, description: 'HTTP status of the answer; null when there was none (refused address, timeout, connection error).' })
  statusCode!: number | null;

  @Field(() => Int, { description: 'Milliseconds from the start to the end of the attempt.' })
  durationMs!: number;

  @Field(() => String, { nullable: true, description: 'Why the attempt failed when it was not the answer (e.g. `timeout`, `redirect not followed`, `address refused`).' })
  error!: string | null;

  @Field(() => String, { nullable: true, description: 'The first bytes of the answer (at most 256), as text.' })
  responseExcerpt!: string | null;
}

export interface AttemptJson {
  at: string;
  statusCode: number | null;
  durationMs: number;
  error: string | null;
  responseExcerpt: string | null;
}

@Entity('webhook_delivery')
@ObjectType({ implements: Node, description: 'The delivery of one event to one webhook endpoint, with its attempts.' })
export class WebhookDelivery implements Node {
  @PrimaryGeneratedColumn('increment', { type: 'bigint' })
  id!: string;

  @Field(() => ID, { name: 'id', description: 'Global id.' })
  get globalId(): string {
    return toGlobalId('WebhookDelivery', this.id);
  }

  @Column('uuid')
  endpointId!: string;

  @Column('bigint')
  @Field({ description: 'Cursor of the event delivered: the `webhook-id` header of every attempt.' })
  eventId!: string;

  @Column('text')
  @Field(() => WebhookDeliveryStatus, { description: 'Where the delivery stands.' })
  status!: WebhookDeliveryStatus;

  @Column('int')
  @Field(() => Int, { description: 'Attempts made so far.' })
  attemptCount!: number;

  @Column('jsonb')
  attempts!: AttemptJson[];

  @Column('timestamptz', { nullable: true })
  @Field(() => Date, { nullable: true, description: 'When the next attempt is due (FAILED only).' })
  nextAttemptAt!: Date | null;

  @Column('timestamptz')
  @Field({ description: 'When the first attempt was made.' })
  createdAt!: Date;

  @Column('timestamptz')
  @Field({ description: 'When the delivery last changed.' })
  updatedAt!: Date;
}
