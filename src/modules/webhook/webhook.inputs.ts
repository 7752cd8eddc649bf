import { Field, ID, InputType, ObjectType } from 'type-graphql';
import { UserError } from '../../shared/errors';
import { EventTopic } from '../event-feed/event-feed.types';
import { WebhookDelivery, WebhookEndpoint } from './webhook.entity';

@InputType({ description: 'A new webhook endpoint of an organisation.' })
export class WebhookEndpointCreateInput {
  @Field(() => ID, { description: 'The organisation whose events are delivered.' })
  organizationId!: string;

  @Field({ description: 'Where to POST (http or https; private, loopback and link-local addresses are refused).' })
  url!: string;

  @Field(() => String, { nullable: true, description: 'What the endpoint is for (at most 500 characters).' })
  description?: string | null;

  @Field(() => [EventTopic], { description: 'The streams to deliver (at least one).' })
  eventTypes!: EventTopic[];
}

@InputType({ description: 'Changes to a webhook endpoint; omitted fields stay as they are.' })
export class WebhookEndpointUpdateInput {
  @Field(() => ID, { description: 'The endpoint.' })
  id!: string;

  @Field(() => String, { nullable: true, description: 'New URL.' })
  url?: string | null;

  @Field(() => String, { nullable: true, description: 'New description.' })
  description?: string | null;

  @Field(() => [EventTopic], { nullable: true, description: 'New streams to deliver.' })
  eventTypes?: EventTopic[] | null;

  @Field(() => Boolean, { nullable: true, description: 'True re-enables a disabled endpoint: delivery resumes at its cursor.' })
  enabled?: boolean | null;
}

@InputType({ description: 'Names one webhook endpoint.' })
export class WebhookEndpointIdInput {
  @Field(() => ID, { description: 'The endpoint.' })
  id!: string;
}

@InputType({ description: 'Delivers an endpoint\'s events again from a cursor on.' })
export class WebhookEndpointReplayInput {
  @Field(() => ID, { description: 'The endpoint.' })
  id!: string;

  @Field({ description: 'Event cursor: every event after it that the organisation may see is delivered again, in order, with its original `webhook-id`.' })
  after!: string;
}

@InputType({ description: 'Sends one delivery again.' })
export class WebhookDeliveryRetryInput {
  @Field(() => ID, { description: 'The delivery.' })
  id!: string;
}

@ObjectType({ description: 'Result of `webhookEndpointCreate` and `webhookEndpointRotateSecret`.' })
export class WebhookEndpointSecretPayload {
  @Field(() => WebhookEndpoint, { nullable: true, description: 'The endpoint; null when refused.' })
  webhookEndpoint?: WebhookEndpoint | null;

  @Field(() => String, { nullable: true, description: 'The signing secret (`whsec_…`). Shown this once. After a rotation the previous secret also signs for 24 hours.' })
  secret?: string | null;

  @Field(() => [UserError], { description: 'Why the input was refused; empty on success.' })
  userErrors!: UserError[];
}

@ObjectType({ description: 'Result of a change to a webhook endpoint.' })
export class WebhookEndpointPayload {
  @Field(() => WebhookEndpoint, { nullable: true, description: 'The endpoint as changed; null when refused.' })
  webhookEndpoint?: WebhookEndpoint | null;

  @Field(() => [UserError], { description: 'Why the input was refused; empty on success.' })
  userErrors!: UserError[];
}

@ObjectType({ description: 'Result of `webhookEndpointDelete`.' })
export class WebhookEndpointDeletePayload {
  @Field(() => ID, { nullable: true, description: 'Global id of the deleted endpoint; null when refused.' })
  deletedWebhookEndpointId?: string | null;

  @Field(() => [UserError], { description: 'Why the input was refused; empty on success.' })
  userErrors!: UserError[];
}

@ObjectType({ description: 'Result of `webhookDeliveryRetry`.' })
export class WebhookDeliveryRetryPayload {
  @Field(() => WebhookDelivery, { nullable: true, description: 'The delivery, queued to be sent again; null when refused.' })
  webhookDelivery?: WebhookDelivery | null;

  @Field(() => [UserError], { description: 'Why the input was refused; empty on success.' })
  userErrors!: UserError[];
}
