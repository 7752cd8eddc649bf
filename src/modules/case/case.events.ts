import type { Tx } from '../../shared/transaction';
import { jurisdictionOrganizationIds } from '../organization/organization.service';
import { Case, CaseEvent, CaseEventType, CaseEventVisibility } from './case.entity';

export const CASE_TOPIC = 'case';

/** Who is entitled to a case's events and timeline, as of now. */
export interface CaseAudience {
  areaPath: string;
  jurisdictionOrganizationIds: string[];
  /** The reporter and the reporters of duplicates merged into the case. */
  reporterUserIds: string[];
  /** The partner organisation(s) whose system reported the case or a merged duplicate. */
  reporterOrganizationIds: string[];
}

export async function loadAudience(tx: Tx, record: Case): Promise<CaseAudience> {
  const [{ path }] = await tx.em.query(`SELECT path FROM area WHERE id = $1`, [record.areaId]);
  const jurisdiction = await jurisdictionOrganizationIds(tx, path);
  const followers: { user_id: string | null; organization_id: string | null }[] = await tx.em.query(
    `SELECT user_id, organization_id FROM case_follower WHERE case_id = $1`,
    [record.id],
  );
  return {
    areaPath: path,
    jurisdictionOrganizationIds: jurisdiction,
    reporterUserIds: [record.reporterUserId, ...followers.map((f) => f.user_id)].filter((id): id is string => !!id),
    reporterOrganizationIds: [record.reporterOrganizationId, ...followers.map((f) => f.organization_id)].filter((id): id is string => !!id),
  };
}

/** Organisations that see everything about the case: assigned, supervising, and those whose jurisdiction covers its area. */
export function handlingOrganizationIds(record: Case, audience: CaseAudience): string[] {
  return [record.responsibleOrganizationId, record.supervisingOrganizationId, ...audience.jurisdictionOrganizationIds].filter((id): id is string => !!id);
}

export interface CaseStep {
  type: CaseEventType;
  visibility: CaseEventVisibility;
  body?: string | null;
  data?: Record<string, unknown>;
  at: Date;
}

/**
 * Appends a step to the case's timeline and emits the matching event: the
 * handling organisations get every step; the reporter (and followers) only
 * the public ones.
 */
export async function recordStep(tx: Tx, record: Case, audience: CaseAudience, step: CaseStep): Promise<CaseEvent> {
  const entry = tx.em.create(CaseEvent, {
    caseId: record.id,
    type: step.type,
    visibility: step.visibility,
    actorUserId: tx.ctx.viewer.userId,
    actorClientId: tx.ctx.viewer.clientId,
    body: step.body ?? null,
    data: step.data ?? {},
    statusAfter: record.status,
    occurredAt: step.at,
  });
  await tx.em.insert(CaseEvent, entry);
  const isPublic = step.visibility === CaseEventVisibility.PUBLIC;
  tx.emit({
    topic: CASE_TOPIC,
    type: `case.${step.type.toLowerCase()}`,
    subjectId: record.id,
    areaPath: audience.areaPath,
    organizationIds: [...handlingOrganizationIds(record, audience), ...(isPublic ? audience.reporterOrganizationIds : [])],
    userIds: isPublic ? audience.reporterUserIds : [],
    payload: { caseId: record.id, caseEventId: String(entry.id), step: step.type, status: record.status, visibility: step.visibility, data: step.data ?? {} },
  });
  return entry;
}
