import type { AppContext } from '../../shared/context';
import { badUserInput, forbidden, notFound } from '../../shared/errors';
import type { EventRecord } from '../../shared/events/event.entity';
import { eventStream, parseCursor } from '../../shared/events/event-stream';
import { idOf } from '../../shared/relay/global-id';
import { findArea } from '../area/area.service';
import { PATROL_TOPIC, PATROL_UPDATE_TYPES } from './patrol.events';
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
