import { useState, type FormEvent, type ReactNode } from 'react';
import { useMutation, useQuery } from 'urql';
import type { Viewer } from '../app';
import {
  CaseAssignDocument,
  CaseCommentDocument,
  CaseDetailDocument,
  CaseResolveDocument,
  CaseSuperviseDocument,
  CaseTriageDocument,
  OrganizationMembersDocument,
  SupervisingOrganizationsDocument,
  type CaseCategory,
  type CaseSeverity,
} from '../gql/graphql';
import { useI18n } from '../i18n';
import { Field, FormError, FormErrors, formatTime, type UserErrorLike } from '../ui';
import { CATEGORIES } from './liaison';

const SEVERITIES: CaseSeverity[] = ['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'];

/** Acting members (anyone but an OBSERVER) of some organisation may try; the server decides on the case itself. */
function canAct(viewer: Viewer): boolean {
  if (!viewer.canWrite) return false;
  return viewer.isPlatformAdmin || (viewer.user?.memberships.nodes ?? []).some((m) => m.role !== 'OBSERVER');
}

type Outcome = { data?: { [k: string]: { userErrors: readonly UserErrorLike[] } | undefined } | null; error?: { message: string } };

/** One action form: sends, then shows each userErrors message beside its field, or a tick when done. */
function ActionForm({ title, fields, testId, run, children }: { title: string; fields: string[]; testId: string; run: () => Promise<Outcome>; children: (errors: FormErrors) => ReactNode }) {
  const { t } = useI18n();
  const [errors, setErrors] = useState(new FormErrors());
  const [transport, setTransport] = useState<string | null>(null);
  const [done, setDone] = useState(false);
  const [busy, setBusy] = useState(false);
  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    const result = await run();
    setBusy(false);
    setTransport(result.error ? result.error.message : null);
    const payload = result.data ? Object.values(result.data)[0] : undefined;
    const userErrors = payload?.userErrors ?? [];
    setErrors(new FormErrors(userErrors, fields));
    setDone(!result.error && userErrors.length === 0);
  }
  return (
    <form className="action" onSubmit={submit} data-testid={testId}>
      <h4>{title}</h4>
      <FormError errors={errors} transport={transport} />
      {children(errors)}
      <button type="submit" disabled={busy}>{title}</button>
      {done ? <span className="ok" data-testid={`${testId}-done`}>✓ {t('action.done')}</span> : null}
    </form>
  );
}

export function CaseDetail({ caseId, viewer, onClose }: { caseId: string; viewer: Viewer; onClose: () => void }) {
  const { t, label, lang } = useI18n();
  const [{ data, error }, refetch] = useQuery({ query: CaseDetailDocument, variables: { id: caseId } });
  const c = data?.case;
  const [, triage] = useMutation(CaseTriageDocument);
  const [, assign] = useMutation(CaseAssignDocument);
  const [, comment] = useMutation(CaseCommentDocument);
  const [, resolve] = useMutation(CaseResolveDocument);
  const [, supervise] = useMutation(CaseSuperviseDocument);
  const actingOrgs = viewer.organizations;
  const [category, setCategory] = useState<CaseCategory | ''>('');
  const [severity, setSeverity] = useState<CaseSeverity>('MEDIUM');
  const [orgId, setOrgId] = useState(actingOrgs[0]?.id ?? '');
  const [leaderId, setLeaderId] = useState('');
  const [handlerId, setHandlerId] = useState('');
  const [body, setBody] = useState('');
  const [resolution, setResolution] = useState('');
  const [supervisorId, setSupervisorId] = useState('');
  const [{ data: membersData }] = useQuery({ query: OrganizationMembersDocument, variables: { id: orgId }, pause: !orgId });
  const [{ data: supervisors }] = useQuery({ query: SupervisingOrganizationsDocument });
  const members = membersData?.organization?.members?.nodes ?? [];
  const after = () => refetch({ requestPolicy: 'network-only' });

  if (error) return <div className="form-error">{t('common.error')}{error.message}</div>;
  if (!c) return <p>{t('common.loading')}</p>;
  const acting = canAct(viewer) && c.viewerSeesInternal;
  const open = !['RESOLVED', 'CLOSED'].includes(c.status);
  return (
    <div className="case-detail" data-testid="case-detail">
      <button type="button" className="link close" onClick={onClose}>{t('case.close')} ✕</button>
      <p>{c.description}</p>
      <dl>
        <dt>{t('case.severity')}</dt><dd>{label(c.severity)}</dd>
        <dt>{t('case.responsible')}</dt><dd data-testid="case-responsible">{c.responsibleOrganization?.name ?? '—'}</dd>
        <dt>{t('case.leader')}</dt><dd>{c.leader?.displayName ?? '—'}</dd>
        <dt>{t('case.handler')}</dt><dd>{c.handler?.displayName ?? '—'}</dd>
        <dt>{t('action.supervisor')}</dt><dd>{c.supervisingOrganization?.name ?? '—'}</dd>
      </dl>
      {acting ? (
        <div className="actions">
          {['REPORTED', 'REOPENED'].includes(c.status) ? (
            <ActionForm title={t('action.triage')} testId="action-triage" fields={['category', 'severity']}
              run={async () => { const r = await triage({ input: { caseId: c.id, category: (category || c.category) as CaseCategory, severity, expectedVersion: c.version } }); await after(); return r; }}>
              {(errors) => (
                <>
                  <Field label={t('queue.category')} name="category" errors={errors}>
                    <select value={category || c.category} onChange={(e) => setCategory(e.target.value as CaseCategory)} name="category">
                      {CATEGORIES.map((x) => <option key={x} value={x}>{label(x)}</option>)}
                    </select>
                  </Field>
                  <Field label={t('case.severity')} name="severity" errors={errors}>
                    <select value={severity} onChange={(e) => setSeverity(e.target.value as CaseSeverity)} name="severity">
                      {SEVERITIES.map((x) => <option key={x} value={x}>{label(x)}</option>)}
                    </select>
                  </Field>
                </>
              )}
            </ActionForm>
          ) : null}
          {open ? (
            <ActionForm title={t('action.assign')} testId="action-assign" fields={['responsibleOrganizationId', 'leaderUserId', 'handlerUserId']}
              run={async () => { const r = await assign({ input: { caseId: c.id, responsibleOrganizationId: orgId, leaderUserId: leaderId, handlerUserId: handlerId, expectedVersion: c.version } }); await after(); return r; }}>
              {(errors) => (
                <>
                  <Field label={t('action.organization')} name="responsibleOrganizationId" errors={errors}>
                    <select value={orgId} onChange={(e) => setOrgId(e.target.value)} name="organization">
                      {actingOrgs.map((o) => <option key={o.id} value={o.id}>{o.name}</option>)}
                    </select>
                  </Field>
                  <Field label={t('case.leader')} name="leaderUserId" errors={errors}>
                    <select value={leaderId} onChange={(e) => setLeaderId(e.target.value)} name="leader">
                      <option value="">{t('action.choose')}</option>
                      {members.map((m) => <option key={m.id} value={m.user.id}>{m.user.displayName}</option>)}
                    </select>
                  </Field>
                  <Field label={t('case.handler')} name="handlerUserId" errors={errors}>
                    <select value={handlerId} onChange={(e) => setHandlerId(e.target.value)} name="handler">
                      <option value="">{t('action.choose')}</option>
                      {members.map((m) => <option key={m.id} value={m.user.id}>{m.user.displayName}</option>)}
                    </select>
                  </Field>
                  <small className="muted">{t('action.membersHidden')}</small>
                </>
              )}
            </ActionForm>
          ) : null}
          {['ASSIGNED', 'IN_PROGRESS'].includes(c.status) ? (
            <ActionForm title={t('action.resolve')} testId="action-resolve" fields={['resolution']}
              run={async () => { const r = await resolve({ input: { caseId: c.id, resolution, expectedVersion: c.version } }); await after(); return r; }}>
              {(errors) => (
                <Field label={t('action.resolution')} name="resolution" errors={errors}>
                  <textarea value={resolution} onChange={(e) => setResolution(e.target.value)} name="resolution" />
                </Field>
              )}
            </ActionForm>
          ) : null}
          {open && !c.supervised ? (
            <ActionForm title={t('action.supervise')} testId="action-supervise" fields={['supervisingOrganizationId', 'note']}
              run={async () => { const r = await supervise({ input: { caseId: c.id, supervisingOrganizationId: supervisorId } }); await after(); return r; }}>
              {(errors) => (
                <Field label={t('action.supervisor')} name="supervisingOrganizationId" errors={errors}>
                  <select value={supervisorId} onChange={(e) => setSupervisorId(e.target.value)} name="supervisor">
                    <option value="">{t('action.choose')}</option>
                    {(supervisors?.organizations.nodes ?? []).map((o) => <option key={o.id} value={o.id}>{o.name}</option>)}
                  </select>
                </Field>
              )}
            </ActionForm>
          ) : null}
          <ActionForm title={t('action.comment')} testId="action-comment" fields={['body']}
            run={async () => { const r = await comment({ input: { caseId: c.id, body } }); if (!r.error && !r.data?.caseComment.userErrors.length) setBody(''); await after(); return r; }}>
            {(errors) => (
              <Field label={t('action.body')} name="body" errors={errors}>
                <textarea value={body} onChange={(e) => setBody(e.target.value)} name="body" />
              </Field>
            )}
          </ActionForm>
        </div>
      ) : null}
      <h4>{t('case.timeline')}</h4>
      <ol className="timeline">
        {c.timeline.nodes.map((e, i) => (
          <li key={i}><time>{formatTime(e.occurredAt, lang)}</time> <code>{e.type}</code> {e.actor?.displayName ?? ''} {e.body ?? ''}</li>
        ))}
      </ol>
    </div>
  );
}
