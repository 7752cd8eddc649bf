import dns from 'node:dns/promises';
import os from 'node:os';
import { Webhook } from 'standardwebhooks';
import { idOf } from '../src/shared/relay/global-id';
import { gql, sleep } from './support/graphql';
import { startHarness, stopHarness, type Harness } from './support/harness';
import { startServerProcess, type ServerProcess } from './support/process';
import { startReceiver, type Received, type Receiver } from './support/receiver';
import { newestEventCursor } from './support/listening';

/** The receivers listen on 127.0.0.2, which the configuration allows; every other private address stays refused. */
const WEBHOOK_ENV = { WEBHOOK_ALLOWED_NETWORKS: '127.0.0.2/32', WEBHOOK_RETRY_BASE_MS: '100', WEBHOOK_RETRY_MAX_MS: '300', WEBHOOK_CONNECT_TIMEOUT_MS: '1000', WEBHOOK_TIMEOUT_MS: '3000' };

let h: Harness;
const receivers: Receiver[] = [];
beforeAll(async () => {
  h = await startHarness({ env: WEBHOOK_ENV });
}, 120_000);
afterAll(async () => {
  await Promise.all(receivers.map((r) => r.close()));
  await stopHarness(h);
});

async function receiver(host?: string): Promise<Receiver> {
  const r = await startReceiver(host);
  receivers.push(r);
  return r;
}

const CREATE = `mutation ($input: WebhookEndpointCreateInput!) { webhookEndpointCreate(input: $input) { webhookEndpoint { id status eventTypes } secret userErrors { field code message } } }`;
const REPORT = `mutation ($input: CaseReportInput!) { caseReport(input: $input) { case { id } userErrors { code } } }`;
const DELIVERIES = `query ($id: ID!, $status: WebhookDeliveryStatus) { webhookDeliveries(endpointId: $id, status: $status, first: 100) {
  nodes { id eventId status attemptCount attempts { statusCode durationMs error responseExcerpt } } } }`;
const UPDATE_ORG = `mutation ($input: OrganizationUpdateInput!) { organizationUpdate(input: $input) { userErrors { code message } } }`;

async function createEndpoint(token: string, org: 'community' | 'outsider' | 'police', url: string, eventTypes = ['CASE'], on: Harness = h) {
  const res = await gql(on.server.httpUrl, CREATE, { input: { organizationId: on.world.gid.org(org), url, eventTypes } }, token);
  expect(res.body.errors).toBeUndefined();
  return res.body.data.webhookEndpointCreate as { webhookEndpoint: { id: string } | null; secret: string | null; userErrors: { code: string; message: string }[] };
}

async function reportCase(area: 'communityA' | 'communityB' | 'gridA', title = '井蓋缺失', on: Harness = h) {
  const res = await gql(on.server.httpUrl, REPORT, { input: { areaId: on.world.gid.area(area), title, description: '人行道井蓋缺失。' } }, on.world.tokens.communityMember);
  expect(res.body.data.caseReport.userErrors).toEqual([]);
  return res.body.data.caseReport.case.id as string;
}

async function head(): Promise<bigint> {
  return BigInt(await newestEventCursor(h.server.services.db));
}

/** Requests answered 2xx, as cursors in arrival order. */
const delivered = (received: Received[]) => received.filter((r) => r.answered < 300).map((r) => r.headers['webhook-id']);

describe('webhook deliveries', () => {
  test('given an endpoint, when a case is reported, then the receiver verifies the delivery with the Standard Webhooks verifier, and a tampered body fails verification', async () => {
    const r = await receiver();
    const { webhookEndpoint, secret, userErrors } = await createEndpoint(h.world.tokens.communityAdmin, 'community', r.url);
    expect(userErrors).toEqual([]);
    expect(secret).toMatch(/^whsec_/);
    const caseId = await reportCase('communityA');
    await r.waitUntil((got) => got.length >= 1);
    const [request] = r.received;
    const verifier = new Webhook(secret!);
    const payload = verifier.verify(request.body, request.headers) as { cursor: string; type: string; topic: string; subjectId: string };
    expect(payload).toMatchObject({ type: 'case.reported', topic: 'CASE', subjectId: caseId });
    expect(request.headers['webhook-id']).toBe(payload.cursor);
    expect(request.headers['webhook-signature']).toMatch(/^v1,/);
    expect(() => verifier.verify(request.body.replace('case.reported', 'case.closed'), request.headers)).toThrow();
    expect(() => new Webhook(`whsec_${Buffer.from('another secret of 32 bytes......').toString('base64')}`).verify(request.body, request.headers)).toThrow();
    await gql(h.server.httpUrl, `mutation ($id: ID!) { webhookEndpointDelete(input: { id: $id }) { userErrors { code } } }`, { id: webhookEndpoint!.id }, h.world.tokens.communityAdmin);
  });

  test('given a receiver down for 5 events, when it comes back, then all 5 arrive in cursor order and none is delivered twice; the attempts are listed; a replay sends the same five again', async () => {
    const r = await receiver();
    let up = false;
    r.answer = () => (up ? { status: 200, body: 'ok' } : { status: 503, body: 'maintenance until 03:00' });
    const { webhookEndpoint } = await createEndpoint(h.world.tokens.communityAdmin, 'community', r.url);
    const start = await head();
    for (let i = 0; i < 5; i += 1) await reportCase('communityA', `停電 ${i}`);
    await r.waitUntil((got) => got.filter((x) => x.answered === 503).length >= 3);
    up = true;
    await r.waitUntil((got) => delivered(got).length >= 5);
    await sleep(500);
    const cursors = delivered(r.received);
    expect(cursors).toHaveLength(5);
    expect(new Set(cursors).size).toBe(5);
    expect(cursors.map(BigInt)).toEqual([...cursors.map(BigInt)].sort((a, b) => (a < b ? -1 : 1)));
    expect(cursors.every((c) => BigInt(c) > start)).toBe(true);
    // Only the head of the line was retried while the receiver was down: order holds.
    expect(new Set(r.received.filter((x) => x.answered === 503).map((x) => x.headers['webhook-id'])).size).toBe(1);
    const res = await gql(h.server.httpUrl, DELIVERIES, { id: webhookEndpoint!.id }, h.world.tokens.communityAdmin);
    const nodes = res.body.data.webhookDeliveries.nodes;
    expect(nodes.map((n: { status: string }) => n.status)).toEqual(['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED']);
    const retried = nodes[0];
    expect(retried.attemptCount).toBeGreaterThanOrEqual(4);
    expect(retried.attempts[0]).toMatchObject({ statusCode: 503, responseExcerpt: 'maintenance until 03:00' });
    expect(retried.attempts[retried.attempts.length - 1].statusCode).toBe(200);
    expect(typeof retried.attempts[0].durationMs).toBe('number');

    // Replay from before the five: the same five again, in order, with their original webhook-ids.
    const replay = await gql(h.server.httpUrl, `mutation ($input: WebhookEndpointReplayInput!) { webhookEndpointReplay(input: $input) { userErrors { code } } }`, { input: { id: webhookEndpoint!.id, after: String(start) } }, h.world.tokens.communityAdmin);
    expect(replay.body.data.webhookEndpointReplay.userErrors).toEqual([]);
    await r.waitUntil((got) => delivered(got).length >= 10);
    expect(delivered(r.received).slice(5)).toEqual(cursors);
  }, 60_000);

  test('given an endpoint of an organisation without access, then it receives nothing; after a jurisdiction grant it receives the area\'s new events, and after the revocation nothing again', async () => {
    const r = await receiver();
    await createEndpoint(h.world.tokens.outsider, 'outsider', r.url);
    await reportCase('communityA', '無權看到的案件');
    await sleep(1500);
    expect(r.received).toEqual([]);

    const grant = await gql(h.server.httpUrl, UPDATE_ORG, { input: { id: h.world.gid.org('outsider'), jurisdictionAreaIds: [h.world.gid.area('communityB'), h.world.gid.area('communityA')] } }, h.world.tokens.platformAdmin);
    expect(grant.body.data.organizationUpdate.userErrors).toEqual([]);
    const visible = await reportCase('communityA', '轄區擴大後的案件');
    await r.waitUntil((got) => got.some((x) => JSON.parse(x.body).subjectId === visible));

    const revoke = await gql(h.server.httpUrl, UPDATE_ORG, { input: { id: h.world.gid.org('outsider'), jurisdictionAreaIds: [h.world.gid.area('communityB')] } }, h.world.tokens.platformAdmin);
    expect(revoke.body.data.organizationUpdate.userErrors).toEqual([]);
    const before = r.received.length;
    const hidden = await reportCase('communityA', '轄區收回後的案件');
    const own = await reportCase('communityB', '自己轄區的案件');
    await r.waitUntil((got) => got.some((x) => JSON.parse(x.body).subjectId === own));
    const subjects = r.received.slice(before).map((x) => JSON.parse(x.body).subjectId);
    expect(subjects).not.toContain(hidden);
  }, 60_000);

  test('given private addresses, then an endpoint on one is refused at registration, a name resolving to one is refused at delivery, and a redirect to one is not followed', async () => {
    const literal = await createEndpoint(h.world.tokens.communityAdmin, 'community', 'http://169.254.169.254/latest/meta-data');
    expect(literal.userErrors.map((e) => e.code)).toEqual(['INVALID']);
    const loopback = await createEndpoint(h.world.tokens.communityAdmin, 'community', 'http://127.0.0.1:9/hooks');
    expect(loopback.userErrors.map((e) => e.code)).toEqual(['INVALID']);
    const scheme = await createEndpoint(h.world.tokens.communityAdmin, 'community', 'ftp://example.com/hooks');
    expect(scheme.userErrors.map((e) => e.code)).toEqual(['INVALID']);

    // A receiver on 127.0.0.1, which the configuration does not allow: it must never be reached.
    const internal = await receiver('127.0.0.1');
    const hostname = os.hostname();
    const resolved = await dns.lookup(hostname, { all: true }).catch(() => []);
    const byName = resolved.length > 0 && resolved.every((a) => a.address === '127.0.0.1') ? await createEndpoint(h.world.tokens.communityAdmin, 'community', `http://${hostname}:${internal.port}/hooks`) : null;
    expect(byName?.userErrors ?? []).toEqual([]);

    const redirecting = await receiver();
    redirecting.answer = () => ({ status: 307, headers: { location: `${internal.url}` } });
    const redirected = await createEndpoint(h.world.tokens.communityAdmin, 'community', redirecting.url);

    await reportCase('communityA', '外連安全');
    await redirecting.waitUntil((got) => got.length >= 2);
    await sleep(500);
    expect(internal.received).toEqual([]);

    const attemptsOf = async (id: string) => (await gql(h.server.httpUrl, DELIVERIES, { id }, h.world.tokens.communityAdmin)).body.data.webhookDeliveries.nodes[0];
    const viaRedirect = await attemptsOf(redirected.webhookEndpoint!.id);
    expect(viaRedirect.status).toBe('FAILED');
    expect(viaRedirect.attempts[0]).toMatchObject({ statusCode: 307 });
    expect(viaRedirect.attempts[0].error).toMatch(/redirect not followed/);
    if (byName) {
      const viaName = await attemptsOf(byName.webhookEndpoint!.id);
      expect(viaName.status).toBe('FAILED');
      expect(viaName.attempts[0]).toMatchObject({ statusCode: null });
      expect(viaName.attempts[0].error).toMatch(/address refused: 127\.0\.0\.1/);
    }
    for (const e of [redirected, byName]) if (e) await gql(h.server.httpUrl, `mutation ($id: ID!) { webhookEndpointDelete(input: { id: $id }) { userErrors { code } } }`, { id: e.webhookEndpoint!.id }, h.world.tokens.communityAdmin);
  }, 60_000);
});

describe('webhook secret rotation', () => {
  const ROTATE = `mutation ($input: WebhookEndpointIdInput!) { webhookEndpointRotateSecret(input: $input) { secret userErrors { code } } }`;

  test('given a rotated secret, then deliveries verify with the new secret, the old one verifies only until the overlap ends, and never again after it', async () => {
    const r = await receiver();
    const { webhookEndpoint, secret: before } = await createEndpoint(h.world.tokens.communityAdmin, 'community', r.url);
    await reportCase('communityA', '輪換前');
    await r.waitUntil((got) => delivered(got).length >= 1);
    expect(() => new Webhook(before!).verify(r.received[0].body, r.received[0].headers)).not.toThrow();

    const rotated = await gql(h.server.httpUrl, ROTATE, { input: { id: webhookEndpoint!.id } }, h.world.tokens.communityAdmin);
    expect(rotated.body.data.webhookEndpointRotateSecret.userErrors).toEqual([]);
    const after: string = rotated.body.data.webhookEndpointRotateSecret.secret;
    expect(after).toMatch(/^whsec_/);
    expect(after).not.toBe(before);
    await reportCase('communityA', '輪換後，重疊期內');
    await r.waitUntil((got) => delivered(got).length >= 2);
    const during = r.received[r.received.length - 1];
    expect(() => new Webhook(after).verify(during.body, during.headers)).not.toThrow();
    // The documented 24-hour overlap: the old secret still signs, so a receiver can switch at its own pace.
    expect(() => new Webhook(before!).verify(during.body, during.headers)).not.toThrow();

    // The overlap ends (moved in the database rather than waited for: verifiers refuse timestamps 24 h off).
    await h.server.services.db.query(`UPDATE webhook_endpoint SET previous_secret_expires_at = now() - interval '1 second' WHERE id = $1`, [idOf(webhookEndpoint!.id, 'WebhookEndpoint')]);
    await reportCase('communityA', '輪換後，重疊期後');
    await r.waitUntil((got) => delivered(got).length >= 3);
    const later = r.received[r.received.length - 1];
    expect(() => new Webhook(after).verify(later.body, later.headers)).not.toThrow();
    expect(() => new Webhook(before!).verify(later.body, later.headers)).toThrow();
    expect(later.headers['webhook-signature'].split(' ')).toHaveLength(1);
  }, 60_000);
});

/**
 * Endpoints that keep failing, on a server of their own whose maximum age and
 * disable-after are seconds instead of days (the main server's are the defaults).
 */
describe('failing webhook endpoints', () => {
  const MAX_AGE_MS = 2000;
  const DISABLE_AFTER_MS = 5000;
  let s: Harness;
  beforeAll(async () => {
    s = await startHarness({ env: { ...WEBHOOK_ENV, WEBHOOK_MAX_AGE_MS: String(MAX_AGE_MS), WEBHOOK_DISABLE_AFTER_MS: String(DISABLE_AFTER_MS) } });
  }, 120_000);
  afterAll(async () => stopHarness(s));

  const RETRY = `mutation ($input: WebhookDeliveryRetryInput!) { webhookDeliveryRetry(input: $input) { webhookDelivery { id } userErrors { code } } }`;
  const ENDPOINT = `query ($id: ID!) { node(id: $id) { ... on WebhookEndpoint { status disabledReason failingSince } } }`;
  const FEED = `query ($after: String) { events(after: $after, types: ["webhookEndpoint.disabled"], first: 100) { nodes { cursor type occurredAt data } } }`;

  const deliveriesOf = async (id: string) =>
    (await gql(s.server.httpUrl, DELIVERIES, { id }, s.world.tokens.communityAdmin)).body.data.webhookDeliveries.nodes as { id: string; eventId: string; status: string; attemptCount: number; attempts: { statusCode: number | null }[] }[];

  /** Results are written after the batch is sent, so the receiver can be a moment ahead of `webhookDeliveries`. */
  async function deliveriesOnceSettled(id: string, settled: (nodes: Awaited<ReturnType<typeof deliveriesOf>>) => boolean) {
    for (let i = 0; ; i += 1) {
      const nodes = await deliveriesOf(id);
      if (settled(nodes) || i === 50) return nodes;
      await sleep(200);
    }
  }

  /** An endpoint whose receiver refuses the first event it is sent (every attempt) and accepts every other. */
  async function endpointFailingOnFirstEvent() {
    const r = await receiver();
    let poisoned: string | null = null;
    r.answer = (request) => {
      poisoned ??= request.headers['webhook-id'];
      return request.headers['webhook-id'] === poisoned ? { status: 500, body: 'cannot parse' } : { status: 200, body: 'ok' };
    };
    const { webhookEndpoint } = await createEndpoint(s.world.tokens.communityAdmin, 'community', r.url, ['CASE'], s);
    await reportCase('communityA', '收件方無法處理', s);
    await reportCase('communityA', '之後的案件', s);
    await r.waitUntil((got) => delivered(got).length >= 1, 30_000);
    return { r, endpointId: webhookEndpoint!.id, poisoned: () => poisoned! };
  }

  test('given a delivery still failing past the maximum age, then it is dead-lettered and the endpoint moves on to the next event', async () => {
    const { r, endpointId, poisoned } = await endpointFailingOnFirstEvent();
    const failed = r.received.filter((x) => x.answered === 500);
    const next = r.received.find((x) => x.answered === 200)!;
    expect(failed.length).toBeGreaterThanOrEqual(2);
    expect(new Set(failed.map((x) => x.headers['webhook-id']))).toEqual(new Set([poisoned()]));
    expect(BigInt(next.headers['webhook-id'])).toBeGreaterThan(BigInt(poisoned()));
    // Retried until it was older than the maximum age, not given up on at the first failure.
    expect(failed[failed.length - 1].at - failed[0].at).toBeGreaterThanOrEqual(MAX_AGE_MS - 1000);
    const nodes = await deliveriesOnceSettled(endpointId, (got) => got.some((n) => n.status === 'SUCCEEDED'));
    expect(nodes.map((n) => [n.eventId, n.status])).toEqual([
      [poisoned(), 'DEAD'],
      [next.headers['webhook-id'], 'SUCCEEDED'],
    ]);
    expect(nodes[0].attemptCount).toBe(failed.length);
    const endpoint = await gql(s.server.httpUrl, ENDPOINT, { id: endpointId }, s.world.tokens.communityAdmin);
    expect(endpoint.body.data.node).toMatchObject({ status: 'ENABLED', failingSince: null });
  }, 60_000);

  test('given a dead-lettered delivery, when an ADMIN retries it, then it is sent again with the same webhook-id and marked SUCCEEDED', async () => {
    const { r, endpointId, poisoned } = await endpointFailingOnFirstEvent();
    const dead = (await deliveriesOnceSettled(endpointId, (got) => got.some((n) => n.status === 'DEAD'))).find((n) => n.status === 'DEAD')!;
    expect(dead.eventId).toBe(poisoned());
    r.answer = () => ({ status: 200, body: 'fixed' });
    const before = r.received.length;
    const res = await gql(s.server.httpUrl, RETRY, { input: { id: dead.id } }, s.world.tokens.communityAdmin);
    expect(res.body.data.webhookDeliveryRetry.userErrors).toEqual([]);
    await r.waitUntil((got) => got.length > before);
    await sleep(500);
    const again = r.received.slice(before);
    expect(again.map((x) => [x.headers['webhook-id'], x.answered])).toEqual([[poisoned(), 200]]);
    expect(JSON.parse(again[0].body).cursor).toBe(poisoned());
    const retried = (await deliveriesOnceSettled(endpointId, (got) => got.some((n) => n.id === dead.id && n.status === 'SUCCEEDED'))).find((n) => n.id === dead.id)!;
    expect(retried.status).toBe('SUCCEEDED');
    expect(retried.attemptCount).toBe(dead.attemptCount + 1);
  }, 60_000);

  test('given an endpoint failing without a success for longer than the disable-after time, then it is disabled and the organisation gets a webhookEndpoint.disabled event', async () => {
    const r = await receiver();
    r.answer = () => ({ status: 503, body: 'down' });
    const start = await newestEventCursor(s.server.services.db);
    const { webhookEndpoint } = await createEndpoint(s.world.tokens.communityAdmin, 'community', r.url, ['CASE'], s);
    const endpointId = webhookEndpoint!.id;
    const status = async () => (await gql(s.server.httpUrl, ENDPOINT, { id: endpointId }, s.world.tokens.communityAdmin)).body.data.node;
    // Events keep coming while the receiver is down (each is dead-lettered after the maximum age; the failing streak goes on).
    const firstFailure = Date.now();
    for (let i = 0; i < 30 && (await status()).status === 'ENABLED'; i += 1) {
      await reportCase('communityA', `持續失敗 ${i}`, s);
      await sleep(700);
    }
    const endpoint = await status();
    expect(endpoint).toMatchObject({ status: 'DISABLED', disabledReason: 'FAILING' });
    expect(Date.now() - firstFailure).toBeGreaterThanOrEqual(DISABLE_AFTER_MS);

    const feed = await gql(s.server.httpUrl, FEED, { after: start }, s.world.tokens.communityAdmin);
    const told = feed.body.data.events.nodes as { type: string; occurredAt: string; data: Record<string, unknown> }[];
    expect(told).toHaveLength(1);
    expect(told[0].data).toMatchObject({ reason: 'FAILING', url: r.url, failingSince: endpoint.failingSince });
    expect(Date.parse(told[0].occurredAt) - Date.parse(endpoint.failingSince)).toBeGreaterThanOrEqual(DISABLE_AFTER_MS);

    // Disabled: new events are no longer sent.
    const sent = r.received.length;
    await reportCase('communityA', '停用後', s);
    await sleep(1500);
    expect(r.received.length).toBe(sent);
  }, 90_000);
});

describe('webhooks across processes', () => {
  let second: ServerProcess | undefined;
  afterAll(async () => second?.stop());

  test('given two API processes on one database, when events are committed through both, then each is delivered once per endpoint', async () => {
    second = await startServerProcess(h.database.url, WEBHOOK_ENV);
    const a = await receiver();
    const b = await receiver();
    await createEndpoint(h.world.tokens.communityAdmin, 'community', a.url);
    await createEndpoint(h.world.tokens.policeAdmin, 'police', b.url);
    const start = await head();
    const urls = [h.server.httpUrl, second.httpUrl];
    for (let i = 0; i < 20; i += 1) {
      const res = await gql(urls[i % 2], REPORT, { input: { areaId: h.world.gid.area('communityA'), title: `兩個進程 ${i}`, description: '測試' } }, h.world.tokens.communityMember);
      expect(res.body.data.caseReport.userErrors).toEqual([]);
    }
    const mine = (got: Received[]) => delivered(got).filter((c) => BigInt(c) > start);
    await a.waitUntil((got) => mine(got).length >= 20, 30_000);
    await b.waitUntil((got) => mine(got).length >= 20, 30_000);
    await sleep(1500);
    for (const r of [a, b]) {
      const cursors = mine(r.received);
      expect(cursors).toHaveLength(20);
      expect(new Set(cursors).size).toBe(20);
    }
  }, 240_000);
});
