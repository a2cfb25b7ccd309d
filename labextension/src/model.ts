/**
 * What the page knows of every kernel's jobs: the records the kernels
 * sent, by kernel, and the ends they reported.  It knows no DOM and no
 * kernel connection (the panel, the status bar and the notifications
 * listen to it; the kernel channels feed it).
 */
import { ISignal, Signal } from '@lumino/signaling';

import { IJobRecord, isFinished } from './protocol';

/** A job as the page holds it: its record and when that arrived. */
export interface IJob extends IJobRecord {
  /** When the record arrived, in milliseconds (``Date.now()``). */
  receivedAt: number;
}

/** One kernel that has ipython_bg loaded, and its jobs. */
export interface IKernelJobs {
  readonly id: string;
  /** The notebooks (and consoles) using the kernel. */
  readonly label: string;
  readonly jobs: ReadonlyMap<number, IJob>;
}

/** Jobs of one kernel that the last update reported ended. */
export interface IEnded {
  kernelId: string;
  jobs: IJob[];
}

/** Seconds a job has run, ticking on from its record while it runs. */
export function elapsed(job: IJob, now: number): number {
  const ticking = job.state === 'running' || job.state === 'stopped (tty input)';
  return job.elapsed + (ticking ? Math.max(0, now - job.receivedAt) / 1000 : 0);
}

export class JobsModel {
  /** Something changed: emitted once per message applied. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** Jobs an update reported ended (never those of a snapshot). */
  get ended(): ISignal<this, IEnded> {
    return this._ended;
  }

  /** The kernels with the extension loaded, in the order of their labels. */
  kernels(): IKernelJobs[] {
    const kernels = [...this._jobs.keys()].map(id => this.kernel(id)!);
    return kernels.sort((a, b) => a.label.localeCompare(b.label));
  }

  kernel(id: string): IKernelJobs | undefined {
    const jobs = this._jobs.get(id);
    return jobs && { id, label: this.label(id), jobs };
  }

  /** How the kernel is named: its notebooks, or its id. */
  label(kernelId: string): string {
    return this._labels.get(kernelId) || `Kernel ${kernelId.slice(0, 8)}`;
  }

  setLabel(kernelId: string, label: string): void {
    if (this._labels.get(kernelId) !== label) {
      this._labels.set(kernelId, label);
      if (this._jobs.has(kernelId)) {
        this._changed.emit();
      }
    }
  }

  /** Unfinished jobs across kernels. */
  get running(): number {
    let count = 0;
    for (const jobs of this._jobs.values()) {
      for (const job of jobs.values()) {
        count += isFinished(job.state) ? 0 : 1;
      }
    }
    return count;
  }

  /** The kernel's jobs are exactly these (it loaded the extension, or the page asked). */
  snapshot(kernelId: string, records: IJobRecord[], now: number): void {
    const jobs = new Map<number, IJob>();
    for (const record of records) {
      jobs.set(record.id, { ...record, receivedAt: now });
    }
    this._jobs.set(kernelId, jobs);
    this._changed.emit();
  }

  /** Jobs that changed or are new, and ids the kernel forgot. */
  update(kernelId: string, records: IJobRecord[], removed: number[], now: number): void {
    const jobs = this._jobs.get(kernelId);
    if (!jobs) {
      return; // an update before the snapshot: the snapshot will say it all
    }
    const ended: IJob[] = [];
    for (const record of records) {
      const before = jobs.get(record.id);
      const job = { ...record, receivedAt: now };
      jobs.set(record.id, job);
      if (isFinished(job.state) && !(before && isFinished(before.state))) {
        ended.push(job);
      }
    }
    for (const id of removed) {
      jobs.delete(id);
    }
    this._changed.emit();
    if (ended.length) {
      this._ended.emit({ kernelId, jobs: ended });
    }
  }

  /** The kernel is gone, restarted or unloaded the extension. */
  drop(kernelId: string): void {
    if (this._jobs.delete(kernelId)) {
      this._changed.emit();
    }
  }

  private _jobs = new Map<string, Map<number, IJob>>();
  private _labels = new Map<string, string>();
  private _changed = new Signal<this, void>(this);
  private _ended = new Signal<this, IEnded>(this);
}
