/**
 * Going to the notebook cell that started a job: its notebook is brought
 * forward (opened first if this page does not show it) and the cell is
 * scrolled to and selected, as the table of contents does for a heading.
 */
import { JupyterFrontEnd } from '@jupyterlab/application';
import { Notification } from '@jupyterlab/apputils';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';

import { IJobActions } from './kernels';
import { IJob } from './model';

/** The notebooks of this page that run on the kernel. */
export function notebooksOf(tracker: INotebookTracker | null, kernelId: string): NotebookPanel[] {
  const found: NotebookPanel[] = [];
  tracker?.forEach(panel => {
    if (panel.sessionContext.session?.kernel?.id === kernelId) {
      found.push(panel);
    }
  });
  return found;
}

/** Select the cell whose id is ``cellId`` in ``panel``; false if it has none. */
export async function selectCell(app: JupyterFrontEnd, panel: NotebookPanel, cellId: string): Promise<boolean> {
  const notebook = panel.content;
  const index = notebook.widgets.findIndex(cell => cell.model.id === cellId);
  if (index < 0) {
    return false;
  }
  app.shell.activateById(panel.id);
  notebook.mode = 'command';
  notebook.activeCellIndex = index;
  notebook.deselectAll();
  await notebook.scrollToCell(notebook.widgets[index], 'center');
  return true;
}

/** Go to the cell that started ``job`` in kernel ``kernelId``. */
export async function goToCell(
  app: JupyterFrontEnd,
  tracker: INotebookTracker | null,
  actions: IJobActions,
  kernelId: string,
  job: IJob
): Promise<void> {
  const cellId = job.cell_id;
  if (!cellId) {
    return;
  }
  for (const panel of notebooksOf(tracker, kernelId)) {
    if (await selectCell(app, panel, cellId)) {
      return;
    }
  }
  // Not shown in this page: open the kernel's notebooks and look there.
  const elsewhere: string[] = [];
  for (const path of actions.paths(kernelId).filter(path => path.endsWith('.ipynb'))) {
    const widget = await app.commands.execute('docmanager:open', { path });
    if (widget instanceof NotebookPanel) {
      await widget.context.ready;
      if (await selectCell(app, widget, cellId)) {
        return;
      }
    } else {
      // Notebook 7 opens each notebook in a page of its own, out of reach
      // of this one: say where the cell is instead.
      elsewhere.push(path);
    }
  }
  if (elsewhere.length > 0) {
    const cell = job.origin ? ` at ${job.origin}` : '';
    Notification.info(`Job [${job.id}] started${cell} in ${elsewhere.join(', ')}, opened in its own tab.`, {
      autoClose: 8000
    });
    return;
  }
  Notification.warning(`The cell that started job [${job.id}] is not in an open notebook any more.`, {
    autoClose: 5000
  });
}
