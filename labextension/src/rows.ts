/**
 * One job's row in the panel: plain DOM, made once per job and updated in
 * place when its record changes, so that a busy kernel costs the page a
 * few text changes rather than a rebuilt list.
 */
import { caretDownIcon, caretRightIcon, LabIcon, stopIcon } from '@jupyterlab/ui-components';

import { formatElapsed } from './format';
import { elapsed, IJob } from './model';
import { isFinished } from './protocol';

/** What a row's buttons do. */
export interface IRowActions {
  cancel(job: IJob): void;
  goToCell(job: IJob): void;
  toggleOutput(row: JobRow): void;
}

/** A CSS class's suffix for a state: ``stopped (tty input)`` is ``stopped``. */
export function stateClass(state: string): string {
  return `jp-BgJobs-s-${state.split(' ')[0]}`;
}

export function element<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className: string,
  text = ''
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  node.className = className;
  node.textContent = text;
  return node;
}

/** A button showing ``icon``, named for screen readers and on hover. */
export function iconButton(icon: LabIcon, className: string, label: string): HTMLButtonElement {
  const button = element('button', `jp-BgJobs-button ${className}`);
  button.type = 'button';
  button.title = label;
  button.setAttribute('aria-label', label);
  button.appendChild(icon.element({ tag: 'span' }));
  return button;
}

export class JobRow {
  readonly node = element('li', 'jp-BgJobs-job');
  /** Where an open output view goes. */
  readonly outputHost = element('div', 'jp-BgJobs-output');
  expanded = false;

  constructor(
    public job: IJob,
    private _actions: IRowActions,
    now: number
  ) {
    const line = element('div', 'jp-BgJobs-line');
    this._toggle = iconButton(caretRightIcon, 'jp-BgJobs-toggle', 'Show its output');
    this._toggle.setAttribute('aria-expanded', 'false');
    this._toggle.onclick = () => this._actions.toggleOutput(this);
    this._cancel = iconButton(stopIcon, 'jp-BgJobs-cancel', 'Cancel the job');
    this._cancel.onclick = () => this._actions.cancel(this.job);
    line.append(this._toggle, this._id, this._state, this._kind, this._elapsed);
    this._source.type = 'button';
    this._source.onclick = () => this._actions.goToCell(this.job);
    const source = element('div', 'jp-BgJobs-sourceLine');
    source.append(this._source, this._cancel);
    this._progress.append(this._bar, this._progressText);
    this._bar.appendChild(this._fill);
    this.node.append(line, source, this._progress, this._summary, this.outputHost);
    this.node.setAttribute('role', 'listitem');
    this.set(job, now);
  }

  /** Show ``job``'s record (the same job, as it is now). */
  set(job: IJob, now: number): void {
    this.job = job;
    this.node.className = `jp-BgJobs-job ${stateClass(job.state)}`;
    this.node.dataset.jobId = String(job.id);
    this._id.textContent = `[${job.id}]`;
    this._state.textContent = job.state;
    this._kind.textContent = job.kind;
    this._source.textContent = job.source;
    const where = job.origin ? ` (${job.origin})` : '';
    this._source.title = job.cell_id ? `${job.source}\nGo to the cell that started it${where}` : job.source;
    this._source.disabled = !job.cell_id;
    this._cancel.hidden = isFinished(job.state);
    this._summary.textContent = job.summary;
    this._summary.title = job.summary;
    this._summary.hidden = !job.summary;
    const progress = job.progress;
    this._progress.hidden = progress === null;
    this._fill.style.width = progress?.fraction == null ? '0' : `${Math.round(progress.fraction * 100)}%`;
    this._bar.hidden = progress?.fraction == null;
    this._progressText.textContent = progress?.text ?? '';
    this.tick(now);
  }

  /** Its elapsed time, as it is at ``now``. */
  tick(now: number): void {
    const text = formatElapsed(elapsed(this.job, now));
    if (this._elapsed.textContent !== text) {
      this._elapsed.textContent = text;
    }
  }

  setExpanded(expanded: boolean): void {
    this.expanded = expanded;
    this._toggle.replaceChildren((expanded ? caretDownIcon : caretRightIcon).element({ tag: 'span' }));
    this._toggle.setAttribute('aria-expanded', String(expanded));
    this._toggle.title = expanded ? 'Hide its output' : 'Show its output';
    this._toggle.setAttribute('aria-label', this._toggle.title);
  }

  private _toggle: HTMLButtonElement;
  private _cancel: HTMLButtonElement;
  private _id = element('span', 'jp-BgJobs-id');
  private _state = element('span', 'jp-BgJobs-state');
  private _kind = element('span', 'jp-BgJobs-kind');
  private _elapsed = element('span', 'jp-BgJobs-elapsed');
  private _source = element('button', 'jp-BgJobs-source');
  private _progress = element('div', 'jp-BgJobs-progress');
  private _bar = element('div', 'jp-BgJobs-bar');
  private _fill = element('div', 'jp-BgJobs-fill');
  private _progressText = element('span', 'jp-BgJobs-progressText');
  private _summary = element('div', 'jp-BgJobs-summary');
}
