import { RenderMimeRegistry, standardRendererFactories } from '@jupyterlab/rendermime';
import { MessageLoop } from '@lumino/messaging';
import { Widget } from '@lumino/widgets';

import { IJobActions } from '../src/kernels';
import { IJob, JobsModel } from '../src/model';
import { JobsView } from '../src/panel';
import { IOutputReply } from '../src/protocol';
import { jobRecord } from './records';

class Actions implements IJobActions {
  asked: string[] = [];
  reply: IOutputReply = { type: 'output', request: 'r', id: 1, outputs: [], dropped: 0 };
  cancel(kernelId: string, ids: number[]) {
    this.asked.push(`cancel ${kernelId} ${ids}`);
  }
  cancelAll(kernelId: string) {
    this.asked.push(`cancel all ${kernelId}`);
  }
  forget(kernelId: string) {
    this.asked.push(`forget ${kernelId}`);
  }
  output(kernelId: string, jobId: number) {
    this.asked.push(`output ${kernelId} ${jobId}`);
    return Promise.resolve(this.reply);
  }
  paths() {
    return ['work/a.ipynb'];
  }
}

function setUp(pageSize?: number) {
  const model = new JobsModel();
  const actions = new Actions();
  const wentTo: string[] = [];
  const rendermime = new RenderMimeRegistry({ initialFactories: standardRendererFactories });
  const view = new JobsView({
    model,
    actions,
    goToCell: (kernelId: string, job: IJob) => wentTo.push(`${kernelId} ${job.cell_id}`),
    rendermime: () => rendermime,
    pageSize
  });
  Widget.attach(view, document.body);
  const render = () => MessageLoop.flush();
  return { model, actions, view, wentTo, render };
}

function rows(view: JobsView): string[] {
  return [...view.node.querySelectorAll('.jp-BgJobs-job')].map(row => row.querySelector('.jp-BgJobs-line')!.textContent!);
}

describe('JobsView', () => {
  afterEach(() => {
    document.body.innerHTML = '';
  });

  it('says what to do while no kernel has the extension', () => {
    const { view, render } = setUp();
    render();
    expect(view.node.querySelector<HTMLElement>('.jp-BgJobs-empty')!.hidden).toBe(false);
  });

  it('lists unfinished jobs first, each row in its state, per kernel', () => {
    const { model, view, render } = setUp();
    model.snapshot('k1', [jobRecord(1), jobRecord(2, { state: 'done', elapsed: 42 }), jobRecord(3, { state: 'failed', summary: 'ValueError: bad' })], Date.now());
    model.setLabel('k1', 'a.ipynb');
    render();
    expect(view.node.querySelector('.jp-BgJobs-kernelName')!.textContent).toBe('a.ipynb');
    expect(view.node.querySelector('.jp-BgJobs-counts')!.textContent).toBe('1 running · 2 finished');
    expect(rows(view)).toEqual(['[1]runningcoroutine1.5s', '[3]failedcoroutine1.5s', '[2]donecoroutine42s']);
    const failed = view.node.querySelector('[data-job-id="3"]')!;
    expect(failed.classList).toContain('jp-BgJobs-s-failed');
    expect(failed.querySelector('.jp-BgJobs-summary')!.textContent).toBe('ValueError: bad');
    expect(view.node.querySelector<HTMLElement>('[data-job-id="2"] .jp-BgJobs-cancel')!.hidden).toBe(true);
    expect(view.node.querySelector<HTMLElement>('.jp-BgJobs-empty')!.hidden).toBe(true);
  });

  it('updates a row in place, and draws a burst of changes once', () => {
    const { model, view, render } = setUp();
    model.snapshot('k1', [jobRecord(1)], Date.now());
    render();
    const row = view.node.querySelector('[data-job-id="1"]');
    const before = view.renders;
    for (let id = 2; id <= 2001; id++) {
      model.update('k1', [jobRecord(id, { state: 'done' })], [], Date.now());
    }
    model.update('k1', [jobRecord(1, { progress: { fraction: 0.25, text: '1/4' } })], [], Date.now());
    render();
    expect(view.renders).toBe(before + 1);
    expect(view.node.querySelector('[data-job-id="1"]')).toBe(row);
    expect(row!.querySelector<HTMLElement>('.jp-BgJobs-fill')!.style.width).toBe('25%');
    expect(row!.querySelector('.jp-BgJobs-progressText')!.textContent).toBe('1/4');
  });

  it('shows a page of rows, and more on request', () => {
    const { model, view, render } = setUp(10);
    model.snapshot('k1', Array.from({ length: 25 }, (_, index) => jobRecord(index + 1, { state: 'done' })), Date.now());
    render();
    const more = view.node.querySelector<HTMLButtonElement>('.jp-BgJobs-more')!;
    expect(rows(view)).toHaveLength(10);
    expect(more.textContent).toBe('Show more (15 jobs not shown)');
    more.click();
    expect(rows(view)).toHaveLength(20);
    more.click();
    expect(rows(view)).toHaveLength(25);
    expect(more.hidden).toBe(true);
  });

  it('cancels, forgets and goes to cells through its buttons', () => {
    const { model, view, actions, wentTo, render } = setUp();
    model.snapshot('k1', [jobRecord(1), jobRecord(2, { state: 'done', cell_id: null })], Date.now());
    render();
    view.node.querySelector<HTMLButtonElement>('[data-job-id="1"] .jp-BgJobs-cancel')!.click();
    view.node.querySelector<HTMLButtonElement>('.jp-BgJobs-cancelAll')!.click();
    view.node.querySelector<HTMLButtonElement>('.jp-BgJobs-forget')!.click();
    view.node.querySelector<HTMLButtonElement>('[data-job-id="1"] .jp-BgJobs-source')!.click();
    expect(actions.asked).toEqual(['cancel k1 1', 'cancel all k1', 'forget k1']);
    expect(wentTo).toEqual(['k1 cell-1']);
    // A job without a known cell has nowhere to go.
    expect(view.node.querySelector<HTMLButtonElement>('[data-job-id="2"] .jp-BgJobs-source')!.disabled).toBe(true);
  });

  it('renders a job’s kept output as a notebook does', async () => {
    const { model, view, actions, render } = setUp();
    actions.reply = {
      type: 'output',
      request: 'r',
      id: 1,
      outputs: [
        { output_type: 'stream', name: 'stdout', text: 'hello\n' },
        { output_type: 'display_data', data: { 'text/html': '<b class="shown">bold</b>' }, metadata: {} }
      ],
      dropped: 0
    };
    model.snapshot('k1', [jobRecord(1, { output: 20 })], Date.now());
    render();
    const toggle = view.node.querySelector<HTMLButtonElement>('[data-job-id="1"] .jp-BgJobs-toggle')!;
    toggle.click();
    await Promise.resolve();
    await new Promise(resolve => setTimeout(resolve, 0));
    const output = view.node.querySelector('[data-job-id="1"] .jp-BgJobs-output')!;
    expect(actions.asked).toEqual(['output k1 1']);
    expect(toggle.getAttribute('aria-expanded')).toBe('true');
    expect(output.textContent).toContain('hello');
    expect(output.querySelector('b.shown')!.textContent).toBe('bold');
    toggle.click();
    expect(output.textContent).toBe('');
  });

  it('drops a kernel’s section when the kernel goes', () => {
    const { model, view, render } = setUp();
    model.snapshot('k1', [jobRecord(1)], Date.now());
    model.snapshot('k2', [], Date.now());
    render();
    expect(view.node.querySelectorAll('.jp-BgJobs-kernel')).toHaveLength(2);
    expect(view.node.querySelector<HTMLElement>('[data-kernel-id="k2"] .jp-BgJobs-none')!.hidden).toBe(false);
    model.drop('k1');
    render();
    expect([...view.node.querySelectorAll<HTMLElement>('.jp-BgJobs-kernel')].map(node => node.dataset.kernelId)).toEqual(['k2']);
  });
});
