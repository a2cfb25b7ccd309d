/**
 * The Jobs panel's list: one section per kernel (named after its
 * notebooks), one row per job, unfinished ones first.
 *
 * It renders when the model changes, at most once per animation frame
 * (Lumino folds update requests together), and only while it is shown;
 * a kernel's section shows its first ``pageSize`` rows and more on request,
 * so a kernel with thousands of jobs costs the page a page of rows.  While
 * shown, the elapsed times of running jobs tick: that timer is the page's
 * own and asks the kernels nothing.
 */
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { clearIcon, stopIcon } from '@jupyterlab/ui-components';
import { Message } from '@lumino/messaging';
import { Widget } from '@lumino/widgets';

import { plural } from './format';
import { IJobActions } from './kernels';
import { IJob, IKernelJobs, JobsModel } from './model';
import { JobOutputView } from './output';
import { isFinished } from './protocol';
import { element, iconButton, JobRow } from './rows';

export interface IJobsViewOptions {
  model: JobsModel;
  actions: IJobActions;
  goToCell(kernelId: string, job: IJob): void;
  /** The renderers for a kernel's output (its notebook's, where open). */
  rendermime(kernelId: string): IRenderMimeRegistry;
  pageSize?: number;
}

/** Unfinished jobs first, then finished ones; newest first in each. */
export function ordered(jobs: Iterable<IJob>): IJob[] {
  const rank = (job: IJob) => (isFinished(job.state) ? 1 : 0);
  return [...jobs].sort((a, b) => rank(a) - rank(b) || b.id - a.id);
}

class KernelSection {
  readonly node = element('section', 'jp-BgJobs-kernel');

  constructor(
    readonly kernelId: string,
    private _options: IJobsViewOptions
  ) {
    const header = element('div', 'jp-BgJobs-kernelHeader');
    this._cancelAll.onclick = () => this._options.actions.cancelAll(this.kernelId);
    this._forget.onclick = () => this._options.actions.forget(this.kernelId);
    const title = element('div', 'jp-BgJobs-kernelTitle');
    title.append(this._name, this._counts);
    header.append(title, this._cancelAll, this._forget);
    this._list.setAttribute('role', 'list');
    this._more.type = 'button';
    this._more.onclick = () => {
      this._shown += this._options.pageSize ?? 100;
      this.render(this._kernel!, Date.now());
    };
    this.node.append(header, this._list, this._none, this._more);
    this.node.dataset.kernelId = kernelId;
  }

  render(kernel: IKernelJobs, now: number): void {
    this._kernel = kernel;
    const jobs = ordered(kernel.jobs.values());
    const running = jobs.filter(job => !isFinished(job.state)).length;
    this._name.textContent = kernel.label;
    this._name.title = `${this._options.actions.paths(kernel.id).join('\n') || kernel.label}\nkernel ${kernel.id}`;
    const finished = jobs.length - running;
    this._counts.textContent = `${running.toLocaleString('en')} running · ${finished.toLocaleString('en')} finished`;
    this._cancelAll.hidden = running === 0;
    this._forget.hidden = finished === 0;
    this._none.hidden = jobs.length > 0;
    const shown = jobs.slice(0, this._shown);
    this._reconcile(shown, now);
    const hidden = jobs.length - shown.length;
    this._more.hidden = hidden === 0;
    this._more.textContent = `Show more (${plural(hidden, 'job')} not shown)`;
  }

  tick(now: number): void {
    for (const row of this._rows.values()) {
      if (!isFinished(row.job.state)) {
        row.tick(now);
      }
    }
  }

  dispose(): void {
    for (const row of this._rows.values()) {
      this._closeOutput(row);
    }
    this.node.remove();
  }

  /** The list shows exactly ``jobs``, in order, reusing rows. */
  private _reconcile(jobs: IJob[], now: number): void {
    const keep = new Set(jobs.map(job => job.id));
    for (const [id, row] of this._rows) {
      if (!keep.has(id)) {
        this._closeOutput(row);
        row.node.remove();
        this._rows.delete(id);
      }
    }
    let previous: Element | null = null;
    for (const job of jobs) {
      let row = this._rows.get(job.id);
      if (!row) {
        row = new JobRow(job, this._rowActions, now);
        this._rows.set(job.id, row);
      } else if (row.job !== job) {
        const more = row.job.output !== job.output;
        row.set(job, now);
        if (more && row.expanded) {
          this._loadOutput(row);
        }
      }
      const expected: Element | null = previous ? previous.nextElementSibling : this._list.firstElementChild;
      if (expected !== row.node) {
        this._list.insertBefore(row.node, expected);
      }
      previous = row.node;
    }
  }

  private _rowActions = {
    cancel: (job: IJob) => this._options.actions.cancel(this.kernelId, [job.id]),
    goToCell: (job: IJob) => this._options.goToCell(this.kernelId, job),
    toggleOutput: (row: JobRow) => {
      if (row.expanded) {
        this._closeOutput(row);
      } else {
        row.setExpanded(true);
        this._outputs.set(row, new JobOutputView(row.outputHost, this._options.rendermime(this.kernelId)));
        this._loadOutput(row);
      }
    }
  };

  private _loadOutput(row: JobRow): void {
    const jobId = row.job.id;
    this._options.actions.output(this.kernelId, jobId).then(
      reply => this._outputs.get(row)?.show(reply.outputs, reply.dropped),
      (error: Error) => this._outputs.get(row)?.say(`The kernel could not send it: ${error.message}`)
    );
  }

  private _closeOutput(row: JobRow): void {
    this._outputs.get(row)?.dispose();
    this._outputs.delete(row);
    row.setExpanded(false);
  }

  private _kernel: IKernelJobs | null = null;
  private _shown = this._options.pageSize ?? 100;
  private _rows = new Map<number, JobRow>();
  private _outputs = new Map<JobRow, JobOutputView>();
  private _name = element('span', 'jp-BgJobs-kernelName');
  private _counts = element('span', 'jp-BgJobs-counts');
  private _cancelAll = iconButton(stopIcon, 'jp-BgJobs-cancelAll', 'Cancel every unfinished job of this kernel');
  private _forget = iconButton(clearIcon, 'jp-BgJobs-forget', 'Forget the finished jobs of this kernel (%jobs -c)');
  private _list = element('ul', 'jp-BgJobs-list');
  private _none = element('div', 'jp-BgJobs-none', 'No jobs in this kernel.');
  private _more = element('button', 'jp-BgJobs-more');
}

export class JobsView extends Widget {
  constructor(private _options: IJobsViewOptions) {
    super();
    this.addClass('jp-BgJobs-view');
    this._empty = element(
      'div',
      'jp-BgJobs-empty',
      'No kernel has ipython_bg loaded. Run %load_ext ipython_bg in a notebook: the jobs you start there with %bg show here.'
    );
    this.node.appendChild(this._empty);
    _options.model.changed.connect(() => this.update(), this);
  }

  /** How many times the list was drawn (the browser tests count them). */
  renders = 0;

  protected onUpdateRequest(_: Message): void {
    if (!this.isVisible) {
      this._stale = true; // drawn when shown
      return;
    }
    this._stale = false;
    this.renders += 1;
    this.node.dataset.renders = String(this.renders);
    const now = Date.now();
    const kernels = this._options.model.kernels();
    const present = new Set(kernels.map(kernel => kernel.id));
    for (const [id, section] of this._sections) {
      if (!present.has(id)) {
        section.dispose();
        this._sections.delete(id);
      }
    }
    let previous: Element = this._empty;
    for (const kernel of kernels) {
      let section = this._sections.get(kernel.id);
      if (!section) {
        section = new KernelSection(kernel.id, this._options);
        this._sections.set(kernel.id, section);
      }
      section.render(kernel, now);
      if (previous.nextElementSibling !== section.node) {
        previous.after(section.node);
      }
      previous = section.node;
    }
    this._empty.hidden = kernels.length > 0;
  }

  protected onAfterAttach(_: Message): void {
    if (this.isVisible) {
      this._shown();
    }
  }

  protected onAfterShow(_: Message): void {
    this._shown();
  }

  protected onBeforeHide(_: Message): void {
    this._stopTicking();
  }

  protected onBeforeDetach(_: Message): void {
    this._stopTicking();
  }

  dispose(): void {
    this._stopTicking();
    for (const section of this._sections.values()) {
      section.dispose();
    }
    this._sections.clear();
    super.dispose();
  }

  private _shown(): void {
    if (this._stale) {
      this.update();
    }
    if (!this._ticker) {
      // Four times a second: rows whose record just came and rows that
      // only tick then agree to within a quarter of a second.
      this._ticker = window.setInterval(() => this._tick(), 250);
    }
  }

  private _stopTicking(): void {
    window.clearInterval(this._ticker);
    this._ticker = 0;
  }

  private _tick(): void {
    const now = Date.now();
    for (const section of this._sections.values()) {
      section.tick(now);
    }
  }

  private _empty: HTMLElement;
  private _sections = new Map<string, KernelSection>();
  private _stale = true;
  private _ticker = 0;
}
