/**
 * Business time (due dates, expiry, missed shifts) reads this clock instead of
 * `new Date()` so tests can move time forward without waiting.
 */
let offsetMs = 0;
let frozen: Date | null = null;

export const clock = {
  now(): Date {
    if (frozen) return new Date(frozen.getTime());
    return new Date(Date.now() + offsetMs);
  },
  /** Test hook: pin the clock at an instant. */
  freeze(at: Date): void {
    frozen = new Date(at.getTime());
  },
  /** Test hook: move the clock by `ms`, frozen or not. */
  advance(ms: number): void {
    if (frozen) frozen = new Date(frozen.getTime() + ms);
    else offsetMs += ms;
  },
  reset(): void {
    frozen = null;
    offsetMs = 0;
  },
};

const localDate = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' });

/** Today's calendar date where the platform operates (China Standard Time), as YYYY-MM-DD. */
export function today(): string {
  return localDate.format(clock.now());
}

export function isLocalDate(value: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(value) && !Number.isNaN(Date.parse(`${value}T00:00:00Z`));
}
