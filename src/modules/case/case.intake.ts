import { randomUUID } from 'node:crypto';
import { UserErrorCode } from '../../shared/errors';
import { clock } from '../../shared/clock';
import { fail, type Tx } from '../../shared/transaction';
import { Case, CaseCategory, CaseChannel, CaseEventType, CaseEventVisibility, CaseSeverity, CaseStatus, type CaseAttachment } from './case.entity';
import { loadAudience, recordStep } from './case.events';

const yearFormat = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric' });
const HOUR = 3_600_000;
/** Used when no default is configured for a category and severity. */
const FALLBACK_SLA_HOURS = 240;

export interface NewCase {
  areaId: string;
  category: CaseCategory;
  channel: CaseChannel;
  severity: CaseSeverity;
  title: string;
  description: string;
  latitude?: number | null;
  longitude?: number | null;
  address?: string | null;
  reporterUserId?: string | null;
  reporterOrganizationId?: string | null;
  reporterContact?: string | null;
  externalSource?: string | null;
  externalId?: string | null;
  patrolId?: string | null;
  attachments?: CaseAttachment[];
  reportedAt?: Date;
}

/** Default hours to resolve a case of this category and severity. */
export async function slaHours(tx: Pick<Tx, 'em'>, category: CaseCategory, severity: CaseSeverity): Promise<number> {
  const rows: { hours: number }[] = await tx.em.query(`SELECT hours FROM case_sla_default WHERE category = $1 AND severity = $2`, [category, severity]);
  return rows[0]?.hours ?? FALLBACK_SLA_HOURS;
}

export function dueFrom(start: Date, hours: number): Date {
  return new Date(start.getTime() + hours * HOUR);
}

/**
 * The next reference number for a case in this area: the nearest configured
 * prefix above the area, else the code of its district or county, else CASE;
 * then the year (China Standard Time) and a per-prefix, per-year sequence.
 */
export async function nextReference(tx: Pick<Tx, 'em'>, areaPath: string, at: Date): Promise<string> {
  const year = Number(yearFormat.format(at));
  const [row]: { prefix: string; last_value: number }[] = await tx.em.query(
    `WITH chosen AS (
       SELECT coalesce(
         (SELECT r.prefix FROM case_reference_prefix r JOIN area a ON a.id = r.area_id
           WHERE r.area_id = ANY($1::uuid[]) ORDER BY a.depth DESC LIMIT 1),
         (SELECT nullif(upper(regexp_replace(a.code, '[^A-Za-z0-9]', '', 'g')), '') FROM area a
           WHERE a.id = ANY($1::uuid[]) AND a.kind IN ('DISTRICT','COUNTY') AND a.code IS NOT NULL ORDER BY a.depth DESC LIMIT 1),
         'CASE') AS prefix
     )
     INSERT INTO case_sequence (prefix, year, last_value) SELECT left(prefix, 20), $2, 1 FROM chosen
     ON CONFLICT (prefix, year) DO UPDATE SET last_value = case_sequence.last_value + 1
     RETURNING prefix, last_value`,
    [areaPath.split('/').filter(Boolean), year],
  );
  return `${row.prefix}-${year}-${String(row.last_value).padStart(6, '0')}`;
}

/**
 * Looks up a case already created for this external id; holds a transaction
 * lock on the key so two concurrent deliveries of the same id create one case.
 */
export async function findByExternalId(tx: Tx, source: string, externalId: string): Promise<Case | null> {
  await tx.em.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`case-external:${source}:${externalId}`]);
  return tx.em.findOneBy(Case, { externalSource: source, externalId });
}

/** Inserts a new case with its reference, due date and first timeline step, and emits `case.reported`. */
export async function insertCase(tx: Tx, input: NewCase): Promise<Case> {
  const areas: { path: string }[] = await tx.em.query(`SELECT path FROM area WHERE id = $1`, [input.areaId]);
  if (!areas.length) fail('areaId', UserErrorCode.NOT_FOUND, 'No Area with this id.');
  const now = clock.now();
  const reportedAt = input.reportedAt && input.reportedAt < now ? input.reportedAt : now;
  const id = randomUUID();
  const record = tx.em.create(Case, {
    id,
    reference: await nextReference(tx, areas[0].path, reportedAt),
    category: input.category,
    channel: input.channel,
    severity: input.severity,
    status: CaseStatus.REPORTED,
    title: input.title,
    description: input.description,
    areaId: input.areaId,
    latitude: input.latitude ?? null,
    longitude: input.longitude ?? null,
    address: input.address ?? null,
    reporterUserId: input.reporterUserId ?? null,
    reporterOrganizationId: input.reporterOrganizationId ?? null,
    reporterContact: input.reporterContact ?? null,
    recordedByUserId: tx.ctx.viewer.userId,
    recordedByClientId: tx.ctx.viewer.clientId,
    externalSource: input.externalSource ?? null,
    externalId: input.externalId ?? null,
    patrolId: input.patrolId ?? null,
    responsibleOrganizationId: null,
    leaderUserId: null,
    handlerUserId: null,
    supervisingOrganizationId: null,
    supervisedAt: null,
    dueAt: dueFrom(reportedAt, await slaHours(tx, input.category, input.severity)),
    escalatedAt: null,
    reportedAt,
    mergedIntoId: null,
    attachments: input.attachments ?? [],
    version: 1,
    createdAt: now,
    updatedAt: now,
  });
  await tx.em.insert(Case, record);
  const audience = await loadAudience(tx, record);
  await recordStep(tx, record, audience, {
    type: CaseEventType.REPORTED,
    visibility: CaseEventVisibility.PUBLIC,
    data: { channel: input.channel, category: input.category, severity: input.severity },
    at: reportedAt,
  });
  tx.audit({
    action: 'caseReport',
    recordType: 'Case',
    recordId: id,
    details: { reference: record.reference, channel: input.channel, category: input.category, severity: input.severity, areaId: input.areaId, externalId: input.externalId ?? null },
  });
  return record;
}

export interface PatrolIncidentInput {
  areaId: string;
  title: string;
  description: string;
  severity: 'LOW' | 'MEDIUM' | 'HIGH' | 'CRITICAL';
  reporterUserId: string | null;
  patrolId: string;
  occurredAt: Date;
  latitude?: number | null;
  longitude?: number | null;
}

/**
 * Opens a PUBLIC_SECURITY case (channel PATROL) for an incident a patrol
 * raised, inside the caller's transaction. Idempotent per patrol and
 * incident time: calling it again for the same incident returns the same case.
 * Throws a userErrors failure (NOT_FOUND on `areaId`) for an unknown area.
 */
export async function createCaseFromPatrolIncident(tx: Tx, input: PatrolIncidentInput): Promise<{ caseId: string }> {
  const source = `patrol:${input.patrolId}`;
  const externalId = input.occurredAt.toISOString();
  const existing = await findByExternalId(tx, source, externalId);
  if (existing) return { caseId: existing.id };
  const severity = Object.values(CaseSeverity).includes(input.severity as CaseSeverity) ? (input.severity as CaseSeverity) : CaseSeverity.MEDIUM;
  const valid = (v: number | null | undefined, limit: number) => (typeof v === 'number' && Number.isFinite(v) && Math.abs(v) <= limit ? v : null);
  const record = await insertCase(tx, {
    areaId: input.areaId,
    category: CaseCategory.PUBLIC_SECURITY,
    channel: CaseChannel.PATROL,
    severity,
    title: (input.title.trim() || 'Patrol incident').slice(0, 200),
    description: (input.description.trim() || input.title.trim() || 'Patrol incident').slice(0, 10_000),
    latitude: valid(input.latitude, 90),
    longitude: valid(input.longitude, 180),
    reporterUserId: input.reporterUserId,
    externalSource: source,
    externalId,
    patrolId: input.patrolId,
    reportedAt: input.occurredAt,
  });
  return { caseId: record.id };
}
