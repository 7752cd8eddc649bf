import { In } from 'typeorm';
import { byKey, defineByIdLoader, defineLoader, groupByKey } from '../../shared/loaders';
import { defineChildConnection } from '../../shared/relay/child-connection';
import { Case, CaseEvent, CaseFollower, DisposalPlanPhase, IllegalConstructionLedgerRecord } from './case.entity';

export const casesById = defineByIdLoader(Case);

/** The jurisdiction rows over an area (alias) or any of its ancestors, as `j`; the planned case list reads the same. */
export const coveringJurisdictions = (area: string) =>
  `unnest(string_to_array(trim(both '/' from ${area}.path), '/')::uuid[]) AS up(area_id)
       JOIN organization_jurisdiction j ON j.area_id = up.area_id`;

/**
 * Organisations whose jurisdiction covers each area (the area itself or any
 * ancestor). The path's ids are compared as uuids, so the jurisdiction-area
 * index serves each (comparing `area_id::text` read every jurisdiction row,
 * once per replayed event and per access check).
 */
export const jurisdictionOrganizationIdsByAreaId = defineLoader<string, string[]>(async (ids, ctx) => {
  const rows: { area_id: string; organization_id: string }[] = await ctx.app.db.query(
    `SELECT DISTINCT a.id AS area_id, j.organization_id
       FROM area a
       CROSS JOIN LATERAL ${coveringJurisdictions('a')}
      WHERE a.id = ANY($1::uuid[])`,
    [[...ids]],
  );
  return groupByKey(ids, rows, (r) => r.area_id).map((group) => group.map((r) => r.organization_id));
});

export const caseFollowersByCaseId = defineLoader<string, CaseFollower[]>(async (ids, ctx) => {
  const rows = await ctx.app.db.getRepository(CaseFollower).findBy({ caseId: In([...ids]) });
  return groupByKey(ids, rows, (f) => f.caseId);
});

export const ledgerRecordsByCaseId = defineLoader<string, IllegalConstructionLedgerRecord | null>(async (ids, ctx) => {
  const rows = await ctx.app.db.getRepository(IllegalConstructionLedgerRecord).findBy({ caseId: In([...ids]) });
  return byKey(ids, rows, (r) => r.caseId);
});

/** A plan has at most 50 phases, so all of them are loaded at once. */
export const disposalPhasesByCaseId = defineLoader<string, DisposalPlanPhase[]>(async (ids, ctx) => {
  const rows = await ctx.app.db.getRepository(DisposalPlanPhase).find({ where: { caseId: In([...ids]) }, order: { ordinal: 'ASC' } });
  return groupByKey(ids, rows, (p) => p.caseId);
});

export const disposalPhasesById = defineByIdLoader(DisposalPlanPhase);

const timelineSort = [{ sql: 'x.id', value: (e: CaseEvent) => e.id }];

/** The whole timeline of each case, oldest first. */
export const caseEventsByCaseId = defineChildConnection<CaseEvent>({ entity: CaseEvent, parentColumn: 'x.case_id', sort: timelineSort });

/** The part of each timeline the reporter sees. */
export const publicCaseEventsByCaseId = defineChildConnection<CaseEvent>({
  entity: CaseEvent,
  parentColumn: 'x.case_id',
  sort: timelineSort,
  where: `x.visibility = 'PUBLIC'`,
});

export const caseEventsById = defineLoader<string, CaseEvent | null>(async (ids, ctx) => {
  const rows = await ctx.app.db.getRepository(CaseEvent).findBy({ id: In([...ids]) });
  return byKey(ids, rows, (e) => String(e.id));
});
