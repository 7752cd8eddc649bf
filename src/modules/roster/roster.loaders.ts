import { In } from 'typeorm';
import type { EntityManager } from 'typeorm';
import { defineByIdLoader, defineLoader, groupByKey } from '../../shared/loaders';
import { defineChildConnection } from '../../shared/relay/child-connection';
import { RosterEntry, RosterHours, RosterRecognition } from './roster.entity';

export const rosterEntriesById = defineByIdLoader(RosterEntry);

export const rosterRecognitionsById = defineByIdLoader(RosterRecognition);

const byName = [
  { sql: 'x.name', value: (e: RosterEntry) => e.name },
  { sql: 'x.id', value: (e: RosterEntry) => e.id },
];

/** A team's roster by name: those on it now. */
export const currentRosterEntriesByTeamId = defineChildConnection<RosterEntry>({ entity: RosterEntry, parentColumn: 'x.team_id', sort: byName, where: 'x.left_on IS NULL' });

/** A team's roster by name, those who left included. */
export const allRosterEntriesByTeamId = defineChildConnection<RosterEntry>({ entity: RosterEntry, parentColumn: 'x.team_id', sort: byName });

/** Recognitions of each person, newest first. */
export const recognitionsByRosterEntryId = defineLoader<string, RosterRecognition[]>(async (ids, ctx) => {
  const rows = await ctx.app.db.getRepository(RosterRecognition).find({ where: { rosterEntryId: In([...ids]) }, order: { awardedOn: 'DESC', createdAt: 'DESC' } });
  return groupByKey(ids, rows, (r) => r.rosterEntryId);
});

/** Roster entry ids of each patrol's participants. */
export const participantIdsByPatrolId = defineLoader<string, string[]>(async (ids, ctx) => {
  const rows: { patrol_id: string; roster_entry_id: string }[] = await ctx.app.db.query(
    `SELECT pp.patrol_id, pp.roster_entry_id FROM patrol_participant pp JOIN roster_entry r ON r.id = pp.roster_entry_id WHERE pp.patrol_id = ANY($1) ORDER BY pp.patrol_id, r.name, r.id`,
    [[...ids]],
  );
  return groupByKey(ids, rows, (r) => r.patrol_id).map((g) => g.map((r) => r.roster_entry_id));
});

/**
 * Hours and completed patrols of people in months (keys: roster entry id and
 * the month's first day). A patrol counts in the month of its planned start
 * (China Standard Time); its length is start to end as recorded, else as planned.
 */
export async function hoursOf(em: Pick<EntityManager, 'query'>, keys: readonly { rosterEntryId: string; month: string }[]): Promise<RosterHours[]> {
  const rows: { i: string; patrols: number; hours: string | null }[] = await em.query(
    `SELECT k.i::text AS i, count(p.id)::int AS patrols,
            round((sum(greatest(0, extract(epoch FROM coalesce(p.ended_at, p.planned_end) - coalesce(p.started_at, p.planned_start)))) / 3600.0)::numeric, 2) AS hours
       FROM unnest($1::uuid[], $2::date[]) WITH ORDINALITY AS k(entry, month, i)
       LEFT JOIN patrol_participant pp ON pp.roster_entry_id = k.entry
       LEFT JOIN patrol p ON p.id = pp.patrol_id AND p.status = 'COMPLETED'
            AND p.planned_start >= k.month::timestamp AT TIME ZONE 'Asia/Shanghai'
            AND p.planned_start < (k.month + interval '1 month')::timestamp AT TIME ZONE 'Asia/Shanghai'
      GROUP BY k.i`,
    [keys.map((k) => k.rosterEntryId), keys.map((k) => k.month)],
  );
  const byIndex = new Map(rows.map((r) => [Number(r.i), r]));
  return keys.map((k, i) => {
    const row = byIndex.get(i + 1);
    return Object.assign(new RosterHours(), { rosterEntryId: k.rosterEntryId, month: k.month, patrols: row?.patrols ?? 0, hours: Number(row?.hours ?? 0) });
  });
}

export const hoursByRosterEntryAndMonth = defineLoader<{ rosterEntryId: string; month: string }, RosterHours>(
  async (keys, ctx) => hoursOf(ctx.app.db.manager, keys),
  (k) => `${k.rosterEntryId}|${k.month}`,
);
