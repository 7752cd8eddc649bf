// The signed-in session: the access token and when it expires, nothing else.
// The password is never kept; when the token expires the person signs in again.
// localStorage (not memory) so a reload and the explorer tab share the session.
export interface Session {
  token: string;
  expiresAt: string;
  name: string;
}

const KEY = 'gongzhi.session';
type Listener = (session: Session | null) => void;
const listeners = new Set<Listener>();
let expiryTimer: ReturnType<typeof setTimeout> | undefined;

export function readSession(): Session | null {
  try {
    const raw = localStorage.getItem(KEY);
    if (!raw) return null;
    const session = JSON.parse(raw) as Session;
    if (!session.token || Date.parse(session.expiresAt) <= Date.now()) {
      localStorage.removeItem(KEY);
      return null;
    }
    return session;
  } catch {
    return null;
  }
}

export function currentToken(): string | null {
  return readSession()?.token ?? null;
}

function schedule(session: Session | null): void {
  if (expiryTimer) clearTimeout(expiryTimer);
  if (!session) return;
  // setTimeout cannot wait longer than ~24.8 days; tokens live minutes to a day.
  const ms = Math.min(Date.parse(session.expiresAt) - Date.now(), 2 ** 31 - 1);
  expiryTimer = setTimeout(() => setSession(null, 'expired'), Math.max(ms, 0));
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

schedule(readSession());
window.addEventListener('storage', (event) => {
  if (event.key === KEY) {
    const session = readSession();
    schedule(session);
    for (const listener of listeners) listener(session);
  }
});
