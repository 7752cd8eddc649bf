import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Sessions without stored passwords: rotating refresh tokens, kept as
 * SHA-256 hashes (they are 256 random bits, like client secrets). Tokens of
 * one sign-in share a family; reuse of a rotated token revokes the family.
 * API clients get a second, expiring secret hash for the overlap while a
 * partner switches to a rotated secret.
 */
export class Sessions1764609000000 implements MigrationInterface {
  name = 'Sessions1764609000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE refresh_token (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        family_id uuid NOT NULL,
        user_id uuid NOT NULL REFERENCES app_user(id) ON DELETE CASCADE,
        token_hash text NOT NULL UNIQUE,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        rotated_at timestamptz,
        revoked_at timestamptz
      );
      CREATE INDEX refresh_token_family_idx ON refresh_token (family_id);
      CREATE INDEX refresh_token_user_idx ON refresh_token (user_id);
      ALTER TABLE api_client ADD COLUMN previous_secret_hash text, ADD COLUMN previous_secret_expires_at timestamptz;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE api_client DROP COLUMN previous_secret_expires_at, DROP COLUMN previous_secret_hash;
      DROP TABLE refresh_token;
    `);
  }
}
