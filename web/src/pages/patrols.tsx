import { useMemo, useState, type FormEvent } from 'react';
import { useMutation, useQuery, useSubscription } from 'urql';
import type { Viewer } from '../app';
import { LivePatrolsDocument, PatrolMapDocument, PatrolPlanDocument, PatrolsBetweenDocument, PatrolsOnDutyDocument, PatrolTeamsDocument, RoutesDocument, type PatrolMapQuery } from '../gql/graphql';
import { useI18n } from '../i18n';
import { useLiveStart } from '../live';
import { Field, FormError, FormErrors, LiveBadge, formatTime, localDate, percent } from '../ui';
import { AreaPicker, useAreaChoice, useRefetchOnEvent } from './liaison';

type MapPatrol = NonNullable<PatrolMapQuery['patrol']>;
type PointState = 'visited' | 'missed' | 'flagged' | 'pending';

/** Where each checkpoint stands in this patrol: flagged check-ins outrank visits, missed only once the patrol has ended. */
function pointStates(patrol: MapPatrol): Map<string, PointState> {
  const states = new Map<string, PointState>();
  for (const c of patrol.coverage.plannedCheckpoints) states.set(c.id, 'pending');
  for (const v of patrol.coverage.visits) states.set(v.checkpoint.id, 'visited');
  // The API lists every unvisited checkpoint as missed; while the shift is still running it is only not yet visited.
  const over = patrol.status !== 'ACTIVE' && patrol.status !== 'PLANNED';
  if (over) for (const m of patrol.coverage.missedCheckpoints) states.set(m.id, 'missed');
  for (const e of patrol.events.nodes) if (e.flagged && e.checkpoint) states.set(e.checkpoint.id, 'flagged');
  return states;
}

const W = 600;
const H = 360;
const PAD = 40;

/** The route drawn from its checkpoints' coordinates: an equirectangular projection is exact enough for a few hundred metres, and needs no map tiles. */
export function RouteMap({ patrol }: { patrol: MapPatrol }) {
  const { t } = useI18n();
  const points = patrol.coverage.plannedCheckpoints.length ? patrol.coverage.plannedCheckpoints : (patrol.route?.checkpoints ?? []);
  const track = patrol.events.nodes.filter((e) => e.latitude !== null && e.latitude !== undefined && e.longitude !== null && e.longitude !== undefined);
  // Frame the checkpoints; a stray position far off the route (a flagged check-in) is clipped, not allowed to shrink the plan.
  const all = points.length ? points.map((p) => [p.latitude, p.longitude]) : track.map((e) => [e.latitude!, e.longitude!]);
  if (!all.length) return <p className="muted">—</p>;
  const lat0 = all.reduce((s, [lat]) => s + lat, 0) / all.length;
  const kx = Math.cos((lat0 * Math.PI) / 180);
  const xs = all.map(([, lon]) => lon * kx);
  const ys = all.map(([lat]) => lat);
  const [minX, maxX, minY, maxY] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const scale = Math.min((W - 2 * PAD) / Math.max(maxX - minX, 1e-6), (H - 2 * PAD) / Math.max(maxY - minY, 1e-6));
  const project = (lat: number, lon: number) => [PAD + (lon * kx - minX) * scale, H - PAD - (lat - minY) * scale] as const;
  const states = pointStates(patrol);
  const path = points.map((p) => project(p.latitude, p.longitude).join(',')).join(' ');
  const trackPath = track.map((e) => project(e.latitude!, e.longitude!).join(',')).join(' ');
  return (
    <div className="map" data-testid="route-map">
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={t('patrol.map')}>
        <polyline points={path} fill="none" stroke="#475467" strokeWidth={3} strokeDasharray="8 6" />
        {track.length > 1 ? <polyline points={trackPath} fill="none" stroke="#1570ef" strokeWidth={1.5} opacity={0.6} /> : null}
        {points.map((p, i) => {
          const [x, y] = project(p.latitude, p.longitude);
          const state = states.get(p.id) ?? 'pending';
          return (
            <g key={p.id} data-testid="checkpoint" data-checkpoint={p.id} data-state={state}>
              <circle cx={x} cy={y} r={11} className={state} stroke="#fff" strokeWidth={2} />
              <text x={x} y={y + 4} textAnchor="middle" fontSize={11} fill="#fff" fontWeight={700}>{i + 1}</text>
              <text x={x + 14} y={y - 10} fontSize={12} fill="#1d2430">{p.name}</text>
            </g>
          );
        })}
      </svg>
      <div className="legend">
        {(['visited', 'missed', 'flagged', 'pending'] as PointState[]).map((s) => (
          <span key={s}><span className={`dot ${s}`} />{t(`patrol.${s}`)} ({[...states.values()].filter((v) => v === s).length})</span>
        ))}
      </div>
    </div>
  );
}

function PatrolDetail({ id, tick }: { id: string; tick: number }) {
  const { t, label } = useI18n();
  const [{ data, error }, refetch] = useQuery({ query: PatrolMapDocument, variables: { id } });
  useRefetchOnEvent(() => refetch({ requestPolicy: 'network-only' }), tick);
  const p = data?.patrol;
  if (error) return <div className="form-error">{t('common.error')}{error.message}</div>;
  if (!p) return <p>{t('common.loading')}</p>;
  return (
    <section className="card" data-testid="patrol-detail" data-patrol={p.id}>
      <h2>{t('patrol.map')} · {p.team.name} · {p.route?.name ?? ''}</h2>
      <p>
        {label(p.status)} · {t('patrol.coverage')}: <strong data-testid="patrol-coverage">{percent(p.coverage.ratio)}</strong> ({p.coverage.visitedCheckpointCount}/{p.coverage.plannedCheckpointCount}
        {p.coverage.flaggedCheckInCount ? `, ${t('patrol.flagged')} ${p.coverage.flaggedCheckInCount}` : ''})
      </p>
      <RouteMap patrol={p} />
    </section>
  );
}

function PlanShift({ teams, routes, onPlanned }: { teams: { id: string; name: string }[]; routes: { id: string; name: string }[]; onPlanned: () => void }) {
  const { t, label } = useI18n();
  const [, plan] = useMutation(PatrolPlanDocument);
  const inAnHour = new Date(Date.now() + 3600_000);
  const pad = (n: number) => String(n).padStart(2, '0');
  const local = (d: Date) => `${localDate(d)}T${pad(d.getHours())}:00`;
  const [teamId, setTeamId] = useState('');
  const [routeId, setRouteId] = useState('');
  const [start, setStart] = useState(local(inAnHour));
  const [end, setEnd] = useState(local(new Date(inAnHour.getTime() + 3 * 3600_000)));
  const [repeat, setRepeat] = useState<'' | 'DAILY' | 'WEEKLY'>('');
  const [until, setUntil] = useState(localDate(new Date(Date.now() + 7 * 86400_000)));
  const [errors, setErrors] = useState(new FormErrors());
  const [transport, setTransport] = useState<string | null>(null);
  const [planned, setPlanned] = useState<number | null>(null);
  async function submit(event: FormEvent) {
    event.preventDefault();
    const asIso = (v: string) => (v ? new Date(v).toISOString() : '');
    const result = await plan({
      input: { teamId, routeId: routeId || null, plannedStart: asIso(start), plannedEnd: asIso(end), repeat: repeat ? { frequency: repeat, until } : null },
    });
    setTransport(result.error ? result.error.message : null);
    const payload = result.data?.patrolPlan;
    setErrors(new FormErrors(payload?.userErrors ?? [], ['teamId', 'routeId', 'plannedStart', 'plannedEnd', 'frequency', 'until']));
    setPlanned(payload && !payload.userErrors.length ? (payload.patrols?.length ?? 0) : null);
    if (payload?.patrols?.length) onPlanned();
  }
  return (
    <form className="card" onSubmit={submit} data-testid="plan-shift">
      <h2>{t('patrol.plan')}</h2>
      <FormError errors={errors} transport={transport} />
      <div className="actions">
        <Field label={t('patrol.team')} name="teamId" errors={errors}>
          <select name="team" value={teamId} onChange={(e) => setTeamId(e.target.value)}>
            <option value="">{t('action.choose')}</option>
            {teams.map((x) => <option key={x.id} value={x.id}>{x.name}</option>)}
          </select>
        </Field>
        <Field label={t('patrol.route')} name="routeId" errors={errors}>
          <select name="route" value={routeId} onChange={(e) => setRouteId(e.target.value)}>
            <option value="">{t('action.choose')}</option>
            {routes.map((x) => <option key={x.id} value={x.id}>{x.name}</option>)}
          </select>
        </Field>
        <Field label={t('patrol.start')} name="plannedStart" errors={errors}>
          <input type="datetime-local" name="start" value={start} onChange={(e) => setStart(e.target.value)} />
        </Field>
        <Field label={t('patrol.end')} name="plannedEnd" errors={errors}>
          <input type="datetime-local" name="end" value={end} onChange={(e) => setEnd(e.target.value)} />
        </Field>
        <Field label={t('patrol.repeat')} name="frequency" errors={errors}>
          <select name="repeat" value={repeat} onChange={(e) => setRepeat(e.target.value as '' | 'DAILY' | 'WEEKLY')}>
            <option value="">{t('patrol.once')}</option>
            <option value="DAILY">{label('DAILY')}</option>
            <option value="WEEKLY">{label('WEEKLY')}</option>
          </select>
        </Field>
        {repeat ? (
          <Field label={t('patrol.until')} name="until" errors={errors}>
            <input type="date" name="until" value={until} onChange={(e) => setUntil(e.target.value)} />
          </Field>
        ) : null}
      </div>
      <button type="submit">{t('patrol.plan')}</button>
      {planned !== null ? <span className="ok" data-testid="plan-shift-done">✓ {t('patrol.planned', { n: planned })}</span> : null}
    </form>
  );
}

function CoverageByDay({ areaId, tick }: { areaId: string; tick: number }) {
  const { t } = useI18n();
  const variables = useMemo(() => {
    const today = new Date();
    today.setHours(0, 0, 0, 0);
    return { areaId, from: new Date(today.getTime() - 6 * 86400_000).toISOString(), to: new Date(today.getTime() + 86400_000).toISOString() };
  }, [areaId]);
  const [{ data }, refetch] = useQuery({ query: PatrolsBetweenDocument, variables });
  useRefetchOnEvent(() => refetch({ requestPolicy: 'network-only' }), tick);
  const days = new Map<string, { planned: number; visited: number; patrols: number }>();
  for (const p of data?.patrols.nodes ?? []) {
    if (p.status === 'CANCELLED') continue;
    const day = localDate(new Date(p.plannedStart));
    const d = days.get(day) ?? { planned: 0, visited: 0, patrols: 0 };
    d.planned += p.coverage.plannedCheckpointCount;
    d.visited += p.coverage.visitedCheckpointCount;
    d.patrols += 1;
    days.set(day, d);
  }
  return (
    <section className="card" data-testid="coverage-by-day">
      <h2>{t('patrol.byDay')}</h2>
      <div className="bars">
        {[...days].sort(([a], [b]) => a.localeCompare(b)).map(([day, d]) => (
          <div key={day} className="bar-row" data-day={day}>
            <span className="bar-label">{day.slice(5)} ({d.patrols})</span>
            <span className="bar" style={{ width: `${Math.max(2, d.planned ? (100 * d.visited) / d.planned : 0)}%`, background: 'var(--ok)' }} />
            <span className="bar-count">{percent(d.planned ? d.visited / d.planned : null)}</span>
          </div>
        ))}
      </div>
    </section>
  );
}

export function PatrolsPage({ viewer }: { viewer: Viewer }) {
  const { t, label, lang } = useI18n();
  const choice = useAreaChoice(viewer);
  const areaId = choice.areaId;
  const managing = viewer.organizations.filter((o) => (viewer.user?.memberships.nodes ?? []).some((m) => m.organization.id === o.id && (m.role === 'ADMIN' || m.role === 'COORDINATOR')));
  const orgId = managing[0]?.id ?? viewer.organizations[0]?.id ?? null;
  const [tick, setTick] = useState(0);
  const [selected, setSelected] = useState<string | null>(null);
  const [{ data: teams, error: teamsError }] = useQuery({ query: PatrolTeamsDocument, variables: { organizationId: orgId }, pause: !orgId });
  const [{ data: routes }] = useQuery({ query: RoutesDocument, variables: { organizationId: orgId }, pause: !orgId });
  const [{ data: onDuty }, refetchOnDuty] = useQuery({ query: PatrolsOnDutyDocument, variables: { areaId: areaId ?? '' }, pause: !areaId });
  const after = useLiveStart(() => setTick((n) => n + 1));
  useSubscription({ query: LivePatrolsDocument, variables: { areaId, after }, pause: !areaId || after === undefined }, (_prev, event) => {
    setTick((n) => n + 1);
    return event;
  });
  useRefetchOnEvent(() => refetchOnDuty({ requestPolicy: 'network-only' }), tick);
  if (!areaId) return <p>{t('liaison.noJurisdiction')}</p>;
  const patrols = onDuty?.patrolsOnDuty.nodes ?? [];
  const current = selected ?? patrols[0]?.id ?? null;
  return (
    <div className="page patrols" data-testid="patrols-page">
      <div className="page-head">
        <AreaPicker {...choice} />
      </div>
      <div className="grid">
        <div className="col-main">
          <section className="card" data-testid="on-duty">
            <h2>{t('patrol.onDuty')} <LiveBadge /></h2>
            {patrols.length === 0 ? <p className="muted">{t('common.none')}</p> : null}
            <ul className="rows">
              {patrols.map((p) => (
                <li key={p.id} className={`row ${current === p.id ? 'selected' : ''}`} data-testid="on-duty-row">
                  <button type="button" className="row-main" onClick={() => setSelected(p.id)}>
                    <span className="title">{p.team.name} · {p.route?.name ?? ''}</span>
                    <span className="tags"><span className="tag">{label(p.status)}</span></span>
                    <span className="due">{formatTime(p.plannedStart, lang)}–{formatTime(p.plannedEnd, lang)}</span>
                    <span>{t('patrol.coverage')} {percent(p.coverage.ratio)} ({p.coverage.visitedCheckpointCount}/{p.coverage.plannedCheckpointCount})</span>
                  </button>
                </li>
              ))}
            </ul>
          </section>
          {current ? <PatrolDetail id={current} tick={tick} /> : <p className="muted">{t('patrol.pick')}</p>}
          <CoverageByDay areaId={areaId} tick={tick} />
        </div>
        <div className="col-side">
          <PlanShift teams={teams?.patrolTeams.nodes ?? []} routes={routes?.routes.nodes ?? []} onPlanned={() => setTick((n) => n + 1)} />
          <section className="card" data-testid="teams">
            <h2>{t('patrol.teams')} <small>{teams?.patrolTeams.totalCount ?? ''}</small></h2>
            {teamsError ? <div className="form-error">{t('common.error')}{teamsError.message}</div> : null}
            <ul className="rows">
              {(teams?.patrolTeams.nodes ?? []).map((team) => (
                <li key={team.id} className="row">
                  <details>
                    <summary>{team.name} <span className="tag">{label(team.kind)}</span> <span className="muted">{t('patrol.members', { n: team.members?.totalCount ?? 0 })}</span></summary>
                    <ul>
                      {(team.members?.nodes ?? []).map((m) => <li key={m.id}>{m.user.displayName} <span className="muted">{label(m.role)}</span></li>)}
                    </ul>
                  </details>
                </li>
              ))}
            </ul>
          </section>
        </div>
      </div>
    </div>
  );
}
