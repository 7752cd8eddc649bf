import { registerJob } from '../../shared/scheduler';

/** Sweeps the public operations' rate counters whose window has ended. */
registerJob({
  name: 'public-rate-sweep',
  async run(app, now) {
    await app.db.query('DELETE FROM public_rate_limit WHERE expire IS NOT NULL AND expire < $1', [now.getTime()]);
  },
});
