import { useEffect, useMemo, useState } from 'react';
import { Provider, useQuery } from 'urql';
import { createApiClient } from './client';
import { ViewerDocument, type ViewerQuery } from './gql/graphql';
import { I18nProvider, useI18n } from './i18n';
import { onSessionChange, readSession, signOut, type Session } from './session';
import { SignIn } from './pages/sign-in';
import { LiaisonPage } from './pages/liaison';
import { PatrolsPage } from './pages/patrols';
import { MeetingsPage } from './pages/meetings';

export type Viewer = ViewerQuery['viewer'];
type Route = 'liaison' | 'patrols' | 'meetings';
const ROUTES: Route[] = ['liaison', 'patrols', 'meetings'];

function routeFromPath(): Route {
  const name = location.pathname.replace(/^\/+/, '').split('/')[0] as Route;
  return ROUTES.includes(name) ? name : 'liaison';
}

function useRoute(): [Route, (route: Route) => void] {
  const [route, setRoute] = useState<Route>(routeFromPath);
  useEffect(() => {
    const onPop = () => setRoute(routeFromPath());
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, []);
  const go = (next: Route) => {
    history.pushState(null, '', `/${next}`);
    setRoute(next);
  };
  return [route, go];
}

function Shell({ session }: { session: Session }) {
  const { t, lang, setLang } = useI18n();
  const [route, go] = useRoute();
  const [{ data, error }] = useQuery({ query: ViewerDocument, requestPolicy: 'network-only' });
  const viewer = data?.viewer;
  return (
    <div className="shell">
      <header className="top">
        <strong className="brand">{t('app.title')}</strong>
        <nav>
          {ROUTES.map((r) => (
            <a key={r} href={`/${r}`} className={r === route ? 'active' : ''} onClick={(e) => { e.preventDefault(); go(r); }} data-testid={`nav-${r}`}>
              {t(`nav.${r}`)}
            </a>
          ))}
          <a href="/graphql" target="_blank" rel="noopener">{t('nav.explorer')}</a>
        </nav>
        <span className="who" data-testid="who">{viewer?.user?.displayName ?? session.name}</span>
        <button type="button" className="link" onClick={() => setLang(lang === 'zh' ? 'en' : 'zh')} data-testid="lang">{t('lang.switch')}</button>
        <button type="button" className="link" onClick={() => void signOut()} data-testid="sign-out">{t('auth.signOut')}</button>
      </header>
      <main>
        {error ? <div className="form-error">{t('common.error')}{error.message}</div> : null}
        {!viewer ? <p>{t('common.loading')}</p> : route === 'liaison' ? <LiaisonPage viewer={viewer} /> : route === 'patrols' ? <PatrolsPage viewer={viewer} /> : <MeetingsPage viewer={viewer} />}
      </main>
    </div>
  );
}

export function App() {
  const [session, setState] = useState<Session | null>(readSession);
  useEffect(() => onSessionChange(setState), []);
  // A new client per sign-in (not per renewed token): nothing cached for one person is shown to the next.
  const client = useMemo(() => createApiClient(), [session?.startedAt]);
  return (
    <I18nProvider>
      <Provider value={client}>{session ? <Shell session={session} /> : <SignIn />}</Provider>
    </I18nProvider>
  );
}
