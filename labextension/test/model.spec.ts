import { elapsed, IEnded, JobsModel } from '../src/model';
import { jobRecord } from './records';

describe('JobsModel', () => {
  it('holds each kernel’s jobs, as snapshots and updates say', () => {
    const model = new JobsModel();
    let changes = 0;
    model.changed.connect(() => (changes += 1));
    model.snapshot('k1', [jobRecord(1), jobRecord(2, { state: 'done' })], 1000);
    model.update('k1', [jobRecord(3)], [2], 2000);
    expect([...model.kernel('k1')!.jobs.keys()]).toEqual([1, 3]);
    expect(model.running).toBe(2);
    expect(changes).toBe(2);
    model.update('unknown', [jobRecord(1)], [], 3000); // before its snapshot: nothing
    expect(model.kernel('unknown')).toBeUndefined();
    model.drop('k1');
    expect(model.kernels()).toEqual([]);
    expect(model.running).toBe(0);
  });

  it('names kernels after their notebooks, and orders them so', () => {
    const model = new JobsModel();
    model.snapshot('b-kernel', [], 0);
    model.snapshot('a-kernel-0123456789', [], 0);
    model.setLabel('b-kernel', 'analysis.ipynb');
    expect(model.kernels().map(kernel => kernel.label)).toEqual(['analysis.ipynb', 'Kernel a-kernel']);
  });

  it('reports the jobs an update ended, once, and never those of a snapshot', () => {
    const model = new JobsModel();
    const ended: IEnded[] = [];
    model.ended.connect((_, value) => ended.push(value));
    model.snapshot('k', [jobRecord(1, { state: 'done' }), jobRecord(2)], 0);
    model.update('k', [jobRecord(2, { state: 'failed' }), jobRecord(3, { state: 'cancelled' })], [], 10);
    model.update('k', [jobRecord(2, { state: 'failed', summary: 'again' })], [], 20);
    expect(ended.map(value => value.jobs.map(job => job.id))).toEqual([[2, 3]]);
    expect(ended[0].kernelId).toBe('k');
  });

  it('ticks the elapsed time of running jobs only', () => {
    const running = { ...jobRecord(1, { elapsed: 2 }), receivedAt: 1000 };
    const done = { ...jobRecord(2, { elapsed: 2, state: 'done' }), receivedAt: 1000 };
    const pending = { ...jobRecord(3, { elapsed: 0, state: 'pending' }), receivedAt: 1000 };
    expect(elapsed(running, 4500)).toBeCloseTo(5.5);
    expect(elapsed(done, 4500)).toBe(2);
    expect(elapsed(pending, 4500)).toBe(0);
  });
});
