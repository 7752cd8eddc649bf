import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Counters of failed sign-ins, shared by every process (rate-limiter-flexible's
 * PostgreSQL store, in its own layout: key, points, expire in epoch ms). Made
 * here rather than by the library at start, so the schema is the migrations'.
 */
export class SignInThrottle1764609000001 implements MigrationInterface {
  name = 'SignInThrottle1764609000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE sign_in_throttle (key varchar(255) PRIMARY KEY, points integer NOT NULL DEFAULT 0, expire bigint);
      CREATE INDEX sign_in_throttle_expire_idx ON sign_in_throttle (expire);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE sign_in_throttle`);
  }
}
