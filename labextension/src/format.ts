/**
 * Text the panel shows, in the forms ipython_bg's ``%jobs`` uses.
 */

/** ``4.2s``, ``42s``, ``3m07s``, ``2h05m`` (tenths are cut, not rounded: a ticking clock never shows a second early). */
export function formatElapsed(seconds: number): string {
  if (seconds < 10) {
    return `${(Math.floor(seconds * 10) / 10).toFixed(1)}s`;
  }
  if (seconds < 60) {
    return `${Math.floor(seconds)}s`;
  }
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) {
    return `${minutes}m${pad(Math.floor(seconds) % 60)}s`;
  }
  return `${Math.floor(minutes / 60)}h${pad(minutes % 60)}m`;
}

function pad(value: number): string {
  return String(value).padStart(2, '0');
}

/** ``3 jobs``, ``1 job``. */
export function plural(count: number, noun: string): string {
  return `${count.toLocaleString('en')} ${noun}${count === 1 ? '' : 's'}`;
}
