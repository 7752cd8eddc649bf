import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Bulletins and risk alerts (建立聯動查處、信息共享等工作機制): a police
 * station or street office addresses organisations chosen by area subtree
 * and kind; each recipient acknowledges; a bulletin may ask patrols to watch
 * checkpoints.
 */
export class Bulletins1764802000001 implements MigrationInterface {
  name = 'Bulletins1764802000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE bulletin (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        issuer_organization_id uuid NOT NULL REFERENCES organization(id),
        kind text NOT NULL CHECK (kind IN ('BULLETIN','RISK_ALERT')),
        severity text NOT NULL CHECK (severity IN ('INFO','WARNING','URGENT')),
        title text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
        body text NOT NULL CHECK (length(body) BETWEEN 1 AND 10000),
        area_id uuid NOT NULL REFERENCES area(id),
        target_kinds text[] NOT NULL DEFAULT '{}',
        case_category text,
        issued_by_user_id uuid REFERENCES app_user(id),
        issued_at timestamptz(3) NOT NULL DEFAULT now(),
        expires_at timestamptz(3)
      );
      CREATE INDEX bulletin_issuer ON bulletin (issuer_organization_id, issued_at);
      CREATE TABLE bulletin_recipient (
        bulletin_id uuid NOT NULL REFERENCES bulletin(id),
        organization_id uuid NOT NULL REFERENCES organization(id),
        acknowledged_at timestamptz(3),
        acknowledged_by_user_id uuid REFERENCES app_user(id),
        acknowledgement_note text,
        PRIMARY KEY (bulletin_id, organization_id)
      );
      CREATE INDEX bulletin_recipient_organization ON bulletin_recipient (organization_id, bulletin_id);
      CREATE TABLE bulletin_watch (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        bulletin_id uuid NOT NULL REFERENCES bulletin(id),
        checkpoint_id uuid NOT NULL REFERENCES checkpoint(id),
        note text,
        watch_until timestamptz(3),
        UNIQUE (bulletin_id, checkpoint_id)
      );
      CREATE INDEX bulletin_watch_checkpoint ON bulletin_watch (checkpoint_id);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE bulletin_watch; DROP TABLE bulletin_recipient; DROP TABLE bulletin;`);
  }
}
