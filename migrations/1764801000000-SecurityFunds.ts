import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Community security funds (經費由社區收取、管理和監督; 社區統一籌資發給適當報酬):
 * a fund of an organisation, optionally paying patrol teams and a contract;
 * its entries (contributions in, payouts out) in minor units; and the
 * statements published for a period (公示), which freeze that period.
 *
 * The database keeps the rules that must hold whatever the code does:
 * entries are never edited or deleted (only their approval is recorded once),
 * a payout is approved by someone other than its recorder, and no entry is
 * added, approved or rejected inside a published period.
 */
export class SecurityFunds1764801000000 implements MigrationInterface {
  name = 'SecurityFunds1764801000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE security_fund (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        organization_id uuid NOT NULL REFERENCES organization(id),
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        description text,
        currency text NOT NULL DEFAULT 'CNY' CHECK (currency ~ '^[A-Z]{3}$'),
        contract_id uuid REFERENCES contract(id),
        created_by_user_id uuid REFERENCES app_user(id),
        version int NOT NULL DEFAULT 1,
        created_at timestamptz(3) NOT NULL DEFAULT now()
      );
      CREATE INDEX security_fund_organization_idx ON security_fund (organization_id);

      -- A team is paid from at most one fund; a fund may pay several teams (社區統一籌資).
      CREATE TABLE security_fund_team (
        team_id uuid PRIMARY KEY REFERENCES patrol_team(id),
        fund_id uuid NOT NULL REFERENCES security_fund(id)
      );
      CREATE INDEX security_fund_team_fund_idx ON security_fund_team (fund_id);

      CREATE TABLE fund_entry (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        fund_id uuid NOT NULL REFERENCES security_fund(id),
        kind text NOT NULL CHECK (kind IN ('CONTRIBUTION','PAYOUT')),
        category text NOT NULL CHECK (
          (kind = 'CONTRIBUTION' AND category IN ('HOUSEHOLDS','SHOPS','UNITS','GOVERNMENT_SUBSIDY','OTHER_INCOME'))
          OR (kind = 'PAYOUT' AND category IN ('GUARD_PAY','EQUIPMENT','INSURANCE','OTHER_EXPENSE'))),
        occurred_on date NOT NULL,
        amount_minor bigint NOT NULL CHECK (amount_minor > 0),
        receipt_reference text,
        description text,
        reverses_entry_id uuid UNIQUE REFERENCES fund_entry(id),
        roster_entry_id uuid,
        pay_month date CHECK (pay_month IS NULL OR extract(day FROM pay_month) = 1),
        hours numeric(8,2),
        rate_minor_per_hour bigint CHECK (rate_minor_per_hour IS NULL OR rate_minor_per_hour > 0),
        status text NOT NULL CHECK (status IN ('PENDING','COUNTED','REJECTED')),
        recorded_by_user_id uuid NOT NULL REFERENCES app_user(id),
        recorded_at timestamptz(3) NOT NULL DEFAULT now(),
        approved_by_user_id uuid REFERENCES app_user(id),
        approved_at timestamptz(3),
        rejected_by_user_id uuid REFERENCES app_user(id),
        rejected_at timestamptz(3),
        rejection_reason text,
        -- Two-person rule: whoever decides on an entry is not whoever recorded it.
        CHECK (approved_by_user_id IS NULL OR approved_by_user_id <> recorded_by_user_id),
        CHECK (rejected_by_user_id IS NULL OR rejected_by_user_id <> recorded_by_user_id),
        -- Only a plain contribution counts without a second person.
        CHECK (status <> 'COUNTED' OR approved_by_user_id IS NOT NULL OR (kind = 'CONTRIBUTION' AND reverses_entry_id IS NULL))
      );
      CREATE INDEX fund_entry_fund_idx ON fund_entry (fund_id, occurred_on, recorded_at);
      CREATE INDEX fund_entry_pay_idx ON fund_entry (roster_entry_id, pay_month) WHERE roster_entry_id IS NOT NULL;

      CREATE TABLE fund_statement (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        fund_id uuid NOT NULL REFERENCES security_fund(id),
        period_start date NOT NULL,
        period_end date NOT NULL,
        opening_balance_minor bigint NOT NULL,
        contributions_minor bigint NOT NULL,
        payouts_minor bigint NOT NULL,
        closing_balance_minor bigint NOT NULL,
        entry_count int NOT NULL,
        lines jsonb NOT NULL CHECK (jsonb_typeof(lines) = 'array'),
        note text,
        published_by_user_id uuid NOT NULL REFERENCES app_user(id),
        published_at timestamptz(3) NOT NULL DEFAULT now(),
        CHECK (period_end >= period_start)
      );
      CREATE INDEX fund_statement_fund_idx ON fund_statement (fund_id, period_start);

      CREATE FUNCTION fund_entry_guard() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        fund uuid := coalesce(NEW.fund_id, OLD.fund_id);
        day date := coalesce(NEW.occurred_on, OLD.occurred_on);
      BEGIN
        IF TG_OP = 'DELETE' THEN
          RAISE EXCEPTION 'fund entries are never deleted; record a reversing entry' USING ERRCODE = 'check_violation';
        END IF;
        IF TG_OP = 'UPDATE' AND (NEW.fund_id, NEW.kind, NEW.category, NEW.occurred_on, NEW.amount_minor, NEW.recorded_by_user_id, NEW.reverses_entry_id, NEW.roster_entry_id, NEW.pay_month)
             IS DISTINCT FROM (OLD.fund_id, OLD.kind, OLD.category, OLD.occurred_on, OLD.amount_minor, OLD.recorded_by_user_id, OLD.reverses_entry_id, OLD.roster_entry_id, OLD.pay_month) THEN
          RAISE EXCEPTION 'fund entries are never edited; record a reversing entry' USING ERRCODE = 'check_violation';
        END IF;
        IF TG_OP = 'UPDATE' AND OLD.status <> 'PENDING' THEN
          RAISE EXCEPTION 'a decided fund entry does not change' USING ERRCODE = 'check_violation';
        END IF;
        IF EXISTS (SELECT 1 FROM fund_statement s WHERE s.fund_id = fund AND day BETWEEN s.period_start AND s.period_end) THEN
          RAISE EXCEPTION 'the period of this entry is published and frozen' USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER fund_entry_guard BEFORE INSERT OR UPDATE OR DELETE ON fund_entry FOR EACH ROW EXECUTE FUNCTION fund_entry_guard();

      -- Who may see a fund: its organisation, those supervising or guiding it, the organisations of the teams it pays, and the parties of its contract.
      CREATE FUNCTION security_fund_audience(fund uuid, on_day date) RETURNS uuid[]
      LANGUAGE sql STABLE AS $$
        SELECT array_agg(DISTINCT s.id) FROM (
          SELECT f.organization_id AS id FROM security_fund f WHERE f.id = fund
          UNION ALL
          SELECT r.from_organization_id FROM security_fund f JOIN relationship r ON r.to_organization_id = f.organization_id
           WHERE f.id = fund AND r.type IN ('SUPERVISES','GUIDES') AND r.status = 'ACCEPTED'
             AND r.starts_on <= on_day AND (r.ends_on IS NULL OR r.ends_on >= on_day)
          UNION ALL
          SELECT t.organization_id FROM security_fund_team ft JOIN patrol_team t ON t.id = ft.team_id WHERE ft.fund_id = fund
          UNION ALL
          SELECT p.organization_id FROM security_fund f JOIN contract_party p ON p.contract_id = f.contract_id WHERE f.id = fund
        ) s
      $$;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP FUNCTION security_fund_audience(uuid, date);
      DROP TABLE fund_statement;
      DROP TABLE fund_entry;
      DROP FUNCTION fund_entry_guard();
      DROP TABLE security_fund_team;
      DROP TABLE security_fund;
    `);
  }
}
