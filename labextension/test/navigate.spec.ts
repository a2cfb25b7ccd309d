import { JupyterFrontEnd } from '@jupyterlab/application';
import { Notification } from '@jupyterlab/apputils';

import { IJobActions } from '../src/kernels';
import { goToCell } from '../src/navigate';
import { jobRecord } from './records';

/** A page where opening a notebook gives no widget here (Notebook 7's
 * opener starts another browser tab), and whose kernel has ``paths``. */
function setUp(paths: string[]) {
  const opened: string[] = [];
  const app = {
    commands: {
      execute: async (command: string, args: { path: string }) => {
        opened.push(`${command} ${args.path}`);
        return undefined;
      }
    },
    shell: { activateById: () => undefined }
  } as unknown as JupyterFrontEnd;
  const actions = { paths: () => paths } as unknown as IJobActions;
  return { app, actions, opened };
}

describe('goToCell', () => {
  afterEach(() => {
    jest.restoreAllMocks();
  });

  it('says which notebook and cell when the notebook opens in a tab of its own', async () => {
    const info = jest.spyOn(Notification, 'info');
    const warning = jest.spyOn(Notification, 'warning');
    const { app, actions, opened } = setUp(['work/a.ipynb', 'work/console-1']);
    await goToCell(app, null, actions, 'k1', { ...jobRecord(3, { origin: 'Cell In[7]' }), receivedAt: 0 });
    expect(opened).toEqual(['docmanager:open work/a.ipynb']);
    expect(info).toHaveBeenCalledTimes(1);
    expect(info.mock.calls[0][0]).toBe('Job [3] started at Cell In[7] in work/a.ipynb, opened in its own tab.');
    expect(warning).not.toHaveBeenCalled();
  });

  it('warns when no notebook of the kernel is left', async () => {
    const info = jest.spyOn(Notification, 'info');
    const warning = jest.spyOn(Notification, 'warning');
    const { app, actions } = setUp([]);
    await goToCell(app, null, actions, 'k1', { ...jobRecord(4), receivedAt: 0 });
    expect(info).not.toHaveBeenCalled();
    expect(warning.mock.calls[0][0]).toBe('The cell that started job [4] is not in an open notebook any more.');
  });

  it('does nothing for a job no cell started', async () => {
    const { app, actions, opened } = setUp(['work/a.ipynb']);
    await goToCell(app, null, actions, 'k1', { ...jobRecord(5, { cell_id: null }), receivedAt: 0 });
    expect(opened).toEqual([]);
  });
});
