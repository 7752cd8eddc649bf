import { Arg, Args, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { AppContext } from '../../shared/context';
import { Access, AccessLevel } from '../../shared/auth/policy';
import { Connection, ConnectionArgs, toConnection } from '../../shared/relay/connection';
import { withUserErrors } from '../../shared/transaction';
import { registerNodeType } from '../node/node.registry';
import { Organization } from '../organization/organization.entity';
import { organizationsById } from '../organization/organization.loaders';
import { FeedEvent } from '../event-feed/event-feed.types';
import { toFeedEvent } from '../event-feed/event-feed.present';
import { WebhookAttempt, WebhookDelivery, WebhookDeliveryStatus, WebhookEndpoint } from './webhook.entity';
import {
  WebhookDeliveryRetryInput,
  WebhookDeliveryRetryPayload,
  WebhookEndpointCreateInput,
  WebhookEndpointDeletePayload,
  WebhookEndpointIdInput,
  WebhookEndpointPayload,
  WebhookEndpointReplayInput,
  WebhookEndpointSecretPayload,
  WebhookEndpointUpdateInput,
} from './webhook.inputs';
import { eventsById, webhookEndpointsById } from './webhook.loaders';
import {
  createWebhookEndpoint,
  deleteWebhookEndpoint,
  disableWebhookEndpoint,
  findWebhookDelivery,
  findWebhookEndpoint,
  listWebhookDeliveries,
  listWebhookEndpoints,
  replayWebhookEndpoint,
  retryWebhookDelivery,
  rotateWebhookSecret,
  updateWebhookEndpoint,
} from './webhook.service';

registerNodeType('WebhookEndpoint', findWebhookEndpoint);
registerNodeType('WebhookDelivery', findWebhookDelivery);

const WebhookEndpointConnection = Connection(WebhookEndpoint);
const WebhookDeliveryConnection = Connection(WebhookDelivery);

@Resolver(() => WebhookEndpoint)
export class WebhookEndpointResolver {
  @Query(() => WebhookEndpointConnection, { nullable: true, description: "An organisation's webhook endpoints, oldest first. Its ADMINs and platform admins only; null for anyone else, as for an unknown organisation." })
  @Access(AccessLevel.SIGNED_IN)
  async webhookEndpoints(@Ctx() ctx: AppContext, @Arg('organizationId', () => ID, { description: 'The organisation.' }) organizationId: string, @Args() page: ConnectionArgs) {
    const found = await listWebhookEndpoints(ctx, organizationId, page);
    return found && toConnection(found);
  }

  @Query(() => WebhookDeliveryConnection, { nullable: true, description: "Deliveries of an endpoint, oldest first, with their attempts. Its organisation's ADMINs and platform admins only; null for anyone else, as for an unknown endpoint." })
  @Access(AccessLevel.SIGNED_IN)
  async webhookDeliveries(
    @Ctx() ctx: AppContext,
    @Arg('endpointId', () => ID, { description: 'The endpoint.' }) endpointId: string,
    @Arg('status', () => WebhookDeliveryStatus, { nullable: true, description: 'Only deliveries in this state, e.g. DEAD for the dead letters.' }) status: WebhookDeliveryStatus | null,
    @Args() page: ConnectionArgs,
  ) {
    const found = await listWebhookDeliveries(ctx, endpointId, status, page);
    return found && toConnection(found);
  }

  @Mutation(() => WebhookEndpointSecretPayload, { description: "Registers a webhook endpoint and returns its signing secret once. Delivery starts with the next event. The organisation's ADMINs only." })
  @Access(AccessLevel.WRITE)
  webhookEndpointCreate(@Ctx() ctx: AppContext, @Arg('input', { description: 'The new endpoint.' }) input: WebhookEndpointCreateInput) {
    return withUserErrors<WebhookEndpointSecretPayload>(() => createWebhookEndpoint(ctx, input));
  }

  @Mutation(() => WebhookEndpointPayload, { description: "Changes an endpoint's URL, description or event types, or enables/disables it. The organisation's ADMINs only." })
  @Access(AccessLevel.WRITE)
  webhookEndpointUpdate(@Ctx() ctx: AppContext, @Arg('input', { description: 'The changes.' }) input: WebhookEndpointUpdateInput) {
    return withUserErrors<WebhookEndpointPayload>(() => updateWebhookEndpoint(ctx, input));
  }

  @Mutation(() => WebhookEndpointPayload, { description: "Stops deliveries to an endpoint; events keep their place until it is enabled again. The organisation's ADMINs only." })
  @Access(AccessLevel.WRITE)
  webhookEndpointDisable(@Ctx() ctx: AppContext, @Arg('input', { description: 'The endpoint.' }) input: WebhookEndpointIdInput) {
    return withUserErrors<WebhookEndpointPayload>(() => disableWebhookEndpoint(ctx, input));
  }

  @Mutation(() => WebhookEndpointDeletePayload, { description: "Deletes an endpoint and its delivery history. The organisation's ADMINs only." })
  @Access(AccessLevel.WRITE)
  webhookEndpointDelete(@Ctx() ctx: AppContext, @Arg('input', { description: 'The endpoint.' }) input: WebhookEndpointIdInput) {
    return withUserErrors<WebhookEndpointDeletePayload>(() => deleteWebhookEndpoint(ctx, input));
  }

  @Mutation(() => WebhookEndpointSecretPayload, { description: "Issues a new signing secret (returned once); the previous one keeps signing alongside for 24 hours. The organisation's ADMINs only." })
  @Access(AccessLevel.WRITE)
  webhookEndpointRotateSecret(@Ctx() ctx: AppContext, @Arg('input', { description: 'The endpoint.' }) input: WebhookEndpointIdInput) {
    return withUserErrors<WebhookEndpointSecretPayload>(() => rotateWebhookSecret(ctx, input));
  }

  @Mutation(() => WebhookEndpointPayload, { description: "Delivers again, in order and with their original `webhook-id`, every event after a cursor that the organisation may see. The organisation's ADMINs only." })
  @Access(AccessLevel.WRITE)
  webhookEndpointReplay(@Ctx() ctx: AppContext, @Arg('input', { description: 'The endpoint and the cursor.' }) input: WebhookEndpointReplayInput) {
    return withUserErrors<WebhookEndpointPayload>(() => replayWebhookEndpoint(ctx, input));
  }

  @Mutation(() => WebhookDeliveryRetryPayload, { description: "Sends a delivery again now (a dead letter, a failed one waiting for its retry, or a delivered one). The organisation's ADMINs only." })
  @Access(AccessLevel.WRITE)
  webhookDeliveryRetry(@Ctx() ctx: AppContext, @Arg('input', { description: 'The delivery.' }) input: WebhookDeliveryRetryInput) {
    return withUserErrors<WebhookDeliveryRetryPayload>(() => retryWebhookDelivery(ctx, input));
  }

  @FieldResolver(() => Organization, { description: 'The organisation whose events are delivered.' })
  organization(@Root() endpoint: WebhookEndpoint, @Ctx() ctx: AppContext) {
    return organizationsById(ctx).load(endpoint.organizationId);
  }
}

@Resolver(() => WebhookDelivery)
export class WebhookDeliveryResolver {
  @FieldResolver(() => WebhookEndpoint, { description: 'The endpoint delivered to.' })
  endpoint(@Root() delivery: WebhookDelivery, @Ctx() ctx: AppContext) {
    return webhookEndpointsById(ctx).load(delivery.endpointId);
  }

  @FieldResolver(() => FeedEvent, { nullable: true, description: 'The event delivered, as in the body; null once the event log no longer holds it.' })
  async event(@Root() delivery: WebhookDelivery, @Ctx() ctx: AppContext) {
    const event = await eventsById(ctx).load(delivery.eventId);
    return event ? toFeedEvent(event) : null;
  }

  @FieldResolver(() => [WebhookAttempt], { description: 'The attempts, oldest first (the last 25).' })
  attempts(@Root() delivery: WebhookDelivery): WebhookAttempt[] {
    return delivery.attempts.map((a) => Object.assign(new WebhookAttempt(), { ...a, at: new Date(a.at) }));
  }
}
