import { registerJob } from '../../shared/scheduler';

/**
 * Sweeps what sessions and sign-in throttling leave behind: throttle
 * counters whose window has ended, and refresh tokens a day past their
 * expiry (kept that long so a late reuse is still recognised and logged).
 */
registerJob({
  name: 'auth-sweep',
  async run(app, now) {
    await app.db.query('DELETE FROM sign_in_throttle WHERE expire IS NOT NULL AND expire < $1', [now.getTime()]);
    await app.db.query(`DELETE FROM refresh_token WHERE expires_at < $1::timestamptz - interval '1 day'`, [now]);
  },
});
