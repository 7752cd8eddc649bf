import type { Tx } from '../../shared/transaction';
import { createCaseFromPatrolIncident } from '../case/case.intake';
import type { IncidentSeverity, Patrol, PatrolTeam } from './patrol.entity';

export interface PatrolIncident {
  /** The INCIDENT patrol event, already inserted in this transaction. */
  eventId: string;
  patrol: Patrol;
  team: PatrolTeam;
  text: string;
  severity: IncidentSeverity;
  deviceTime: Date;
  latitude: number | null;
  longitude: number | null;
}

/**
 * Opens a case (PUBLIC_SECURITY, channel PATROL) for an INCIDENT in the
 * recording transaction and returns its id: if the case cannot be opened,
 * the check-in is not recorded either, and the phone retries the batch.
 */
export async function openIncidentCase(tx: Tx, incident: PatrolIncident): Promise<string | null> {
  const firstLine = incident.text.split('\n')[0].trim();
  const { caseId } = await createCaseFromPatrolIncident(tx, {
    areaId: incident.patrol.areaId,
    title: firstLine.length > 100 ? `${firstLine.slice(0, 99)}…` : firstLine,
    description: `${incident.text}\n\n— ${incident.team.name}, patrol event ${incident.eventId}`,
    severity: incident.severity,
    reporterUserId: tx.ctx.viewer.userId,
    patrolId: incident.patrol.id,
    occurredAt: incident.deviceTime,
    latitude: incident.latitude,
    longitude: incident.longitude,
  });
  return caseId;
}
