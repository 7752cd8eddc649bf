import type { DataSource } from 'typeorm';
import type { AppContext } from '../../shared/context';
import type { EventBus } from '../../shared/events/event-bus';
import { badUserInput, forbidden, notFound } from '../../shared/errors';
import type { EventRecord } from '../../shared/events/event.entity';
import { eventStream, loadersForEvent, parseCursor } from '../../shared/events/event-stream';
import { keepPlanned } from '../../shared/read-plan/planned';
import { idOf } from '../../shared/relay/global-id';
import { findArea } from '../area/area.service';
import { PATROL_TOPIC, PATROL_UPDATE_TYPES } from './patrol.events';
import { PatrolEvent } from './patrol.entity';
import { findPatrolTeam, viewerHasStakeInArea } from './patrol.service';

/**
 * The source of `patrolUpdates`. Checked once when subscribing (an area you
 * have no stake in is FORBIDDEN; a team you may not see answers like an
 * unknown id) and, by the event stream, again for every event against the
 * patrol's audience as of that event and your memberships as of now.
 */
export async function patrolUpdateStream(ctx: AppContext, args: { areaId?: string | null; teamId?: string | null; after?: string | null }): Promise<AsyncIterable<EventRecord>> {
  const cursor = parseCursor(args.after);
  if (Boolean(args.areaId) === Boolean(args.teamId)) throw badUserInput('Give exactly one of areaId or teamId.');
  if (args.areaId) {
    const area = await findArea(ctx, idOf(args.areaId, 'Area'));
    if (!area) throw notFound('Area');
    if (!(await viewerHasStakeInArea(ctx, area.path))) throw forbidden('You have no stake in the patrols of this area (no jurisdiction, team or contractor there).');
    const stillAllowed = (now: AppContext) => viewerHasStakeInArea(now, area.path);
    return eventStream(ctx, { topic: PATROL_TOPIC, areaPathPrefix: area.path, types: PATROL_UPDATE_TYPES, stillAllowed }, cursor);
  }
  const team = await findPatrolTeam(ctx, idOf(args.teamId, 'PatrolTeam'));
  if (!team) throw notFound('PatrolTeam');
  const teamId = team.id;
  const stillAllowed = async (now: AppContext) => (await findPatrolTeam(now, teamId)) !== null;
  return eventStream(ctx, { topic: PATROL_TOPIC, types: PATROL_UPDATE_TYPES, visible: (event) => event.payload.teamId === teamId, stillAllowed }, cursor);
}

/** Kind under which keepRecordedCheckIns keeps a patrol.eventsRecorded event's check-ins, in its order, by event id. */
export const RECORDED_CHECK_INS = 'PatrolUpdate.events';

/** How long, and how many, check-ins this process recorded are held for the deliveries of their batch. */
const HELD_FOR_MS = 30_000;
const HELD_AT_MOST = 20_000;

/**
 * Check-ins this process has just recorded, by id, per event bus (one per app): a batch's deliveries take its rows
 * from here instead of reading back from patrol_event what the recording statement returned a moment before (half
 * a millisecond of PostgreSQL and the hydration of every row, per batch). Safe because check-ins are append-only
 * (a trigger refuses any change but the incident's case link, made before commit, which the held row carries):
 * a held row is the committed row. Rows of a batch that did not commit are never asked for (no committed event
 * names them) and age out. Batches other processes recorded are read as before.
 */
const heldByBus = new WeakMap<EventBus, Map<string, { row: PatrolEvent; at: number }>>();

function heldCheckIns(bus: EventBus): Map<string, { row: PatrolEvent; at: number }> {
  let held = heldByBus.get(bus);
  if (!held) heldByBus.set(bus, (held = new Map()));
  return held;
}

/** Called by the recording transaction before it commits, with the rows as they will be committed. */
export function holdRecordedCheckIns(bus: EventBus, rows: PatrolEvent[]): void {
  const held = heldCheckIns(bus);
  const now = Date.now();
  // A Map iterates in insertion order: the oldest entries are first.
  for (const [id, entry] of held) {
    if (held.size + rows.length <= HELD_AT_MOST && now - entry.at < HELD_FOR_MS) break;
    held.delete(id);
  }
  for (const row of rows) held.set(row.id, { row, at: now });
}

/**
 * Before a run of live events reaches its subscribers (EventBus.beforeDelivery): the check-ins of every
 * patrol.eventsRecorded among them, taken from what this process recorded (holdRecordedCheckIns) or read in one
 * statement, and kept for that event's deliveries, which share its loaders. Otherwise each batch's check-ins are
 * read when its first subscriber gets to it, and a subscriber takes its events one after the other: under a
 * stream of batches, deliveries queued behind one round trip per batch. Rows as the loaders would read them; who
 * may see them is still decided per subscriber per event.
 */
export async function keepRecordedCheckIns(db: DataSource, bus: EventBus, events: EventRecord[]): Promise<void> {
  const recorded = events.filter((e) => e.topic === PATROL_TOPIC && e.type === 'patrol.eventsRecorded' && Array.isArray(e.payload.eventIds));
  if (recorded.length === 0) return;
  const held = heldCheckIns(bus);
  const byId = new Map<string, PatrolEvent>();
  const missing: string[] = [];
  for (const id of new Set(recorded.flatMap((e) => e.payload.eventIds as string[]))) {
    const entry = held.get(id);
    if (entry) {
      byId.set(id, entry.row);
      held.delete(id);
    } else missing.push(id);
  }
  if (missing.length > 0) {
    const rows = await db.getRepository(PatrolEvent).createQueryBuilder('x').where('x.id = ANY(:ids)', { ids: missing }).getMany();
    for (const row of rows) byId.set(row.id, row);
  }
  for (const event of recorded) {
    const kept = { loaders: loadersForEvent(event.id) } as AppContext;
    const rows: PatrolEvent[] = [];
    for (const id of event.payload.eventIds as string[]) {
      const row = byId.get(id);
      if (!row) continue;
      keepPlanned(kept, PatrolEvent.name, id, row);
      rows.push(row);
    }
    // The whole list as well: each subscriber's copy takes it in one lookup rather than one per check-in.
    if (rows.length === (event.payload.eventIds as string[]).length) keepPlanned(kept, RECORDED_CHECK_INS, event.id, rows);
  }
}
