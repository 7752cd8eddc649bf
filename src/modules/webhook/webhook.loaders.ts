import { defineByIdLoader } from '../../shared/loaders';
import { EventRecord } from '../../shared/events/event.entity';
import { WebhookDelivery, WebhookEndpoint } from './webhook.entity';

export const webhookEndpointsById = defineByIdLoader(WebhookEndpoint);
export const webhookDeliveriesById = defineByIdLoader(WebhookDelivery);
export const eventsById = defineByIdLoader(EventRecord);
