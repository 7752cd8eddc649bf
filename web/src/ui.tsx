import { useSyncExternalStore, type ReactNode } from 'react';
import { isLive, onLiveChange } from './client';
import { useI18n } from './i18n';

export interface UserErrorLike {
  field: readonly string[];
  message: string;
  code?: string;
}

/** The userErrors of one form, split by the field they name (the last element of the path). */
export class FormErrors {
  constructor(readonly errors: readonly UserErrorLike[] = [], readonly fields: readonly string[] = []) {}
  for(field: string): UserErrorLike[] {
    return this.errors.filter((e) => e.field[e.field.length - 1] === field);
  }
  /** Errors that name no field of this form: shown at the form's top. */
  rest(): UserErrorLike[] {
    return this.errors.filter((e) => !this.fields.includes(e.field[e.field.length - 1] ?? ''));
  }
}

export function FieldError({ errors, field }: { errors: FormErrors; field: string }) {
  const list = errors.for(field);
  if (!list.length) return null;
  return (
    <span className="field-error" role="alert" data-field={field}>
      {list.map((e) => e.message).join(' ')}
    </span>
  );
}

export function FormError({ errors, transport }: { errors: FormErrors; transport?: string | null }) {
  const list = errors.rest();
  const { t } = useI18n();
  if (!list.length && !transport) return null;
  return (
    <div className="form-error" role="alert">
      {transport ? `${t('common.error')}${transport}` : list.map((e) => e.message).join(' ')}
    </div>
  );
}

export function Field({ label, errors, name, children }: { label: string; errors?: FormErrors; name: string; children: ReactNode }) {
  return (
    <label className="field" data-name={name}>
      <span className="field-label">{label}</span>
      {children}
      {errors ? <FieldError errors={errors} field={name} /> : null}
    </label>
  );
}

export function Figure({ label, value, testId }: { label: string; value: ReactNode; testId: string }) {
  return (
    <div className="figure" data-testid={testId}>
      <div className="figure-value">{value}</div>
      <div className="figure-label">{label}</div>
    </div>
  );
}

export function LiveBadge() {
  const { t } = useI18n();
  // Not useState + useEffect: the socket can connect between this render and the effect that would listen,
  // and the badge then said offline for good. The store hook reads the value again when it subscribes.
  const live = useSyncExternalStore(onLiveChange, isLive);
  return <span className={live ? 'badge live' : 'badge offline'} data-testid="live-badge" data-live={live}>{live ? t('common.live') : t('common.offline')}</span>;
}

export function percent(ratio: number | null | undefined): string {
  return ratio === null || ratio === undefined ? '—' : `${Math.round(ratio * 1000) / 10}%`;
}

export function formatTime(iso: string | null | undefined, lang: string): string {
  if (!iso) return '—';
  return new Date(iso).toLocaleString(lang === 'zh' ? 'zh-TW' : 'en-GB', { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
}

export function localDate(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}
