import { useEffect, useMemo, useRef, useState } from 'react';
import { useQuery } from 'urql';
import type { Viewer } from '../app';
import { CaseQueueDocument, DashboardDocument, UnitPerformanceDocument, type CaseCategory, type CaseStatus } from '../gql/graphql';
import { useI18n } from '../i18n';
import { Figure, localDate, percent } from '../ui';
import { CaseDetail } from './case-detail';
import { LiveFeed } from './live-feed';

export const CATEGORIES: CaseCategory[] = ['PUBLIC_SECURITY', 'DISPUTE', 'ILLEGAL_CONSTRUCTION', 'ENVIRONMENT', 'LEGAL_AID', 'SOCIAL_ASSISTANCE', 'OTHER'];
export const STATUSES: CaseStatus[] = ['REPORTED', 'TRIAGED', 'ASSIGNED', 'IN_PROGRESS', 'RESOLVED', 'CLOSED', 'REOPENED'];

/** Areas a viewer's organisations answer for: their jurisdictions, else their home areas. */
export function viewerAreas(viewer: Viewer): { id: string; name: string }[] {
  const seen = new Map<string, string>();
  for (const org of viewer.organizations) for (const area of org.jurisdiction) seen.set(area.id, area.name);
  if (!seen.size) for (const org of viewer.organizations) seen.set(org.homeArea.id, org.homeArea.name);
  return [...seen].map(([id, name]) => ({ id, name }));
}

export function useAreaChoice(viewer: Viewer) {
  const areas = useMemo(() => viewerAreas(viewer), [viewer]);
  const [areaId, setAreaId] = useState<string | null>(() => {
    const saved = localStorage.getItem('gongzhi.area');
    return areas.find((a) => a.id === saved)?.id ?? areas[0]?.id ?? null;
  });
  const choose = (id: string) => {
    localStorage.setItem('gongzhi.area', id);
    setAreaId(id);
  };
  return { areas, areaId, choose };
}

export function AreaPicker({ areas, areaId, choose }: ReturnType<typeof useAreaChoice>) {
  const { t } = useI18n();
  return (
    <label className="field inline">
      <span className="field-label">{t('liaison.jurisdiction')}</span>
      <select value={areaId ?? ''} onChange={(e) => choose(e.target.value)} data-testid="area-picker">
        {areas.map((a) => (
          <option key={a.id} value={a.id}>{a.name}</option>
        ))}
      </select>
    </label>
  );
}

/** Re-runs queries shortly after live events, batching bursts into one refetch. */
export function useRefetchOnEvent(refetch: () => void, tick: number) {
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    const timer = setTimeout(refetch, 150);
    return () => clearTimeout(timer);
  }, [tick]);
}

function Dashboard({ areaId, tick }: { areaId: string; tick: number }) {
  const { t, label } = useI18n();
  const [{ data, error }, refetch] = useQuery({ query: DashboardDocument, variables: { areaId } });
  useRefetchOnEvent(() => refetch({ requestPolicy: 'network-only' }), tick);
  const d = data?.jurisdictionDashboard;
  if (error) return <div className="form-error">{t('common.error')}{error.message}</div>;
  if (!d) return <p>{t('common.loading')}</p>;
  const byCategory = new Map<string, number>();
  for (const row of d.cases.openByCategoryAndStatus) byCategory.set(row.category, (byCategory.get(row.category) ?? 0) + row.count);
  return (
    <section className="card" data-testid="dashboard">
      <h2>{t('liaison.dashboard')} · {d.area.name}</h2>
      <div className="figures">
        <Figure testId="fig-open" label={t('fig.open')} value={d.cases.open} />
        <Figure testId="fig-overdue" label={t('fig.overdue')} value={d.cases.overdue} />
        <Figure testId="fig-supervised" label={t('fig.supervised')} value={d.cases.supervisedOpen} />
        <Figure testId="fig-opened7" label={t('fig.opened7')} value={d.cases.openedLast7Days} />
        <Figure testId="fig-closed7" label={t('fig.closed7')} value={d.cases.closedLast7Days} />
        <Figure testId="fig-onduty" label={t('fig.onDuty')} value={d.patrols?.onDuty ?? '—'} />
        <Figure testId="fig-planned" label={t('fig.plannedToday')} value={d.patrols?.plannedToday ?? '—'} />
        <Figure testId="fig-coverage" label={t('fig.coverage')} value={percent(d.patrols?.checkpointCoverage)} />
        <Figure testId="fig-upcoming" label={t('fig.upcoming')} value={d.meetings?.upcomingNext30Days ?? '—'} />
        <Figure testId="fig-actions" label={t('fig.openActions')} value={d.meetings?.openActionItems ?? '—'} />
        <Figure testId="fig-overdue-actions" label={t('fig.overdueActions')} value={d.meetings?.overdueActionItems ?? '—'} />
        <Figure testId="fig-contracts" label={t('fig.contracts')} value={d.contracts?.active ?? '—'} />
        <Figure testId="fig-expiring" label={t('fig.expiring')} value={d.contracts?.expiringWithin30Days ?? '—'} />
      </div>
      <h3>{t('fig.byCategory')}</h3>
      <div className="bars" data-testid="by-category">
        {CATEGORIES.filter((c) => byCategory.get(c)).map((c) => (
          <div key={c} className="bar-row" data-category={c}>
            <span className="bar-label">{label(c)}</span>
            <span className="bar" style={{ width: `${Math.max(4, (100 * (byCategory.get(c) ?? 0)) / Math.max(1, d.cases.open))}%` }} />
            <span className="bar-count">{byCategory.get(c)}</span>
          </div>
        ))}
      </div>
    </section>
  );
}

function CaseQueue({ areaId, tick, viewer }: { areaId: string; tick: number; viewer: Viewer }) {
  const { t, label, lang } = useI18n();
  const [category, setCategory] = useState<CaseCategory | ''>('');
  const [status, setStatus] = useState<CaseStatus | ''>('');
  const [overdue, setOverdue] = useState(false);
  const [supervised, setSupervised] = useState(false);
  const [selected, setSelected] = useState<string | null>(null);
  const variables = {
    areaId,
    first: 50,
    categories: category ? [category] : null,
    statuses: status ? [status] : ['REPORTED', 'TRIAGED', 'ASSIGNED', 'IN_PROGRESS', 'REOPENED'] as CaseStatus[],
    overdue: overdue || null,
    supervised: supervised || null,
  };
  const [{ data, error }, refetch] = useQuery({ query: CaseQueueDocument, variables });
  useRefetchOnEvent(() => refetch({ requestPolicy: 'network-only' }), tick);
  const cases = data?.cases.nodes ?? [];
  return (
    <section className="card" data-testid="case-queue">
      <h2>{t('queue.title')} <small>{data ? t('queue.count', { n: data.cases.totalCount }) : ''}</small></h2>
      <div className="filters">
        <select value={category} onChange={(e) => setCategory(e.target.value as CaseCategory)} aria-label={t('queue.category')} data-testid="filter-category">
          <option value="">{t('queue.category')}: {t('common.all')}</option>
          {CATEGORIES.map((c) => <option key={c} value={c}>{label(c)}</option>)}
        </select>
        <select value={status} onChange={(e) => setStatus(e.target.value as CaseStatus)} aria-label={t('queue.status')} data-testid="filter-status">
          <option value="">{t('queue.status')}: {t('common.all')}</option>
          {STATUSES.map((s) => <option key={s} value={s}>{label(s)}</option>)}
        </select>
        <label><input type="checkbox" checked={overdue} onChange={(e) => setOverdue(e.target.checked)} data-testid="filter-overdue" /> {t('queue.overdue')}</label>
        <label><input type="checkbox" checked={supervised} onChange={(e) => setSupervised(e.target.checked)} data-testid="filter-supervised" /> {t('queue.supervised')}</label>
      </div>
      {error ? <div className="form-error">{t('common.error')}{error.message}</div> : null}
      <ul className="rows">
        {cases.map((c) => (
          <li key={c.id} className={`row ${selected === c.id ? 'selected' : ''}`} data-testid="case-row" data-reference={c.reference} data-status={c.status}>
            <button type="button" className="row-main" onClick={() => setSelected(selected === c.id ? null : c.id)}>
              <span className="ref">{c.reference}</span>
              <span className="title">{c.title}</span>
              <span className="tags">
                <span className="tag">{label(c.category)}</span>
                <span className={`tag status-${c.status}`}>{label(c.status)}</span>
                {c.overdue ? <span className="tag warn">{t('fig.overdue')}</span> : null}
                {c.supervised ? <span className="tag sup">{t('fig.supervised')}</span> : null}
              </span>
              <span className="due">{t('case.due')}: {new Date(c.dueAt).toLocaleDateString(lang === 'zh' ? 'zh-TW' : 'en-GB')}</span>
            </button>
            {selected === c.id ? <CaseDetail caseId={c.id} viewer={viewer} onClose={() => setSelected(null)} /> : null}
          </li>
        ))}
      </ul>
    </section>
  );
}

function Performance({ areaId }: { areaId: string }) {
  const { t } = useI18n();
  const variables = useMemo(() => {
    const to = new Date();
    const from = new Date(to.getTime() - 90 * 86400_000);
    return { areaId, from: localDate(from), to: localDate(to) };
  }, [areaId]);
  const [{ data, error }] = useQuery({ query: UnitPerformanceDocument, variables });
  const rows = data?.unitPerformance?.nodes ?? [];
  return (
    <section className="card" data-testid="performance">
      <h2>{t('perf.title')}</h2>
      {error ? <div className="form-error">{t('common.error')}{error.message}</div> : null}
      <div className="table-wrap">
        <table>
          <thead>
            <tr><th>{t('perf.rank')}</th><th>{t('perf.unit')}</th><th>{t('perf.handled')}</th><th>{t('perf.onTime')}</th><th>{t('perf.median')}</th></tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.organization.id} className={r.sufficientSample ? '' : 'muted'}>
                <td>{r.rank ?? <span title={t('perf.small')}>—</span>}</td>
                <td>{r.organization.name}{r.sufficientSample ? '' : ` (${t('perf.small')})`}</td>
                <td>{r.casesHandled}</td>
                <td>{percent(r.onTimeRate)}</td>
                <td>{r.medianHoursToResolve === null || r.medianHoursToResolve === undefined ? "—" : Math.round(r.medianHoursToResolve * 10) / 10}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

export function LiaisonPage({ viewer }: { viewer: Viewer }) {
  const { t } = useI18n();
  const choice = useAreaChoice(viewer);
  const [tick, setTick] = useState(0);
  if (!choice.areaId) return <p>{t('liaison.noJurisdiction')}</p>;
  return (
    <div className="page liaison" data-testid="liaison-page">
      <div className="page-head">
        <AreaPicker {...choice} />
      </div>
      <div className="grid">
        <div className="col-main">
          <Dashboard areaId={choice.areaId} tick={tick} />
          <CaseQueue areaId={choice.areaId} tick={tick} viewer={viewer} />
          <Performance areaId={choice.areaId} />
        </div>
        <div className="col-side">
          <LiveFeed key={choice.areaId} areaId={choice.areaId} onEvent={() => setTick((n) => n + 1)} />
        </div>
      </div>
    </div>
  );
}
