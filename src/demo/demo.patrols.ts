import { randomUUID } from 'node:crypto';
import { clock } from '../shared/clock';
import {
  Checkpoint,
  CheckpointKind,
  Patrol,
  CheckInProof,
  PatrolEvent,
  PatrolEventFlag,
  PatrolEventKind,
  PatrolPlannedCheckpoint,
  PatrolStatus,
  PatrolTeam,
  PatrolTeamKind,
  PatrolTeamMember,
  PatrolTeamRole,
  Route,
  RouteCheckpoint,
} from '../modules/patrol/patrol.entity';
import type { DemoContext } from './demo.types';

const MINUTE = 60_000;
const DAY = 86_400_000;

/** 00:00 China Standard Time of the day `offset` days from today. */
function localMidnight(offset: number): number {
  const now = clock.now().getTime();
  const cst = now + 8 * 3_600_000;
  return cst - (cst % DAY) - 8 * 3_600_000 + offset * DAY;
}

/**
 * Shashi volunteer patrols (沙市區義務巡防總隊) doing daytime door and shop
 * watch in 三板橋社區, and the contracted security company's gate patrols in its
 * zone: a week of recorded patrols (some with missed checkpoints, one missed
 * shift, one far-off check-in), one patrol under way now and one planned.
 */
export async function seedPatrols({ em, ids }: DemoContext): Promise<void> {
  const volunteers = ids['org:patrol-volunteers'];
  const security = ids['org:security-shashi'];
  const community = ids['area:c-sanbanqiao'];
  const grid1 = ids['area:g-sanbanqiao-1'];
  const grid2 = ids['area:g-sanbanqiao-2'];

  const team = (key: string, name: string, kind: PatrolTeamKind, organizationId: string, contractId: string | null = null) => {
    ids[`patrolTeam:${key}`] = randomUUID();
    return { id: ids[`patrolTeam:${key}`], name, kind, organizationId, areaId: community, contractId };
  };
  await em.insert(PatrolTeam, [
    team('sanbanqiao-1', '三板橋社區義務巡防一隊', PatrolTeamKind.VOLUNTEER, volunteers),
    team('sanbanqiao-2', '三板橋社區義務巡防二隊', PatrolTeamKind.VOLUNTEER, volunteers),
    team('sanbanqiao-3', '三板橋社區義務巡防三隊', PatrolTeamKind.VOLUNTEER, volunteers),
    team('security', '沙市保安三板橋巡邏隊', PatrolTeamKind.CONTRACTED, security, ids['contract:sanbanqiao-security'] ?? null),
  ]);
  await em.insert(PatrolTeamMember, [
    { teamId: ids['patrolTeam:sanbanqiao-1'], userId: ids['user:coordinator'], role: PatrolTeamRole.LEADER },
    { teamId: ids['patrolTeam:security'], userId: ids['user:security-admin'], role: PatrolTeamRole.LEADER },
  ]);

  const checkpoint = (key: string, name: string, kind: CheckpointKind, organizationId: string, areaId: string, latitude: number, longitude: number) => {
    ids[`checkpoint:${key}`] = randomUUID();
    return { id: ids[`checkpoint:${key}`], name, kind, organizationId, areaId, latitude, longitude };
  };
  const points = [
    checkpoint('door-12', '三板橋路12號門棟', CheckpointKind.DOOR, volunteers, grid1, 30.30912, 112.24205),
    checkpoint('door-18', '三板橋路18號門棟', CheckpointKind.DOOR, volunteers, grid1, 30.30958, 112.24262),
    checkpoint('door-26', '三板橋路26號門棟', CheckpointKind.DOOR, volunteers, grid1, 30.31003, 112.24318),
    checkpoint('shop-pharmacy', '民生大藥房', CheckpointKind.SHOP, volunteers, grid1, 30.30871, 112.24302),
    checkpoint('shop-grocery', '三板橋便民超市', CheckpointKind.SHOP, volunteers, grid1, 30.30840, 112.24377),
    checkpoint('shop-phone', '通訊器材店', CheckpointKind.SHOP, volunteers, grid1, 30.30815, 112.24441),
    checkpoint('hotspot-alley', '菜市場後巷', CheckpointKind.HOTSPOT, volunteers, grid1, 30.30790, 112.24255),
    checkpoint('gate-east', '三板橋小區東門', CheckpointKind.GATE, security, grid2, 30.31122, 112.24550),
    checkpoint('gate-west', '三板橋小區西門', CheckpointKind.GATE, security, grid2, 30.31098, 112.24390),
    checkpoint('gate-garage', '地下車庫入口', CheckpointKind.GATE, security, grid2, 30.31150, 112.24471),
  ];
  await em.insert(Checkpoint, points);
  const coords = new Map(points.map((p) => [p.id, p]));

  const route = (key: string, name: string, organizationId: string, checkpointKeys: string[]) => {
    ids[`route:${key}`] = randomUUID();
    return { id: ids[`route:${key}`], name, organizationId, areaId: community, checkpointIds: checkpointKeys.map((k) => ids[`checkpoint:${k}`]) };
  };
  const routes = [
    route('doors', '三板橋門棟關照線', volunteers, ['door-12', 'door-18', 'door-26', 'hotspot-alley']),
    route('shops', '三板橋門店關照線', volunteers, ['shop-pharmacy', 'shop-grocery', 'shop-phone']),
    route('gates', '小區大門巡邏線', security, ['gate-east', 'gate-garage', 'gate-west']),
  ];
  await em.insert(Route, routes.map(({ checkpointIds: _ids, ...r }) => r));
  await em.insert(RouteCheckpoint, routes.flatMap((r) => r.checkpointIds.map((checkpointId, position) => ({ routeId: r.id, position, checkpointId }))));

  type Shift = { team: string; route: (typeof routes)[number]; day: number; startHour: number; hours: number; skip?: number[]; missed?: boolean; active?: boolean; activeStart?: number; planned?: boolean; farOff?: number };
  const shifts: Shift[] = [];
  const nowMs = clock.now().getTime();
  const hourNow = Math.floor((nowMs - localMidnight(0)) / (60 * MINUTE));
  for (let day = -7; day <= -1; day++) {
    shifts.push({ team: 'sanbanqiao-1', route: routes[0], day, startHour: 8, hours: 4, skip: day === -5 ? [3] : day === -2 ? [1, 3] : [], farOff: day === -3 ? 2 : undefined });
    shifts.push({ team: 'sanbanqiao-2', route: routes[1], day, startHour: 14, hours: 4, skip: day === -6 ? [2] : [], missed: day === -4 });
    shifts.push({ team: 'security', route: routes[2], day, startHour: 9, hours: 1, skip: day === -3 ? [1] : [] });
    shifts.push({ team: 'security', route: routes[2], day, startHour: 21, hours: 1, missed: day === -2 });
    // The night shift the joint meeting agreed (增設23:00-02:00夜間巡邏一班).
    if (!(day === -1 && hourNow < 2)) shifts.push({ team: 'security', route: routes[2], day, startHour: 23, hours: 3 });
  }
  // Someone is on duty whenever the demo is loaded (China Standard Time), as in the source: volunteer patrols keep
  // the daytime door watch between 08:00 and 18:00, the security company's paid guards the rest of the day, with the
  // night shift the joint meeting agreed between 23:00 and 02:00. An active shift began 45 minutes ago, but not
  // before its window opened.
  const onDutyFrom = (windowStartMs: number) => Math.max(nowMs - 45 * MINUTE, windowStartMs);
  if (hourNow >= 8 && hourNow < 18) shifts.push({ team: 'sanbanqiao-3', route: routes[0], day: 0, startHour: -1, hours: 4, active: true, activeStart: onDutyFrom(localMidnight(0) + 8 * 60 * MINUTE) });
  else if (hourNow >= 23 || hourNow < 2) shifts.push({ team: 'security', route: routes[2], day: 0, startHour: -1, hours: 3, active: true, activeStart: localMidnight(hourNow >= 23 ? 0 : -1) + 23 * 60 * MINUTE });
  else shifts.push({ team: 'security', route: routes[2], day: 0, startHour: -1, hours: 3, active: true, activeStart: onDutyFrom(localMidnight(0) + (hourNow >= 18 ? 18 : 2) * 60 * MINUTE) });
  shifts.push({ team: 'sanbanqiao-1', route: routes[1], day: 1, startHour: 8, hours: 4, planned: true });

  const patrols: Partial<Patrol>[] = [];
  const planned: Partial<PatrolPlannedCheckpoint>[] = [];
  const events: Partial<PatrolEvent>[] = [];
  for (const [n, s] of shifts.entries()) {
    const id = randomUUID();
    const teamId = ids[`patrolTeam:${s.team}`];
    const start = s.activeStart ?? localMidnight(s.day) + s.startHour * 60 * MINUTE;
    const end = start + s.hours * 60 * MINUTE;
    const device = `demo-${s.team}`;
    const leader = s.team === 'security' ? ids['user:security-admin'] : s.team === 'sanbanqiao-1' ? ids['user:coordinator'] : null;
    const recorder = leader ?? ids['user:coordinator'];
    const evt = (kind: PatrolEventKind, at: number, extra: Partial<PatrolEvent> = {}) =>
      events.push({
        patrolId: id,
        teamId,
        deviceId: device,
        clientEventId: `${device}-${n}-${events.length}`,
        kind,
        deviceTime: new Date(at),
        receivedAt: new Date(at + 20_000 + (events.length % 7) * 60_000),
        recordedByUserId: recorder,
        flagged: false,
        flagReason: null,
        flags: [],
        ...extra,
      });
    s.route.checkpointIds.forEach((checkpointId, position) => planned.push({ patrolId: id, position, checkpointId }));
    let status = PatrolStatus.COMPLETED;
    if (s.planned) status = PatrolStatus.PLANNED;
    else if (s.missed) status = PatrolStatus.MISSED;
    else if (s.active) status = PatrolStatus.ACTIVE;
    if (status === PatrolStatus.COMPLETED || status === PatrolStatus.ACTIVE) {
      evt(PatrolEventKind.STARTED, start);
      const step = (s.hours * 60 * MINUTE) / (s.route.checkpointIds.length + 1);
      s.route.checkpointIds.forEach((checkpointId, i) => {
        const at = start + step * (i + 1) - 5 * MINUTE;
        if (s.skip?.includes(i) || (s.active && at > nowMs)) return;
        const cp = coords.get(checkpointId)!;
        const far = s.farOff === i;
        evt(PatrolEventKind.CHECKPOINT, at, {
          checkpointId,
          latitude: cp.latitude + (far ? 0.0025 : 0.0001),
          longitude: cp.longitude,
          accuracyMeters: 8,
          distanceMeters: far ? 278 : 11.1,
          flagged: far,
          flagReason: far ? 'FAR_FROM_CHECKPOINT: 278 m from the checkpoint (limit 150 m)' : null,
          flags: far ? [PatrolEventFlag.FAR_FROM_CHECKPOINT] : [],
          proof: far ? null : CheckInProof.LOCATION,
        });
        if (i === 1 && s.team === 'sanbanqiao-2' && s.day === -1) evt(PatrolEventKind.OBSERVATION, at + MINUTE, { text: '通訊器材店夜間卷簾門未落鎖，已提醒店主。' });
      });
      if (status === PatrolStatus.COMPLETED) evt(PatrolEventKind.ENDED, end - 3 * MINUTE);
    }
    patrols.push({
      id,
      teamId,
      areaId: community,
      routeId: s.route.id,
      leaderUserId: leader,
      seriesId: null,
      plannedStart: new Date(start),
      plannedEnd: new Date(end),
      status,
      startedAt: status === PatrolStatus.COMPLETED || status === PatrolStatus.ACTIVE ? new Date(start) : null,
      endedAt: status === PatrolStatus.COMPLETED ? new Date(end - 3 * MINUTE) : null,
      // The alert raised when a completed patrol left planned checkpoints unvisited (skipped or only far-off check-ins).
      missedAlertOpen: status === PatrolStatus.COMPLETED && ((s.skip?.length ?? 0) > 0 || s.farOff !== undefined),
    });
    if (s.active) ids['patrol:on-duty'] = id;
  }
  // 民意街's self-run security team (安保隊由社區自己組建) patrols its own community three times a day, as its
  // arrangement with the community asks (PATROLS_PER_DAY 3): every day from the first of last month (so last month
  // is complete) to yesterday, every round proven at both points.
  const minyiTeam = randomUUID();
  ids['patrolTeam:minyi'] = minyiTeam;
  await em.insert(PatrolTeam, { id: minyiTeam, name: '民意街社區安保巡邏隊', kind: PatrolTeamKind.COMMUNITY_PAID, organizationId: ids['org:patrol-minyi'], areaId: ids['area:c-minyi'], contractId: null });
  const minyiPoints = [
    checkpoint('minyi-gate', '民意街社區大門', CheckpointKind.GATE, ids['org:patrol-minyi'], ids['area:c-minyi'], 30.58512, 114.27305),
    checkpoint('minyi-market', '民意街菜市場', CheckpointKind.HOTSPOT, ids['org:patrol-minyi'], ids['area:c-minyi'], 30.58601, 114.27388),
  ];
  await em.insert(Checkpoint, minyiPoints);
  const minyiRoute = { id: randomUUID(), name: '民意街社區巡邏線', organizationId: ids['org:patrol-minyi'], areaId: ids['area:c-minyi'] };
  await em.insert(Route, minyiRoute);
  await em.insert(RouteCheckpoint, minyiPoints.map((p, position) => ({ routeId: minyiRoute.id, position, checkpointId: p.id })));
  const todayCst = new Date(localMidnight(0) + 8 * 3_600_000);
  const firstOfLastMonth = Date.UTC(todayCst.getUTCFullYear(), todayCst.getUTCMonth() - 1, 1);
  const fromDay = -Math.round((Date.UTC(todayCst.getUTCFullYear(), todayCst.getUTCMonth(), todayCst.getUTCDate()) - firstOfLastMonth) / DAY);
  for (let day = fromDay; day <= -1; day++) {
    for (const hour of [8, 14, 19]) {
      const id = randomUUID();
      const start = localMidnight(day) + hour * 60 * MINUTE;
      const device = 'demo-minyi';
      patrols.push({ id, teamId: minyiTeam, areaId: ids['area:c-minyi'], routeId: minyiRoute.id, leaderUserId: null, seriesId: null, plannedStart: new Date(start), plannedEnd: new Date(start + 60 * MINUTE), status: PatrolStatus.COMPLETED, startedAt: new Date(start), endedAt: new Date(start + 55 * MINUTE), missedAlertOpen: false });
      minyiPoints.forEach((p, position) => planned.push({ patrolId: id, position, checkpointId: p.id }));
      const base = { patrolId: id, teamId: minyiTeam, deviceId: device, recordedByUserId: ids['user:minyi-admin'], flagged: false, flagReason: null, flags: [] };
      events.push({ ...base, clientEventId: `${device}-${id}-s`, kind: PatrolEventKind.STARTED, deviceTime: new Date(start), receivedAt: new Date(start + 20_000) });
      minyiPoints.forEach((p, i) =>
        events.push({ ...base, clientEventId: `${device}-${id}-c${i}`, kind: PatrolEventKind.CHECKPOINT, checkpointId: p.id, latitude: p.latitude + 0.0001, longitude: p.longitude, accuracyMeters: 8, distanceMeters: 11.1, proof: CheckInProof.LOCATION, deviceTime: new Date(start + (15 + 20 * i) * MINUTE), receivedAt: new Date(start + (15 + 20 * i) * MINUTE + 20_000) }),
      );
      events.push({ ...base, clientEventId: `${device}-${id}-e`, kind: PatrolEventKind.ENDED, deviceTime: new Date(start + 55 * MINUTE), receivedAt: new Date(start + 55 * MINUTE + 20_000) });
    }
  }

  await em.insert(Patrol, patrols);
  await em.insert(PatrolPlannedCheckpoint, planned);
  for (let i = 0; i < events.length; i += 500) await em.insert(PatrolEvent, events.slice(i, i + 500));
}
