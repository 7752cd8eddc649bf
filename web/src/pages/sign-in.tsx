import { useState, type FormEvent } from 'react';
import { useMutation } from 'urql';
import { SignInDocument } from '../gql/graphql';
import { useI18n } from '../i18n';
import { endReason, setSession } from '../session';
import { Field, FormError, FormErrors } from '../ui';

export function SignIn() {
  const { t, lang, setLang } = useI18n();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [errors, setErrors] = useState(new FormErrors());
  const [transport, setTransport] = useState<string | null>(null);
  const [result, signIn] = useMutation(SignInDocument);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const attempt = password;
    // The password lives only in this form's state until the request is sent.
    setPassword('');
    const { data, error } = await signIn({ input: { email, password: attempt } });
    setTransport(error ? error.message : null);
    const payload = data?.authLogin;
    if (!payload) return;
    setErrors(new FormErrors(payload.userErrors, ['email', 'password']));
    if (payload.accessToken) {
      setSession({
        token: payload.accessToken.token,
        expiresAt: payload.accessToken.expiresAt,
        refreshToken: payload.refreshToken?.token ?? null,
        refreshExpiresAt: payload.refreshToken?.expiresAt ?? null,
        name: payload.user?.displayName ?? email,
        startedAt: new Date().toISOString(),
      });
      if (location.pathname === '/' ) history.replaceState(null, '', '/liaison');
    }
  }

  return (
    <div className="sign-in">
      <form onSubmit={submit} className="card" data-testid="sign-in-form">
        <h1>{t('app.title')}</h1>
        {endReason === 'expired' ? <p className="notice">{t('auth.expired')}</p> : null}
        <FormError errors={errors} transport={transport} />
        <Field label={t('auth.email')} name="email" errors={errors}>
          <input type="email" name="email" autoComplete="username" value={email} onChange={(e) => setEmail(e.target.value)} required />
        </Field>
        <Field label={t('auth.password')} name="password" errors={errors}>
          <input type="password" name="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} required />
        </Field>
        <button type="submit" disabled={result.fetching}>{t('auth.signIn')}</button>
        <p className="hint">{t('auth.hint')}</p>
        <button type="button" className="link" onClick={() => setLang(lang === 'zh' ? 'en' : 'zh')}>{t('lang.switch')}</button>
      </form>
    </div>
  );
}
