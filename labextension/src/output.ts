/**
 * A job's kept output, rendered as the notebook renders a cell's: an
 * output area with the notebook's own renderers (so images show, and
 * widgets too where the notebook's widget manager is at hand).
 */
import { OutputArea, OutputAreaModel } from '@jupyterlab/outputarea';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { Widget } from '@lumino/widgets';

import { plural } from './format';
import { IOutput } from './protocol';

export class JobOutputView {
  constructor(
    private _host: HTMLElement,
    rendermime: IRenderMimeRegistry
  ) {
    this._note = document.createElement('div');
    this._note.className = 'jp-BgJobs-outputNote';
    this._host.appendChild(this._note);
    // The kernel's own outputs, from code the user ran: trusted as the
    // notebook trusts what its cells print.
    this._area = new OutputArea({ model: new OutputAreaModel({ trusted: true }), rendermime });
    this._area.addClass('jp-BgJobs-outputArea');
    Widget.attach(this._area, this._host);
    this.say('Asking the kernel…');
  }

  /** A line above the output (waiting, an error, what was dropped). */
  say(text: string): void {
    this._note.textContent = text;
    this._note.hidden = !text;
  }

  show(outputs: IOutput[], dropped: number): void {
    this._area.model.clear();
    this._area.model.fromJSON(outputs as any);
    if (!outputs.length) {
      this.say('The job kept no output.');
    } else if (dropped) {
      this.say(`Only the end is kept: ${plural(dropped, 'earlier character')} dropped (BackgroundJobs.output_limit).`);
    } else {
      this.say('');
    }
  }

  dispose(): void {
    if (this._area.isAttached) {
      Widget.detach(this._area);
    }
    this._area.dispose();
    this._note.remove();
  }

  private _area: OutputArea;
  private _note: HTMLElement;
}
