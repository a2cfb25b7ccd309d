import { parseMessage, PROTOCOL } from '../src/protocol';
import { jobRecord } from './records';

function parse(data: unknown) {
  const problems: string[] = [];
  return { message: parseMessage(data, problem => problems.push(problem)), problems };
}

describe('parseMessage', () => {
  it('takes a snapshot and an update as the kernel sends them', () => {
    const snapshot = parse({ type: 'snapshot', protocol: PROTOCOL, jobs: [jobRecord(1)] });
    expect(snapshot.problems).toEqual([]);
    expect(snapshot.message).toEqual({ type: 'snapshot', jobs: [jobRecord(1)] });
    const update = parse({ type: 'update', protocol: 1, jobs: [jobRecord(2, { state: 'done' })], removed: [1] });
    expect(update.message).toEqual({ type: 'update', jobs: [jobRecord(2, { state: 'done' })], removed: [1] });
  });

  it('ignores fields it does not know, as later kernels may add some', () => {
    const { message, problems } = parse({
      type: 'update',
      protocol: 1,
      jobs: [{ ...jobRecord(3), priority: 'high' }],
      removed: [],
      extra: true
    });
    expect(problems).toEqual([]);
    expect(message).toEqual({ type: 'update', jobs: [jobRecord(3)], removed: [] });
  });

  it('leaves out a malformed record, warns, and keeps the others', () => {
    const { message, problems } = parse({
      type: 'snapshot',
      protocol: 1,
      jobs: [jobRecord(1), { ...jobRecord(2), state: 'exploded' }, { ...jobRecord(3), elapsed: 'long' }, 7]
    });
    expect(message).toEqual({ type: 'snapshot', jobs: [jobRecord(1)] });
    expect(problems).toEqual([
      'a job record left out: unknown state "exploded"',
      "a job record left out: 'elapsed' is not a number",
      'a job record left out: not an object'
    ]);
  });

  it.each([
    ['not an object', 'hello', 'a message that is not an object'],
    ['another version', { type: 'snapshot', protocol: 2, jobs: [] }, 'a message of protocol version 2; this page speaks 1'],
    ['no version', { type: 'snapshot', jobs: [] }, 'a message of protocol version undefined; this page speaks 1'],
    ['an unknown type', { type: 'reboot', protocol: 1 }, 'a message of unknown type "reboot"'],
    ['jobs that are no list', { type: 'update', protocol: 1, jobs: {}, removed: [] }, "a update message: 'jobs' is not a list"],
    ['removed ids that are not integers', { type: 'update', protocol: 1, jobs: [], removed: ['1'] }, "a update message: 'removed' is not an integer"],
    ['outputs that are not outputs', { type: 'output', protocol: 1, request: 'r', id: 1, outputs: [{}], dropped: 0 }, "a output message: 'outputs' is not a list of outputs"]
  ])('drops a message with %s, with a warning', (_, data, warning) => {
    const { message, problems } = parse(data);
    expect(message).toBeNull();
    expect(problems).toEqual([warning]);
  });

  it('takes output and error replies', () => {
    const outputs = [{ output_type: 'stream', name: 'stdout', text: 'hi\n' }];
    expect(parse({ type: 'output', protocol: 1, request: 'r1', id: 4, outputs, dropped: 0 }).message).toEqual({
      type: 'output',
      request: 'r1',
      id: 4,
      outputs,
      dropped: 0
    });
    expect(parse({ type: 'error', protocol: 1, request: null, message: 'no job 9' }).message).toEqual({
      type: 'error',
      request: null,
      message: 'no job 9'
    });
  });
});
