/**
 * The Jobs panel of ipython_bg, for JupyterLab 4 and Notebook 7: the jobs
 * of every running kernel that has ipython_bg loaded, live, in a side
 * panel (grouped by notebook, with cancel, output and go-to-cell), a
 * status-bar count of running jobs, and notifications when a long job ends.
 * The kernels push what changes over a comm (docs/panel-protocol.rst).
 */
import { ILayoutRestorer, JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { ICommandPalette, Notification } from '@jupyterlab/apputils';
import { IMainMenu } from '@jupyterlab/mainmenu';
import { INotebookTracker } from '@jupyterlab/notebook';
import { IRenderMimeRegistry, RenderMimeRegistry, standardRendererFactories } from '@jupyterlab/rendermime';
import { IStatusBar } from '@jupyterlab/statusbar';
import { LabIcon, SidePanel } from '@jupyterlab/ui-components';
import { Panel } from '@lumino/widgets';

import jobsSvg from '../style/icons/jobs.svg';
import { IEnded, JobsModel } from './model';
import { KernelWatcher } from './kernels';
import { goToCell, notebooksOf } from './navigate';
import { notices } from './notify';
import { JobsView } from './panel';
import { JobsStatus } from './status';

const PANEL_ID = 'ipython-bgjobs-panel';
const SHOW_COMMAND = 'ipython-bgjobs:show';

export const jobsIcon = new LabIcon({ name: 'ipython-bgjobs:jobs', svgstr: jobsSvg });

function activate(
  app: JupyterFrontEnd,
  restorer: ILayoutRestorer | null,
  statusBar: IStatusBar | null,
  tracker: INotebookTracker | null,
  rendermime: IRenderMimeRegistry | null,
  palette: ICommandPalette | null,
  mainMenu: IMainMenu | null
): void {
  const model = new JobsModel();
  const kernels = new KernelWatcher(app.serviceManager, model);
  const fallback = rendermime ?? new RenderMimeRegistry({ initialFactories: standardRendererFactories });
  const toCell = (kernelId: string, job: Parameters<typeof goToCell>[4]) =>
    void goToCell(app, tracker, kernels, kernelId, job);
  const view = new JobsView({
    model,
    actions: kernels,
    goToCell: toCell,
    // The notebook's own renderers: its widget manager renders widgets.
    rendermime: kernelId => notebooksOf(tracker, kernelId)[0]?.content.rendermime ?? fallback
  });
  const panel = new SidePanel({ content: new Panel() });
  panel.id = PANEL_ID;
  panel.title.icon = jobsIcon;
  panel.title.caption = 'Jobs';
  panel.addClass('jp-BgJobs');
  panel.header.addWidget(headerTitle());
  panel.content.addWidget(view);
  app.shell.add(panel, 'left', { rank: 650 });
  restorer?.add(panel, PANEL_ID);

  const show = () => app.shell.activateById(PANEL_ID);
  app.commands.addCommand(SHOW_COMMAND, { label: 'Show the Jobs Panel', icon: jobsIcon, execute: show });
  palette?.addItem({ command: SHOW_COMMAND, category: 'Kernel' });
  mainMenu?.viewMenu.addGroup([{ command: SHOW_COMMAND }], 40);

  if (statusBar) {
    const status = new JobsStatus(model, jobsIcon, show);
    statusBar.registerStatusItem('ipython-bgjobs:status', {
      item: status,
      align: 'left',
      rank: 5,
      isActive: () => status.count > 0,
      activeStateChanged: status.countChanged
    });
  }
  model.ended.connect((_, ended: IEnded) => {
    for (const notice of notices(ended.jobs, model.label(ended.kernelId))) {
      const job = notice.job;
      const action = job?.cell_id
        ? { label: 'Go to cell', callback: () => toCell(ended.kernelId, job) }
        : { label: 'Show jobs', callback: show };
      Notification.emit(notice.message, notice.type, {
        autoClose: notice.type === 'error' ? false : 8000,
        actions: [action]
      });
    }
  });
  // A page that goes away closes its comms, so kernels stop sending to it.
  window.addEventListener('pagehide', () => kernels.dispose());
}

function headerTitle() {
  const title = new Panel();
  title.node.textContent = 'Jobs';
  title.addClass('jp-BgJobs-title');
  return title;
}

const plugin: JupyterFrontEndPlugin<void> = {
  id: 'ipython-bgjobs:plugin',
  description: "ipython_bg's Jobs panel: every kernel's background jobs, a status-bar count, notifications.",
  autoStart: true,
  optional: [ILayoutRestorer, IStatusBar, INotebookTracker, IRenderMimeRegistry, ICommandPalette, IMainMenu],
  activate
};

export default plugin;
