import { stringifyDocument } from 'urql';
import { RefreshDocument, SignOutDocument } from './gql/graphql';

// The signed-in session: the short-lived access token, the refresh token that
// renews it for a shift (authRefresh), and who it is. Never the password.
// Stored in localStorage, not memory or sessionStorage: every tab (and the
// explorer) must share ONE refresh token, because refresh tokens rotate and a
// rotated one presented again by a second holder revokes the whole session.
// A reload also keeps the session. The cost: script injected into this origin
// could read it, as it could the access token; the API is bearer-only (no
// cookies), so an httpOnly cookie is not an option without server changes.
export interface Session {
  token: string;
  expiresAt: string;
  refreshToken: string | null;
  refreshExpiresAt: string | null;
  name: string;
  /** When the person signed in; unchanged by refreshes, so the API client (and its cache) lives as long as the sign-in. */
  startedAt: string;
}

const KEY = 'gongzhi.session';
const LOCK = 'gongzhi.refresh';
type Listener = (session: Session | null) => void;
const listeners = new Set<Listener>();
let refreshTimer: ReturnType<typeof setTimeout> | undefined;

const accessValid = (s: Session) => Date.parse(s.expiresAt) > Date.now();
const refreshValid = (s: Session) => !!s.refreshToken && !!s.refreshExpiresAt && Date.parse(s.refreshExpiresAt) > Date.now();

export function readSession(): Session | null {
  try {
    const raw = localStorage.getItem(KEY);
    if (!raw) return null;
    const session = JSON.parse(raw) as Session;
    if (!session.token || (!accessValid(session) && !refreshValid(session))) {
      localStorage.removeItem(KEY);
      return null;
    }
    return session;
  } catch {
    return null;
  }
}

/** The access token to send, or null when there is none or it has expired (then refresh first). */
export function currentToken(): string | null {
  const session = readSession();
  return session && accessValid(session) ? session.token : null;
}

function schedule(session: Session | null): void {
  if (refreshTimer) clearTimeout(refreshTimer);
  if (!session) return;
  const left = Date.parse(session.expiresAt) - Date.now();
  if (!refreshValid(session)) {
    // Nothing to renew with: the session ends with its access token.
    refreshTimer = setTimeout(() => setSession(null, 'expired'), Math.min(Math.max(left, 0), 2 ** 31 - 1));
    return;
  }
  // Renew a minute (a quarter of a short token's life) before expiry, so requests and the socket never see it expire.
  const ms = left - Math.min(60_000, left / 4);
  refreshTimer = setTimeout(() => void refreshSession(session.token), Math.min(Math.max(ms, 0), 2 ** 31 - 1));
}

export let endReason: 'expired' | 'signed-out' | null = null;

export function setSession(session: Session | null, reason: 'expired' | 'signed-out' | null = null): void {
  endReason = session ? null : reason;
  if (session) localStorage.setItem(KEY, JSON.stringify(session));
  else localStorage.removeItem(KEY);
  schedule(session);
  for (const listener of listeners) listener(session);
}

export function onSessionChange(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

async function post<T>(document: Parameters<typeof stringifyDocument>[0], variables: unknown): Promise<T | null> {
  const response = await fetch('/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: stringifyDocument(document), variables }),
  });
  if (response.status >= 500) throw new Error(`HTTP ${response.status}`);
  const body = (await response.json()) as { data?: T | null };
  return body.data ?? null;
}

let inflight: Promise<Session | null> | null = null;

/**
 * Exchanges the refresh token for a new access token, once, however many
 * requests, timers or tabs ask at the same moment: within a tab callers share
 * one promise; across tabs a Web Lock serialises them and whoever comes second
 * finds a newer token in storage and uses it instead of rotating again (a
 * second rotation of the same token would count as reuse and end the session).
 * `staleToken` is the access token the caller found wanting.
 * Resolves to the session to use, or null when it has ended.
 */
export function refreshSession(staleToken: string | null): Promise<Session | null> {
  inflight ??= withLock(() => rotate(staleToken)).finally(() => {
    inflight = null;
  });
  return inflight;
}

function withLock<T>(work: () => Promise<T>): Promise<T> {
  // Web Locks exist only in secure contexts (https, localhost); elsewhere storage is re-read after a refusal instead.
  const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined;
  return locks ? (locks.request(LOCK, work) as Promise<T>) : work();
}

async function rotate(staleToken: string | null): Promise<Session | null> {
  const stored = readSession();
  if (!stored) return null;
  if (stored.token !== staleToken && accessValid(stored)) return stored;
  if (!refreshValid(stored)) {
    setSession(null, 'expired');
    return null;
  }
  let data: { authRefresh: { accessToken: { token: string; expiresAt: string } | null; refreshToken: { token: string; expiresAt: string } | null; user: { displayName: string } | null } } | null;
  try {
    data = await post(RefreshDocument, { input: { refreshToken: stored.refreshToken } });
  } catch {
    // Offline or the server is down: keep the session and try again shortly; the refresh token is still good.
    refreshTimer = setTimeout(() => void refreshSession(stored.token), 5_000);
    return accessValid(stored) ? stored : null;
  }
  const payload = data?.authRefresh;
  if (payload?.accessToken && payload.refreshToken) {
    const next: Session = {
      ...stored,
      token: payload.accessToken.token,
      expiresAt: payload.accessToken.expiresAt,
      refreshToken: payload.refreshToken.token,
      refreshExpiresAt: payload.refreshToken.expiresAt,
      name: payload.user?.displayName ?? stored.name,
    };
    setSession(next);
    return next;
  }
  // Refused. Without a lock another tab may have rotated first: its token in storage is then the one to use.
  const latest = readSession();
  if (latest && latest.refreshToken !== stored.refreshToken && accessValid(latest)) return latest;
  setSession(null, 'expired');
  return null;
}

/** Ends the session on the server (its refresh tokens stop working), then here. */
export async function signOut(): Promise<void> {
  const session = readSession();
  if (session?.refreshToken) {
    try {
      await post(SignOutDocument, { input: { refreshToken: session.refreshToken } });
    } catch {
      // Unreachable server: the session still ends here; its refresh token expires on its own.
    }
  }
  setSession(null, 'signed-out');
}

schedule(readSession());
window.addEventListener('storage', (event) => {
  if (event.key === KEY) {
    const session = readSession();
    schedule(session);
    for (const listener of listeners) listener(session);
  }
});
