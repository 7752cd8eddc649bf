import type { DataSource } from 'typeorm';
import type { AppContext } from '../../shared/context';
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

/**
 * Before a run of live events reaches its subscribers (EventBus.beforeDelivery): the check-ins of every
 * patrol.eventsRecorded among them, read in one statement and kept for that event's deliveries, which
 * share its loaders. Otherwise each batch's check-ins are read when its first subscriber gets to it, and
 * a subscriber takes its events one after the other: under a stream of batches, deliveries queued behind
 * one round trip per batch. Rows as the loaders would read them; who may see them is still decided per
 * subscriber per event.
 */
export async function keepRecordedCheckIns(db: DataSource, events: EventRecord[]): Promise<void> {
  const recorded = events.filter((e) => e.topic === PATROL_TOPIC && e.type === 'patrol.eventsRecorded' && Array.isArray(e.payload.eventIds));
  if (recorded.length === 0) return;
  const ids = [...new Set(recorded.flatMap((e) => e.payload.eventIds as string[]))];
  const rows = await db.getRepository(PatrolEvent).createQueryBuilder('x').where('x.id = ANY(:ids)', { ids }).getMany();
  const byId = new Map(rows.map((row) => [row.id, row]));
  for (const event of recorded) {
    const kept = { loaders: loadersForEvent(event.id) } as AppContext;
    for (const id of event.payload.eventIds as string[]) {
      const row = byId.get(id);
      if (row) keepPlanned(kept, PatrolEvent.name, id, row);
    }
  }
}
