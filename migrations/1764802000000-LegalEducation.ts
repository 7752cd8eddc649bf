import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Legal education (普法): activities held by the organisation responsible
 * under 誰執法誰普法, with the cases they explained (以案釋法); annual plans
 * with targets by form and area; community legal-service rooms
 * (村(社區)公共法律服務工作室) with lawyer duty rosters and consultations.
 */
export class LegalEducation1764802000000 implements MigrationInterface {
  name = 'LegalEducation1764802000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE legal_education_activity (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        organizer_organization_id uuid NOT NULL REFERENCES organization(id),
        form text NOT NULL,
        topic text NOT NULL CHECK (length(topic) BETWEEN 1 AND 200),
        laws text[] NOT NULL DEFAULT '{}',
        legal_day text,
        case_category text,
        area_id uuid NOT NULL REFERENCES area(id),
        venue text CHECK (venue IS NULL OR length(venue) <= 200),
        starts_at timestamptz(3) NOT NULL,
        ends_at timestamptz(3) NOT NULL,
        audience_groups text[] NOT NULL DEFAULT '{}',
        status text NOT NULL DEFAULT 'PLANNED' CHECK (status IN ('PLANNED','HELD','CANCELLED')),
        attendance int CHECK (attendance IS NULL OR attendance >= 0),
        materials_handed_out int CHECK (materials_handed_out IS NULL OR materials_handed_out >= 0),
        questions_answered int CHECK (questions_answered IS NULL OR questions_answered >= 0),
        report text,
        cancel_reason text,
        created_by_user_id uuid REFERENCES app_user(id),
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now(),
        version int NOT NULL DEFAULT 1,
        CHECK (ends_at >= starts_at)
      );
      CREATE INDEX legal_education_activity_organizer ON legal_education_activity (organizer_organization_id, starts_at);
      CREATE INDEX legal_education_activity_area ON legal_education_activity (area_id, starts_at);
      CREATE TABLE legal_education_case (
        activity_id uuid NOT NULL REFERENCES legal_education_activity(id),
        case_id uuid NOT NULL REFERENCES case_record(id),
        PRIMARY KEY (activity_id, case_id)
      );
      CREATE TABLE legal_education_plan (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        organization_id uuid NOT NULL REFERENCES organization(id),
        year int NOT NULL CHECK (year BETWEEN 2000 AND 2100),
        targets jsonb NOT NULL CHECK (jsonb_typeof(targets) = 'array'),
        note text,
        set_by_user_id uuid REFERENCES app_user(id),
        updated_at timestamptz(3) NOT NULL DEFAULT now(),
        UNIQUE (organization_id, year)
      );
      CREATE TABLE legal_service_room (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        organization_id uuid NOT NULL REFERENCES organization(id),
        area_id uuid NOT NULL REFERENCES area(id),
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        address text,
        opening_hours text,
        created_at timestamptz(3) NOT NULL DEFAULT now()
      );
      CREATE INDEX legal_service_room_area ON legal_service_room (area_id);
      CREATE TABLE legal_service_duty (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        room_id uuid NOT NULL REFERENCES legal_service_room(id),
        lawyer_name text NOT NULL CHECK (length(lawyer_name) BETWEEN 1 AND 100),
        lawyer_organization_id uuid REFERENCES organization(id),
        lawyer_phone text,
        starts_at timestamptz(3) NOT NULL,
        ends_at timestamptz(3) NOT NULL,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        CHECK (ends_at > starts_at)
      );
      CREATE INDEX legal_service_duty_room ON legal_service_duty (room_id, starts_at);
      CREATE TABLE legal_consultation (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        room_id uuid NOT NULL REFERENCES legal_service_room(id),
        duty_id uuid REFERENCES legal_service_duty(id),
        occurred_at timestamptz(3) NOT NULL,
        topic text NOT NULL CHECK (length(topic) BETWEEN 1 AND 200),
        case_category text,
        outcome text NOT NULL,
        case_id uuid REFERENCES case_record(id),
        logged_by_user_id uuid REFERENCES app_user(id),
        created_at timestamptz(3) NOT NULL DEFAULT now()
      );
      CREATE INDEX legal_consultation_room ON legal_consultation (room_id, occurred_at);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE legal_consultation; DROP TABLE legal_service_duty; DROP TABLE legal_service_room; DROP TABLE legal_education_plan; DROP TABLE legal_education_case; DROP TABLE legal_education_activity;`);
  }
}
