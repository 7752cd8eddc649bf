/**
 * CPU time of processes from /proc: the Node server itself and the
 * PostgreSQL backends serving its pool (found by application_name), so a
 * figure can say how much CPU one request costs on each side.
 */
import fs from 'node:fs';
import type { DataSource } from 'typeorm';

const TICK_MS = 10; // CLK_TCK is 100 on Linux

/** User + system CPU of one process so far, in ms; 0 when it is gone. */
export function processCpuMs(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  } catch {
    return 0;
  }
}

/** CPU so far of each PostgreSQL backend of this application, by pid. */
export async function backendCpuMs(db: DataSource, applicationName: string): Promise<Map<number, number>> {
  const rows: { pid: number }[] = await db.query(`SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND datname = current_database()`, [applicationName]);
  return new Map(rows.map((r) => [r.pid, processCpuMs(r.pid)]));
}

/** CPU the backends spent between two snapshots; backends that appeared in between count from 0. */
export function backendCpuDelta(before: Map<number, number>, after: Map<number, number>): number {
  let total = 0;
  for (const [pid, ms] of after) total += ms - (before.get(pid) ?? 0);
  return total;
}
