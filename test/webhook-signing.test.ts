import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { signV1 } from '../src/modules/webhook/webhook.delivery';

/**
 * Deliveries are signed with node:crypto's HMAC (the package's pure-JavaScript
 * SHA-256 cost more than the request itself); the signature must stay what the
 * `standardwebhooks` package computes, byte for byte, so any Standard Webhooks
 * verifier accepts it. test/webhooks.test.ts verifies real deliveries too.
 */
describe('webhook signing', () => {
  const bodies = [
    '{}',
    JSON.stringify({ cursor: '42', topic: 'CASE', type: 'case.reported', data: { title: '井蓋缺失', note: 'emoji 🚧, quotes "x" and \\ backslash' } }),
    'x'.repeat(70_000),
  ];

  test('given secrets, ids, timestamps and bodies (multi-byte too), then the signature is the one the standardwebhooks package computes', () => {
    for (let i = 0; i < 20; i += 1) {
      const secret = `whsec_${randomBytes(32).toString('base64')}`;
      const id = String(1 + Math.floor(Math.random() * 1e12));
      const at = new Date(1_700_000_000_000 + Math.floor(Math.random() * 1e11));
      const body = bodies[i % bodies.length];
      expect(signV1(secret, id, Math.floor(at.getTime() / 1000), body)).toBe(new Webhook(secret).sign(id, at, body));
    }
  });

  test('given a signature, then the standardwebhooks verifier accepts it, and refuses it for another body, id or secret', () => {
    const secret = `whsec_${randomBytes(32).toString('base64')}`;
    const body = bodies[1];
    const timestamp = Math.floor(Date.now() / 1000);
    const headers = { 'webhook-id': '7', 'webhook-timestamp': String(timestamp), 'webhook-signature': signV1(secret, '7', timestamp, body) };
    expect(new Webhook(secret).verify(body, headers)).toMatchObject({ type: 'case.reported' });
    expect(() => new Webhook(secret).verify(body.replace('reported', 'closed'), headers)).toThrow();
    expect(() => new Webhook(secret).verify(body, { ...headers, 'webhook-id': '8' })).toThrow();
    expect(() => new Webhook(`whsec_${randomBytes(32).toString('base64')}`).verify(body, headers)).toThrow();
  });
});
