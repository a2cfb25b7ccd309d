/**
 * Job records as a kernel sends them, for the tests.
 */
import { IJobRecord } from '../src/protocol';

export function jobRecord(id: number, fields: Partial<IJobRecord> = {}): IJobRecord {
  return {
    id,
    state: 'running',
    kind: 'coroutine',
    source: `work(${id})`,
    elapsed: 1.5,
    progress: null,
    summary: '',
    origin: 'Cell In[2]',
    cell_id: `cell-${id}`,
    waited: false,
    long: false,
    output: 0,
    ...fields
  };
}
