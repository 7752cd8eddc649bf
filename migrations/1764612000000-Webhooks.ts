import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Webhook endpoints of organisations and their deliveries. The queue that
 * runs them is graphile-worker, whose own schema (`graphile_worker`) is
 * created and upgraded by its migrate at start (see data-source.ts), not here.
 */
export class Webhooks1764612000000 implements MigrationInterface {
  name = 'Webhooks1764612000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE webhook_endpoint (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        organization_id uuid NOT NULL REFERENCES organization(id) ON DELETE CASCADE,
        url text NOT NULL CHECK (length(url) BETWEEN 1 AND 2000),
        description text,
        event_types text[] NOT NULL,
        secret text NOT NULL,
        previous_secret text,
        previous_secret_expires_at timestamptz(3),
        status text NOT NULL DEFAULT 'ENABLED' CHECK (status IN ('ENABLED', 'DISABLED')),
        disabled_reason text,
        failing_since timestamptz(3),
        cursor bigint NOT NULL DEFAULT 0,
        created_by_user_id uuid,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now()
      );
      CREATE INDEX webhook_endpoint_organization_idx ON webhook_endpoint (organization_id, created_at, id);
      CREATE TABLE webhook_delivery (
        id bigserial PRIMARY KEY,
        endpoint_id uuid NOT NULL REFERENCES webhook_endpoint(id) ON DELETE CASCADE,
        event_id bigint NOT NULL,
        status text NOT NULL CHECK (status IN ('PENDING', 'SUCCEEDED', 'FAILED', 'DEAD')),
        attempt_count int NOT NULL DEFAULT 0,
        attempts jsonb NOT NULL DEFAULT '[]',
        next_attempt_at timestamptz(3),
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now(),
        UNIQUE (endpoint_id, event_id)
      );
      CREATE INDEX webhook_delivery_status_idx ON webhook_delivery (endpoint_id, status, id);
      -- How far the event log has been handed to endpoints' queues; one row.
      CREATE TABLE webhook_fanout_state (
        singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
        cursor bigint NOT NULL
      );
      INSERT INTO webhook_fanout_state (cursor) SELECT coalesce(max(id), 0) FROM event;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE webhook_fanout_state; DROP TABLE webhook_delivery; DROP TABLE webhook_endpoint;`);
  }
}
