import { registerJob } from '../scheduler';

/**
 * Deletes events older than EVENT_RETENTION_DAYS and remembers the highest
 * pruned id, so a subscriber resuming from before it is told (CURSOR_EXPIRED)
 * instead of silently missing events.
 */
registerJob({
  name: 'event-retention',
  async run(app, now) {
    const cutoff = new Date(now.getTime() - app.config.eventRetentionDays * 86_400_000);
    await app.db.transaction(async (em) => {
      const [{ max }] = await em.query('SELECT max(id)::text AS max FROM event WHERE created_at < $1', [cutoff]);
      if (!max) return;
      await em.query('DELETE FROM event WHERE id <= $1', [max]);
      await em.query('UPDATE event_log_state SET pruned_through = GREATEST(pruned_through, $1)', [max]);
    });
  },
});
