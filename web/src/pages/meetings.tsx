import { useState, type FormEvent } from 'react';
import { useMutation, useQuery, useSubscription } from 'urql';
import type { Viewer } from '../app';
import {
  AgendaItemAcceptDocument,
  AgendaItemAddDocument,
  AgendaItemMoveDocument,
  AgendaItemRecordOutcomeDocument,
  MeetingAgendaLiveDocument,
  MeetingDetailDocument,
  MeetingRsvpDocument,
  MeetingsDocument,
  type AgendaItemStatus,
  type MeetingDetailQuery,
  type RsvpResponse,
} from '../gql/graphql';
import { useI18n } from '../i18n';
import { useLiveStart } from '../live';
import { Field, FormError, FormErrors, LiveBadge, formatTime, type UserErrorLike } from '../ui';
import { useRefetchOnEvent } from './liaison';

type Meeting = NonNullable<MeetingDetailQuery['meeting']>;
type Item = Meeting['agendaItems']['nodes'][number];
type Result = { data?: Record<string, { userErrors: readonly UserErrorLike[] } | null | undefined> | null; error?: { message: string } };

function outcomeOf(result: Result, fields: string[]): { errors: FormErrors; transport: string | null; ok: boolean } {
  const payload = result.data ? Object.values(result.data)[0] : undefined;
  const userErrors = payload?.userErrors ?? [];
  return { errors: new FormErrors(userErrors, fields), transport: result.error?.message ?? null, ok: !result.error && userErrors.length === 0 };
}

function AgendaEntry({ item, count, meetingId }: { item: Item; count: number; meetingId: string }) {
  const { t, label } = useI18n();
  const [, move] = useMutation(AgendaItemMoveDocument);
  const [, accept] = useMutation(AgendaItemAcceptDocument);
  const [, record] = useMutation(AgendaItemRecordOutcomeDocument);
  const [errors, setErrors] = useState(new FormErrors());
  const [transport, setTransport] = useState<string | null>(null);
  const [recording, setRecording] = useState(false);
  const [status, setStatus] = useState<AgendaItemStatus>('DISCUSSED');
  const [decision, setDecision] = useState('');
  const [minutes, setMinutes] = useState('');
  const show = (result: Result, fields: string[] = []) => {
    const o = outcomeOf(result, fields);
    setErrors(o.errors);
    setTransport(o.transport);
    return o.ok;
  };
  async function submitOutcome(event: FormEvent) {
    event.preventDefault();
    if (show(await record({ input: { id: item.id, status, decision: decision || null, minutes: minutes || null, expectedVersion: item.version } }), ['status', 'decision', 'minutes'])) setRecording(false);
  }
  return (
    <li data-testid="agenda-item" data-title={item.title} data-position={item.position} data-status={item.status} data-meeting={meetingId}>
      <strong>{item.position}. {item.title}</strong> <span className={`tag status-${item.status}`}>{label(item.status)}</span>{' '}
      <span className="muted">{t('meeting.proposedBy')} {item.proposedBy.name} · {item.plannedMinutes}′</span>
      {item.description ? <div>{item.description}</div> : null}
      {item.decision ? <div><b>{t('meeting.decision')}:</b> {item.decision}</div> : null}
      {item.minutes ? <div><b>{t('meeting.minutes')}:</b> {item.minutes}</div> : null}
      <FormError errors={errors} transport={transport} />
      <div className="controls">
        <button type="button" disabled={item.position <= 1} onClick={async () => show(await move({ input: { id: item.id, position: item.position - 1, expectedVersion: item.version } }))} data-testid="agenda-up">↑ {t('meeting.up')}</button>
        <button type="button" disabled={item.position >= count} onClick={async () => show(await move({ input: { id: item.id, position: item.position + 1, expectedVersion: item.version } }))} data-testid="agenda-down">↓ {t('meeting.down')}</button>
        {item.status === 'PROPOSED' ? <button type="button" onClick={async () => show(await accept({ input: { id: item.id, expectedVersion: item.version } }))} data-testid="agenda-accept">{t('meeting.accept')}</button> : null}
        <button type="button" onClick={() => setRecording(!recording)} data-testid="agenda-outcome">{t('meeting.outcome')}</button>
      </div>
      {recording ? (
        <form onSubmit={submitOutcome} className="action">
          <Field label={t('queue.status')} name="status" errors={errors}>
            <select value={status} onChange={(e) => setStatus(e.target.value as AgendaItemStatus)} name="status">
              {(['DISCUSSED', 'DEFERRED'] as AgendaItemStatus[]).map((s) => <option key={s} value={s}>{label(s)}</option>)}
            </select>
          </Field>
          <Field label={t('meeting.decision')} name="decision" errors={errors}>
            <textarea value={decision} onChange={(e) => setDecision(e.target.value)} name="decision" />
          </Field>
          <Field label={t('meeting.minutes')} name="minutes" errors={errors}>
            <textarea value={minutes} onChange={(e) => setMinutes(e.target.value)} name="minutes" />
          </Field>
          <button type="submit">{t('common.save')}</button>
        </form>
      ) : null}
    </li>
  );
}

function AddItem({ meeting, orgIds }: { meeting: Meeting; orgIds: string[] }) {
  const { t } = useI18n();
  const [, add] = useMutation(AgendaItemAddDocument);
  const participating = meeting.participants.nodes.filter((p) => orgIds.includes(p.organization.id));
  const [orgId, setOrgId] = useState(participating[0]?.organization.id ?? '');
  const [title, setTitle] = useState('');
  const [description, setDescription] = useState('');
  const [plannedMinutes, setPlannedMinutes] = useState(10);
  const [errors, setErrors] = useState(new FormErrors());
  const [transport, setTransport] = useState<string | null>(null);
  async function submit(event: FormEvent) {
    event.preventDefault();
    const o = outcomeOf(await add({ input: { meetingId: meeting.id, title, description: description || null, plannedMinutes, proposedByOrganizationId: orgId || null } }), ['title', 'description', 'plannedMinutes', 'proposedByOrganizationId']);
    setErrors(o.errors);
    setTransport(o.transport);
    if (o.ok) {
      setTitle('');
      setDescription('');
    }
  }
  return (
    <form className="action" onSubmit={submit} data-testid="agenda-add">
      <h4>{t('meeting.add')}</h4>
      <FormError errors={errors} transport={transport} />
      {participating.length > 1 ? (
        <Field label={t('meeting.asOrg')} name="proposedByOrganizationId" errors={errors}>
          <select value={orgId} onChange={(e) => setOrgId(e.target.value)}>
            {participating.map((p) => <option key={p.organization.id} value={p.organization.id}>{p.organization.name}</option>)}
          </select>
        </Field>
      ) : null}
      <Field label={t('case.title')} name="title" errors={errors}>
        <input name="title" value={title} onChange={(e) => setTitle(e.target.value)} />
      </Field>
      <Field label={t('action.body')} name="description" errors={errors}>
        <textarea name="description" value={description} onChange={(e) => setDescription(e.target.value)} />
      </Field>
      <Field label={t('meeting.plannedMinutes')} name="plannedMinutes" errors={errors}>
        <input type="number" name="plannedMinutes" value={plannedMinutes} onChange={(e) => setPlannedMinutes(Number(e.target.value))} />
      </Field>
      <button type="submit">{t('meeting.add')}</button>
    </form>
  );
}

function Rsvp({ meeting, orgIds }: { meeting: Meeting; orgIds: string[] }) {
  const { t, label } = useI18n();
  const [, rsvp] = useMutation(MeetingRsvpDocument);
  const mine = meeting.participants.nodes.filter((p) => orgIds.includes(p.organization.id));
  const [orgId, setOrgId] = useState(mine[0]?.organization.id ?? '');
  const [response, setResponse] = useState<RsvpResponse>('ATTENDING');
  const [note, setNote] = useState('');
  const [errors, setErrors] = useState(new FormErrors());
  const [transport, setTransport] = useState<string | null>(null);
  if (!mine.length) return null;
  async function submit(event: FormEvent) {
    event.preventDefault();
    const o = outcomeOf(await rsvp({ input: { meetingId: meeting.id, organizationId: orgId, response, note: note || null } }), ['organizationId', 'response', 'note']);
    setErrors(o.errors);
    setTransport(o.transport);
  }
  return (
    <form className="action" onSubmit={submit} data-testid="rsvp">
      <h4>{t('meeting.rsvp')}</h4>
      <FormError errors={errors} transport={transport} />
      <Field label={t('meeting.asOrg')} name="organizationId" errors={errors}>
        <select value={orgId} onChange={(e) => setOrgId(e.target.value)}>
          {mine.map((p) => <option key={p.organization.id} value={p.organization.id}>{p.organization.name}</option>)}
        </select>
      </Field>
      <Field label={t('meeting.rsvp')} name="response" errors={errors}>
        <select value={response} onChange={(e) => setResponse(e.target.value as RsvpResponse)} name="response">
          {(['ATTENDING', 'TENTATIVE', 'DECLINED'] as RsvpResponse[]).map((r) => <option key={r} value={r}>{label(r)}</option>)}
        </select>
      </Field>
      <Field label={t('meeting.note')} name="note" errors={errors}>
        <input name="note" value={note} onChange={(e) => setNote(e.target.value)} />
      </Field>
      <button type="submit">{t('meeting.rsvp')}</button>
    </form>
  );
}

function MeetingView({ id, orgIds }: { id: string; orgIds: string[] }) {
  const { t, label, lang } = useI18n();
  const [tick, setTick] = useState(0);
  const [{ data, error }, refetch] = useQuery({ query: MeetingDetailDocument, variables: { id } });
  const after = useLiveStart(() => setTick((n) => n + 1));
  useSubscription({ query: MeetingAgendaLiveDocument, variables: { meetingId: id, after }, pause: after === undefined }, (_prev, event) => {
    setTick((n) => n + 1);
    return event;
  });
  useRefetchOnEvent(() => refetch({ requestPolicy: 'network-only' }), tick);
  const m = data?.meeting;
  if (error) return <div className="form-error">{t('common.error')}{error.message}</div>;
  if (!m) return <p>{t('common.loading')}</p>;
  const items = [...m.agendaItems.nodes].sort((a, b) => a.position - b.position);
  return (
    <div className="grid" data-testid="meeting-view">
      <div className="col-main">
        <section className="card">
          <h2>{m.title} <LiveBadge /></h2>
          <p className="muted">{formatTime(m.startsAt, lang)} · {m.location ?? ''} · {label(m.status)} · {m.convener.name}</p>
          <h3>{t('meeting.agenda')}</h3>
          <ol className="agenda" data-testid="agenda">
            {items.map((item) => <AgendaEntry key={`${item.id}:${item.version}`} item={item} count={items.length} meetingId={m.id} />)}
          </ol>
          <AddItem meeting={m} orgIds={orgIds} />
        </section>
        <section className="card" data-testid="action-items">
          <h2>{t('meeting.actions')}</h2>
          <div className="table-wrap">
            <table>
              <thead><tr><th>{t('case.title')}</th><th>{t('action.organization')}</th><th>{t('case.leader')}</th><th>{t('case.handler')}</th><th>{t('case.due')}</th><th>{t('queue.status')}</th></tr></thead>
              <tbody>
                {m.actionItems.nodes.map((a) => (
                  <tr key={a.id} className={a.overdue ? 'overdue' : ''}>
                    <td>{a.title}</td><td>{a.responsibleOrganization.name}</td><td>{a.leader.displayName}</td><td>{a.handler.displayName}</td>
                    <td>{a.dueOn}{a.overdue ? <span className="tag warn">{t('fig.overdue')}</span> : null}</td><td>{label(a.status)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      </div>
      <div className="col-side">
        <section className="card" data-testid="participants">
          <h2>{t('meeting.participants')}</h2>
          <ul className="rows">
            {m.participants.nodes.map((p) => (
              <li key={p.organization.id} className="row" data-testid="participant">
                {p.organization.name}{p.isConvener ? ' ★' : ''} — <span className="tag">{p.rsvp ? label(p.rsvp) : '—'}</span> {p.representative?.displayName ?? ''} {p.rsvpNote ? <span className="muted">({p.rsvpNote})</span> : null}
              </li>
            ))}
          </ul>
          <Rsvp meeting={m} orgIds={orgIds} />
        </section>
      </div>
    </div>
  );
}

export function MeetingsPage({ viewer }: { viewer: Viewer }) {
  const { t, label, lang } = useI18n();
  const [from] = useState(() => new Date(Date.now() - 45 * 86400_000).toISOString());
  const [{ data }] = useQuery({ query: MeetingsDocument, variables: { from } });
  const meetings = data?.meetings.nodes ?? [];
  const [selected, setSelected] = useState<string | null>(null);
  const upcoming = meetings.find((m) => m.status === 'SCHEDULED' || m.status === 'IN_PROGRESS');
  const current = selected ?? upcoming?.id ?? meetings[0]?.id ?? null;
  return (
    <div className="page meetings" data-testid="meetings-page">
      <div className="page-head">
        <label className="field inline">
          <span className="field-label">{t('meeting.list')}</span>
          <select value={current ?? ''} onChange={(e) => setSelected(e.target.value)} data-testid="meeting-picker">
            {meetings.map((m) => <option key={m.id} value={m.id}>{formatTime(m.startsAt, lang)} · {m.title} ({label(m.status)})</option>)}
          </select>
        </label>
      </div>
      {current ? <MeetingView key={current} id={current} orgIds={viewer.organizations.map((o) => o.id)} /> : <p className="muted">{t('meeting.pick')}</p>}
    </div>
  );
}
