/**
 * The status bar's count of running jobs across kernels: hidden when
 * there are none; a click shows the Jobs panel.
 */
import { ISignal, Signal } from '@lumino/signaling';
import { LabIcon } from '@jupyterlab/ui-components';
import { Widget } from '@lumino/widgets';

import { plural } from './format';
import { JobsModel } from './model';

export class JobsStatus extends Widget {
  constructor(
    private _model: JobsModel,
    icon: LabIcon,
    open: () => void
  ) {
    super({ node: document.createElement('button') });
    this.addClass('jp-BgJobs-status');
    const button = this.node as HTMLButtonElement;
    button.type = 'button';
    button.onclick = open;
    button.append(icon.element({ tag: 'span' }), this._text);
    _model.changed.connect(this._render, this);
    this._render();
  }

  /** Running jobs counted at the last change. */
  get count(): number {
    return this._count;
  }

  private _render(): void {
    const count = this._model.running;
    if (count === this._count) {
      return;
    }
    this._count = count;
    this._text.textContent = plural(count, 'job');
    this.node.title = `${plural(count, 'job')} running: show the Jobs panel`;
    this._countChanged.emit();
  }

  /** For the status bar's ``activeStateChanged``: the count changed. */
  get countChanged(): ISignal<this, void> {
    return this._countChanged;
  }

  private _text = document.createElement('span');
  private _count = -1;
  private _countChanged = new Signal<this, void>(this);
}
