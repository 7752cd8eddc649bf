import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Contracts between organisations (契約) and consultations (協商).
 *
 * Contract tables other modules read:
 * - contract: one row per contract with the terms IN FORCE (or, while DRAFT/PROPOSED, the terms on the table):
 *   status, starts_on/ends_on (inclusive calendar dates, Asia/Shanghai), fee_minor + currency + payment_schedule,
 *   current_version (number of the contract_version these terms come from), pending_version (an amendment awaiting
 *   signatures, not yet in force), version (optimistic-concurrency counter, +1 on every change).
 * - contract_party: (contract_id, organization_id, role); an organisation may hold several roles (e.g. CLIENT and FUNDER).
 * - contract_area: (contract_id, area_id) scope areas of the terms in force; each area's subtree counts.
 * - contract_service_level: (id, contract_id, position, metric, target, period, description) of the terms in force.
 *   metric PATROLS_PER_DAY (target = patrols per day, at least), CHECKPOINT_COVERAGE (target = percent 0-100 of the
 *   checkpoints in the scope areas visited, at least), RESPONSE_MINUTES (target = minutes, at most), CUSTOM (description
 *   says what is measured; checked by people). period = how often compliance is assessed (DAY, WEEK, MONTH, QUARTER).
 * - contract_clause: rights and duties of the terms in force, each owed by a party role.
 * - contract_version: every version's full terms as a jsonb snapshot; contract_signature: who signed which version.
 */
export class Contracts1764130200000 implements MigrationInterface {
  name = 'Contracts1764130200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE contract (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        title text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
        status text NOT NULL DEFAULT 'DRAFT' CHECK (status IN ('DRAFT','PROPOSED','ACTIVE','SUSPENDED','TERMINATED','EXPIRED')),
        starts_on date NOT NULL,
        ends_on date NOT NULL,
        fee_minor bigint NOT NULL CHECK (fee_minor >= 0),
        currency text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
        payment_schedule text NOT NULL CHECK (payment_schedule IN ('ONE_OFF','MONTHLY','QUARTERLY')),
        current_version int NOT NULL DEFAULT 1 CHECK (current_version >= 1),
        pending_version int CHECK (pending_version > current_version),
        version int NOT NULL DEFAULT 1,
        status_reason text,
        created_by_organization_id uuid NOT NULL REFERENCES organization(id),
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now(),
        CHECK (ends_on >= starts_on)
      );
      CREATE INDEX contract_created_idx ON contract (created_at, id);
      CREATE INDEX contract_status_ends_idx ON contract (status, ends_on);
      CREATE INDEX contract_status_starts_idx ON contract (status, starts_on);

      CREATE TABLE contract_party (
        contract_id uuid NOT NULL REFERENCES contract(id) ON DELETE CASCADE,
        organization_id uuid NOT NULL REFERENCES organization(id),
        role text NOT NULL CHECK (role IN ('CLIENT','PROVIDER','SUPERVISOR','FUNDER')),
        PRIMARY KEY (contract_id, organization_id, role)
      );
      CREATE INDEX contract_party_organization_idx ON contract_party (organization_id, contract_id);

      CREATE TABLE contract_area (
        contract_id uuid NOT NULL REFERENCES contract(id) ON DELETE CASCADE,
        area_id uuid NOT NULL REFERENCES area(id),
        PRIMARY KEY (contract_id, area_id)
      );
      CREATE INDEX contract_area_area_idx ON contract_area (area_id);

      CREATE TABLE contract_clause (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        contract_id uuid NOT NULL REFERENCES contract(id) ON DELETE CASCADE,
        position int NOT NULL CHECK (position >= 0),
        party_role text NOT NULL CHECK (party_role IN ('CLIENT','PROVIDER','SUPERVISOR','FUNDER')),
        kind text NOT NULL CHECK (kind IN ('RIGHT','DUTY')),
        text text NOT NULL CHECK (length(text) BETWEEN 1 AND 4000),
        UNIQUE (contract_id, position)
      );

      CREATE TABLE contract_service_level (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        contract_id uuid NOT NULL REFERENCES contract(id) ON DELETE CASCADE,
        position int NOT NULL CHECK (position >= 0),
        metric text NOT NULL CHECK (metric IN ('PATROLS_PER_DAY','CHECKPOINT_COVERAGE','RESPONSE_MINUTES','CUSTOM')),
        target numeric(12,2) NOT NULL CHECK (target >= 0),
        period text NOT NULL CHECK (period IN ('DAY','WEEK','MONTH','QUARTER')),
        description text,
        CHECK (metric <> 'CUSTOM' OR description IS NOT NULL),
        CHECK (metric <> 'CHECKPOINT_COVERAGE' OR target <= 100),
        UNIQUE (contract_id, position)
      );

      CREATE TABLE contract_version (
        contract_id uuid NOT NULL REFERENCES contract(id) ON DELETE CASCADE,
        number int NOT NULL CHECK (number >= 1),
        snapshot jsonb NOT NULL,
        note text,
        created_by_user_id uuid REFERENCES app_user(id),
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        proposed_at timestamptz(3),
        signed_at timestamptz(3),
        withdrawn_at timestamptz(3),
        PRIMARY KEY (contract_id, number)
      );
      CREATE INDEX contract_version_signed_idx ON contract_version (contract_id) WHERE signed_at IS NOT NULL;

      CREATE TABLE contract_signature (
        contract_id uuid NOT NULL,
        version_number int NOT NULL,
        organization_id uuid NOT NULL REFERENCES organization(id),
        signed_by_user_id uuid REFERENCES app_user(id),
        signed_at timestamptz(3) NOT NULL DEFAULT now(),
        PRIMARY KEY (contract_id, version_number, organization_id),
        FOREIGN KEY (contract_id, version_number) REFERENCES contract_version(contract_id, number) ON DELETE CASCADE
      );

      CREATE TABLE consultation (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        convener_organization_id uuid NOT NULL REFERENCES organization(id),
        question text NOT NULL CHECK (length(question) BETWEEN 1 AND 500),
        background text,
        closes_on date NOT NULL,
        status text NOT NULL DEFAULT 'OPEN' CHECK (status IN ('OPEN','CLOSED')),
        outcome text,
        outcome_link_type text CHECK (outcome_link_type IN ('Contract','AgendaItem','ActionItem')),
        outcome_link_id uuid,
        closed_at timestamptz(3),
        closed_by_user_id uuid REFERENCES app_user(id),
        opened_by_user_id uuid REFERENCES app_user(id),
        version int NOT NULL DEFAULT 1,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now(),
        CHECK ((outcome_link_type IS NULL) = (outcome_link_id IS NULL)),
        CHECK (status = 'OPEN' OR (outcome IS NOT NULL AND closed_at IS NOT NULL))
      );
      CREATE INDEX consultation_created_idx ON consultation (created_at, id);
      CREATE INDEX consultation_convener_idx ON consultation (convener_organization_id);

      CREATE TABLE consultation_invitee (
        consultation_id uuid NOT NULL REFERENCES consultation(id) ON DELETE CASCADE,
        organization_id uuid NOT NULL REFERENCES organization(id),
        PRIMARY KEY (consultation_id, organization_id)
      );
      CREATE INDEX consultation_invitee_organization_idx ON consultation_invitee (organization_id, consultation_id);

      CREATE TABLE consultation_position (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        consultation_id uuid NOT NULL REFERENCES consultation(id) ON DELETE CASCADE,
        organization_id uuid NOT NULL REFERENCES organization(id),
        stance text NOT NULL CHECK (stance IN ('SUPPORT','OPPOSE','AMEND','ABSTAIN')),
        statement text CHECK (statement IS NULL OR length(statement) <= 4000),
        stated_by_user_id uuid REFERENCES app_user(id),
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now(),
        UNIQUE (consultation_id, organization_id)
      );

      CREATE TABLE consultation_proposal (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        consultation_id uuid NOT NULL REFERENCES consultation(id) ON DELETE CASCADE,
        organization_id uuid NOT NULL REFERENCES organization(id),
        text text NOT NULL CHECK (length(text) BETWEEN 1 AND 4000),
        proposed_by_user_id uuid REFERENCES app_user(id),
        created_at timestamptz(3) NOT NULL DEFAULT now()
      );
      CREATE INDEX consultation_proposal_consultation_idx ON consultation_proposal (consultation_id, created_at, id);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE consultation_proposal; DROP TABLE consultation_position; DROP TABLE consultation_invitee; DROP TABLE consultation;
      DROP TABLE contract_signature; DROP TABLE contract_version; DROP TABLE contract_service_level; DROP TABLE contract_clause;
      DROP TABLE contract_area; DROP TABLE contract_party; DROP TABLE contract;
    `);
  }
}
