import { randomBytes } from 'node:crypto';
import type { AppContext } from '../../shared/context';
import { UserErrorCode, forbidden } from '../../shared/errors';
import { canManageWebhooks, canSeeWebhooks } from '../../shared/auth/policy';
import { clock } from '../../shared/clock';
import { parseCursor } from '../../shared/events/event-stream';
import { paginate, type ConnectionArgs, type Page } from '../../shared/relay/connection';
import { idOf, toGlobalId } from '../../shared/relay/global-id';
import { fail, failIfAny, inTransaction, type Tx } from '../../shared/transaction';
import { InputCheck } from '../../shared/validation';
import { EventTopic } from '../event-feed/event-feed.types';
import { Organization } from '../organization/organization.entity';
import { DISABLED_MANUALLY, WebhookDelivery, WebhookDeliveryStatus, WebhookEndpoint, WebhookEndpointStatus } from './webhook.entity';
import type { WebhookDeliveryRetryInput, WebhookEndpointCreateInput, WebhookEndpointIdInput, WebhookEndpointReplayInput, WebhookEndpointUpdateInput } from './webhook.inputs';
import { webhookDeliveriesById, webhookEndpointsById } from './webhook.loaders';

/** How long the secret before a rotation still signs, so receivers can switch at their own pace. */
const ROTATION_OVERLAP_MS = 24 * 3600 * 1000;

function newSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

export async function findWebhookEndpoint(ctx: AppContext, id: string): Promise<WebhookEndpoint | null> {
  const endpoint = await webhookEndpointsById(ctx).load(id);
  return endpoint && canSeeWebhooks(ctx.viewer, endpoint.organizationId) ? endpoint : null;
}

export async function findWebhookDelivery(ctx: AppContext, id: string): Promise<WebhookDelivery | null> {
  const delivery = await webhookDeliveriesById(ctx).load(id);
  return delivery && (await findWebhookEndpoint(ctx, delivery.endpointId)) ? delivery : null;
}

/** Null for an organisation the viewer may not see webhooks of, exactly as for an unknown one. */
export async function listWebhookEndpoints(ctx: AppContext, organizationGlobalId: string, args: ConnectionArgs): Promise<Page<WebhookEndpoint> | null> {
  const organizationId = idOf(organizationGlobalId, 'Organization');
  if (!organizationId || !canSeeWebhooks(ctx.viewer, organizationId)) return null;
  const qb = ctx.app.db.getRepository(WebhookEndpoint).createQueryBuilder('w').where('w.organization_id = :organizationId', { organizationId });
  return paginate(qb, args, [
    { sql: 'w.created_at', value: (w) => w.createdAt.toISOString() },
    { sql: 'w.id', value: (w) => w.id },
  ]);
}

export async function listWebhookDeliveries(ctx: AppContext, endpointGlobalId: string, status: WebhookDeliveryStatus | null | undefined, args: ConnectionArgs): Promise<Page<WebhookDelivery> | null> {
  const endpointId = idOf(endpointGlobalId, 'WebhookEndpoint');
  if (!endpointId || !(await findWebhookEndpoint(ctx, endpointId))) return null;
  const qb = ctx.app.db.getRepository(WebhookDelivery).createQueryBuilder('d').where('d.endpoint_id = :endpointId', { endpointId });
  if (status) qb.andWhere('d.status = :status', { status });
  return paginate(qb, args, [{ sql: 'd.id', value: (d) => Number(d.id) }]);
}

function checkTopics(check: InputCheck, field: string, topics: EventTopic[] | null | undefined, required: boolean): EventTopic[] | null {
  if (topics === null || topics === undefined) {
    if (required) check.add(field, UserErrorCode.REQUIRED, 'Name at least one event type.');
    return null;
  }
  const unique = [...new Set(topics)];
  if (unique.length === 0) check.add(field, UserErrorCode.REQUIRED, 'Name at least one event type.');
  return unique;
}

function checkUrl(ctx: AppContext, check: InputCheck, raw: string | null | undefined, required: boolean): string | null {
  const url = check.text('url', raw, { max: 2000, required });
  if (url === null) return null;
  const verdict = ctx.app.webhooks.guard.checkUrl(url);
  if ('error' in verdict) {
    check.add('url', UserErrorCode.INVALID, verdict.error);
    return null;
  }
  return verdict.url.toString();
}

/** The endpoint for a change: unknown and invisible ids answer alike; visible but not manageable is FORBIDDEN. */
async function endpointToChange(tx: Tx, id: string | null): Promise<WebhookEndpoint> {
  const endpoint = id ? await tx.em.findOne(WebhookEndpoint, { where: { id }, lock: { mode: 'pessimistic_write' } }) : null;
  if (!endpoint || !canSeeWebhooks(tx.ctx.viewer, endpoint.organizationId)) fail('id', UserErrorCode.NOT_FOUND, 'No WebhookEndpoint with this id.');
  if (!canManageWebhooks(tx.ctx.viewer, endpoint.organizationId)) throw forbidden("Only ADMINs of the organisation manage its webhooks.");
  return endpoint;
}

function emitChange(tx: Tx, endpoint: WebhookEndpoint, type: string, extra: Record<string, unknown> = {}): void {
  tx.audit({ action: type, recordType: 'WebhookEndpoint', recordId: endpoint.id, details: extra });
  tx.emit({
    topic: 'network',
    type: `webhookEndpoint.${type}`,
    subjectId: endpoint.organizationId,
    organizationIds: [endpoint.organizationId],
    payload: { webhookEndpointId: endpoint.id, organizationId: endpoint.organizationId, url: endpoint.url, ...extra },
  });
}

export async function createWebhookEndpoint(ctx: AppContext, input: WebhookEndpointCreateInput): Promise<{ webhookEndpoint: WebhookEndpoint; secret: string }> {
  const check = new InputCheck();
  const organizationId = check.id('organizationId', input.organizationId, 'Organization', { required: true });
  const url = checkUrl(ctx, check, input.url, true);
  const description = check.text('description', input.description, { max: 500 });
  const eventTypes = checkTopics(check, 'eventTypes', input.eventTypes, true);
  failIfAny(check.errors);
  const result = await inTransaction(ctx, async (tx) => {
    if (!(await tx.em.existsBy(Organization, { id: organizationId! }))) fail('organizationId', UserErrorCode.NOT_FOUND, 'No Organization with this id.');
    if (!canManageWebhooks(ctx.viewer, organizationId!)) throw forbidden('Only ADMINs of the organisation register its webhooks.');
    const secret = newSecret();
    // Delivery starts with the events committed from now on; `webhookEndpointReplay` reaches back.
    const [row] = await tx.em.query(
      `INSERT INTO webhook_endpoint (organization_id, url, description, event_types, secret, cursor, created_by_user_id)
       VALUES ($1, $2, $3, $4, $5, (SELECT coalesce(max(id), 0) FROM event), $6) RETURNING id`,
      [organizationId, url, description, eventTypes, secret, ctx.viewer.userId],
    );
    const webhookEndpoint = await tx.em.findOneByOrFail(WebhookEndpoint, { id: row.id });
    emitChange(tx, webhookEndpoint, 'created', { eventTypes });
    return { webhookEndpoint, secret };
  });
  await ctx.app.webhooks.runEndpointNow(result.webhookEndpoint.id);
  return result;
}

export async function updateWebhookEndpoint(ctx: AppContext, input: WebhookEndpointUpdateInput): Promise<{ webhookEndpoint: WebhookEndpoint }> {
  const check = new InputCheck();
  const id = check.id('id', input.id, 'WebhookEndpoint', { required: true });
  const url = input.url === undefined || input.url === null ? null : checkUrl(ctx, check, input.url, true);
  const description = input.description === undefined ? undefined : check.text('description', input.description, { max: 500 });
  const eventTypes = checkTopics(check, 'eventTypes', input.eventTypes, false);
  failIfAny(check.errors);
  const result = await inTransaction(ctx, async (tx) => {
    const endpoint = await endpointToChange(tx, id);
    const changes: Record<string, unknown> = { updatedAt: clock.now() };
    if (url) changes.url = url;
    if (description !== undefined) changes.description = description;
    if (eventTypes) changes.eventTypes = eventTypes;
    if (input.enabled === true) Object.assign(changes, { status: WebhookEndpointStatus.ENABLED, disabledReason: null, failingSince: null });
    if (input.enabled === false) Object.assign(changes, { status: WebhookEndpointStatus.DISABLED, disabledReason: DISABLED_MANUALLY });
    await tx.em.update(WebhookEndpoint, { id: endpoint.id }, changes);
    const webhookEndpoint = await tx.em.findOneByOrFail(WebhookEndpoint, { id: endpoint.id });
    emitChange(tx, webhookEndpoint, input.enabled === false ? 'disabled' : 'updated', { eventTypes: webhookEndpoint.eventTypes, status: webhookEndpoint.status });
    return { webhookEndpoint };
  });
  if (result.webhookEndpoint.status === WebhookEndpointStatus.ENABLED) await ctx.app.webhooks.runEndpointNow(result.webhookEndpoint.id);
  return result;
}

export async function disableWebhookEndpoint(ctx: AppContext, input: WebhookEndpointIdInput): Promise<{ webhookEndpoint: WebhookEndpoint }> {
  const check = new InputCheck();
  const id = check.id('id', input.id, 'WebhookEndpoint', { required: true });
  failIfAny(check.errors);
  return inTransaction(ctx, async (tx) => {
    const endpoint = await endpointToChange(tx, id);
    if (endpoint.status === WebhookEndpointStatus.DISABLED) fail('id', UserErrorCode.ALREADY_DONE, 'The endpoint is already disabled.');
    await tx.em.update(WebhookEndpoint, { id: endpoint.id }, { status: WebhookEndpointStatus.DISABLED, disabledReason: DISABLED_MANUALLY, updatedAt: clock.now() });
    emitChange(tx, endpoint, 'disabled', { reason: DISABLED_MANUALLY });
    return { webhookEndpoint: await tx.em.findOneByOrFail(WebhookEndpoint, { id: endpoint.id }) };
  });
}

export async function deleteWebhookEndpoint(ctx: AppContext, input: WebhookEndpointIdInput): Promise<{ deletedWebhookEndpointId: string }> {
  const check = new InputCheck();
  const id = check.id('id', input.id, 'WebhookEndpoint', { required: true });
  failIfAny(check.errors);
  return inTransaction(ctx, async (tx) => {
    const endpoint = await endpointToChange(tx, id);
    // Its deliveries go with it (ON DELETE CASCADE); a queued job finds no endpoint and ends.
    await tx.em.delete(WebhookEndpoint, { id: endpoint.id });
    emitChange(tx, endpoint, 'deleted');
    return { deletedWebhookEndpointId: toGlobalId('WebhookEndpoint', endpoint.id) };
  });
}

export async function rotateWebhookSecret(ctx: AppContext, input: WebhookEndpointIdInput): Promise<{ webhookEndpoint: WebhookEndpoint; secret: string }> {
  const check = new InputCheck();
  const id = check.id('id', input.id, 'WebhookEndpoint', { required: true });
  failIfAny(check.errors);
  return inTransaction(ctx, async (tx) => {
    const endpoint = await endpointToChange(tx, id);
    const secret = newSecret();
    const now = clock.now();
    await tx.em.update(WebhookEndpoint, { id: endpoint.id }, { secret, previousSecret: endpoint.secret, previousSecretExpiresAt: new Date(now.getTime() + ROTATION_OVERLAP_MS), updatedAt: now });
    emitChange(tx, endpoint, 'secretRotated');
    return { webhookEndpoint: await tx.em.findOneByOrFail(WebhookEndpoint, { id: endpoint.id }), secret };
  });
}

export async function replayWebhookEndpoint(ctx: AppContext, input: WebhookEndpointReplayInput): Promise<{ webhookEndpoint: WebhookEndpoint }> {
  const check = new InputCheck();
  const id = check.id('id', input.id, 'WebhookEndpoint', { required: true });
  if (!/^\d{1,19}$/.test(input.after ?? '')) check.add('after', UserErrorCode.INVALID, 'after must be an event cursor.');
  failIfAny(check.errors);
  const after = parseCursor(input.after)!;
  const result = await inTransaction(ctx, async (tx) => {
    const endpoint = await endpointToChange(tx, id);
    const [{ pruned_through, head }] = await tx.em.query(`SELECT pruned_through::text, (SELECT coalesce(max(id), 0) FROM event)::text AS head FROM event_log_state`);
    if (BigInt(after) < BigInt(pruned_through)) fail('after', UserErrorCode.OUT_OF_RANGE, 'Events after this cursor are past the retention period.');
    if (BigInt(after) > BigInt(head)) fail('after', UserErrorCode.OUT_OF_RANGE, 'No event has this cursor yet.');
    await tx.em.update(WebhookEndpoint, { id: endpoint.id }, { cursor: after, updatedAt: clock.now() });
    emitChange(tx, endpoint, 'replayed', { after });
    return { webhookEndpoint: await tx.em.findOneByOrFail(WebhookEndpoint, { id: endpoint.id }) };
  });
  if (result.webhookEndpoint.status === WebhookEndpointStatus.ENABLED) await ctx.app.webhooks.runEndpointNow(result.webhookEndpoint.id);
  return result;
}

export async function retryWebhookDelivery(ctx: AppContext, input: WebhookDeliveryRetryInput): Promise<{ webhookDelivery: WebhookDelivery }> {
  const check = new InputCheck();
  const id = check.id('id', input.id, 'WebhookDelivery', { required: true });
  failIfAny(check.errors);
  const { delivery, endpoint } = await inTransaction(ctx, async (tx) => {
    const delivery = await tx.em.findOneBy(WebhookDelivery, { id: id! });
    const endpoint = delivery ? await tx.em.findOneBy(WebhookEndpoint, { id: delivery.endpointId }) : null;
    if (!delivery || !endpoint || !canSeeWebhooks(ctx.viewer, endpoint.organizationId)) fail('id', UserErrorCode.NOT_FOUND, 'No WebhookDelivery with this id.');
    if (!canManageWebhooks(ctx.viewer, endpoint.organizationId)) throw forbidden('Only ADMINs of the organisation retry its webhook deliveries.');
    if (endpoint.status !== WebhookEndpointStatus.ENABLED) fail('id', UserErrorCode.INVALID_TRANSITION, 'The endpoint is disabled; enable it first.');
    tx.audit({ action: 'webhookDeliveryRetry', recordType: 'WebhookDelivery', recordId: delivery.id, details: { endpointId: endpoint.id, eventId: delivery.eventId } });
    return { delivery, endpoint };
  });
  // A delivery waiting for its retry is the head of its endpoint's line: run the line now. Any other is sent once more on its own.
  if (delivery.status === WebhookDeliveryStatus.FAILED) await ctx.app.webhooks.runEndpointNow(endpoint.id);
  else await ctx.app.webhooks.redeliver(endpoint.id, delivery.id);
  return { webhookDelivery: delivery };
}

