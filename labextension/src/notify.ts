/**
 * Which ends of jobs deserve a notification, and what it says: jobs that
 * ran at least ``long_job`` seconds and that nobody waited for with
 * ``%fg`` (the kernel marks them ``long``).  Many at once are one
 * notification, not a flood of them.
 */
import { formatElapsed, plural } from './format';
import { IJob } from './model';

export interface INotice {
  type: 'success' | 'warning' | 'error';
  message: string;
  /** The job to go to; none for a summary of several. */
  job: IJob | null;
}

const TYPES = { done: 'success', cancelled: 'warning', failed: 'error' } as const;

/** Notices for jobs that just ended in the kernel named ``label``. */
export function notices(ended: IJob[], label: string, most = 3): INotice[] {
  const long = ended.filter(job => job.long && !job.waited);
  if (long.length <= most) {
    return long.map(job => ({ type: TYPES[job.state as keyof typeof TYPES], message: describe(job, label), job }));
  }
  const counts = new Map<string, number>();
  for (const job of long) {
    counts.set(job.state, (counts.get(job.state) ?? 0) + 1);
  }
  const parts = [...counts].map(([state, count]) => `${count.toLocaleString('en')} ${state}`);
  const type = counts.has('failed') ? 'error' : counts.has('cancelled') ? 'warning' : 'success';
  return [{ type, message: `${plural(long.length, 'long job')} ended in ${label}: ${parts.join(', ')}`, job: null }];
}

function describe(job: IJob, label: string): string {
  const source = job.source.length > 60 ? `${job.source.slice(0, 59)}…` : job.source;
  const summary = job.state === 'failed' && job.summary ? ` (${job.summary})` : '';
  return `[${job.id}] ${job.state} after ${formatElapsed(job.elapsed)} in ${label}: ${source}${summary}`;
}
