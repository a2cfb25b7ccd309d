import { formatElapsed, plural } from '../src/format';
import { IJob } from '../src/model';
import { notices } from '../src/notify';
import { jobRecord } from './records';

describe('formatElapsed', () => {
  it.each([
    [0, '0.0s'],
    [4.26, '4.2s'],
    [9.99, '9.9s'],
    [42.7, '42s'],
    [187, '3m07s'],
    [7500, '2h05m']
  ])('writes %s seconds as %s', (seconds, text) => {
    expect(formatElapsed(seconds)).toBe(text);
  });

  it('counts nouns', () => {
    expect(plural(1, 'job')).toBe('1 job');
    expect(plural(2000, 'job')).toBe('2,000 jobs');
  });
});

function ended(id: number, fields: Partial<IJob>): IJob {
  return { ...jobRecord(id, { long: true, elapsed: 12, ...fields }), receivedAt: 0 };
}

describe('notices', () => {
  it('says each long job that ended, a failure as an error', () => {
    const said = notices([ended(1, { state: 'done' }), ended(2, { state: 'failed', summary: 'ValueError: bad' })], 'a.ipynb');
    expect(said.map(notice => [notice.type, notice.message, notice.job?.id])).toEqual([
      ['success', '[1] done after 12s in a.ipynb: work(1)', 1],
      ['error', '[2] failed after 12s in a.ipynb: work(2) (ValueError: bad)', 2]
    ]);
  });

  it('says nothing of short jobs, nor of jobs someone waited for', () => {
    expect(notices([ended(1, { state: 'done', long: false }), ended(2, { state: 'done', waited: true })], 'a')).toEqual([]);
  });

  it('sums up many long jobs in one notice', () => {
    const jobs = [1, 2, 3, 4].map(id => ended(id, { state: id === 4 ? 'failed' : 'done' }));
    const said = notices(jobs, 'b.ipynb');
    expect(said).toEqual([{ type: 'error', message: '4 long jobs ended in b.ipynb: 3 done, 1 failed', job: null }]);
  });
});
