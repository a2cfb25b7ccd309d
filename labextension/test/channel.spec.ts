import { Kernel, KernelMessage } from '@jupyterlab/services';
import { Signal } from '@lumino/signaling';

import { KernelChannel } from '../src/channel';

/** What a channel uses of a kernel connection, and what it sent. */
class FakeKernel {
  clientId = 'page';
  username = 'me';
  connectionStatus: Kernel.ConnectionStatus = 'connected';
  info: Promise<{ language_info: { name: string } }>;
  sent: KernelMessage.IShellMessage[] = [];
  iopubMessage = new Signal<this, KernelMessage.IIOPubMessage>(this);
  statusChanged = new Signal<this, Kernel.Status>(this);
  connectionStatusChanged = new Signal<this, Kernel.ConnectionStatus>(this);

  constructor(language = 'python') {
    this.info = Promise.resolve({ language_info: { name: language } });
  }

  sendShellMessage(message: KernelMessage.IShellMessage) {
    this.sent.push(message);
  }

  /** The kinds and the data of what was sent, for short assertions. */
  said(): [string, unknown][] {
    return this.sent.map(message => [message.header.msg_type, (message.content as any).data]);
  }

  commId(): string {
    return (this.sent[this.sent.length - 1].content as any).comm_id;
  }

  /** The kernel process's session, which every message it sends carries. */
  session = 'kernel-1';

  iopub(type: string, content: Record<string, unknown>, parent = 'cell') {
    const header = { msg_type: type, msg_id: `${type}-${Math.random()}`, session: this.session };
    this.iopubMessage.emit({ header, parent_header: { msg_id: parent }, content, channel: 'iopub' } as any);
  }
}

async function channelOn(kernel: FakeKernel) {
  const events: string[] = [];
  const channel = new KernelChannel(kernel as unknown as Kernel.IKernelConnection, {
    message: data => events.push(`message ${JSON.stringify(data)}`),
    closed: why => events.push(`closed ${why}`)
  });
  await kernel.info;
  await Promise.resolve();
  return { channel, events };
}

describe('KernelChannel', () => {
  it('opens the comm to a Python kernel, and reads only its own messages', async () => {
    const kernel = new FakeKernel();
    const { channel, events } = await channelOn(kernel);
    expect(kernel.said()).toEqual([['comm_open', { protocol: 1 }]]);
    expect((kernel.sent[0].content as any).target_name).toBe('ipython_bg.panel');
    expect(kernel.sent[0].channel).toBe('shell');
    const id = kernel.commId();
    kernel.iopub('comm_msg', { comm_id: 'someone-elses', data: { type: 'snapshot' } });
    kernel.iopub('comm_msg', { comm_id: id, data: { type: 'snapshot' } });
    // An update comes once for every page, on another page's comm maybe.
    kernel.iopub('comm_msg', { comm_id: 'another-page', data: { type: 'update', target: 'ipython_bg.panel' } });
    kernel.iopub('comm_msg', { comm_id: 'widget', data: { type: 'update', target: 'something else' } });
    expect(events).toEqual([
      'message {"type":"snapshot"}',
      'message {"type":"update","target":"ipython_bg.panel"}'
    ]);
    expect(channel.send({ type: 'forget' })).toBe(true);
    expect(kernel.said()[1]).toEqual(['comm_msg', { type: 'forget' }]);
  });

  it('leaves kernels of other languages alone', async () => {
    const kernel = new FakeKernel('R');
    const { channel } = await channelOn(kernel);
    expect(kernel.sent).toEqual([]);
    expect(channel.send({ type: 'forget' })).toBe(false);
  });

  it('asks again after a cell that loads the extension, once refused', async () => {
    const kernel = new FakeKernel();
    const { channel, events } = await channelOn(kernel);
    kernel.iopub('comm_close', { comm_id: kernel.commId(), data: {} });
    expect(events).toEqual(['closed closed by the kernel']);
    expect(channel.isOpen).toBe(false);
    kernel.iopub('execute_input', { code: 'x = 1' }, 'cell-1');
    kernel.iopub('status', { execution_state: 'idle' }, 'cell-1');
    kernel.iopub('execute_input', { code: '%load_ext ipython_bg' }, 'cell-2');
    expect(kernel.sent).toHaveLength(1);
    kernel.iopub('status', { execution_state: 'idle' }, 'cell-2');
    expect(kernel.said().map(([type]) => type)).toEqual(['comm_open', 'comm_open']);
    expect(channel.isOpen).toBe(true);
  });

  it('hears an unload, and opens again after a restart', async () => {
    const kernel = new FakeKernel();
    const { events } = await channelOn(kernel);
    kernel.iopub('comm_close', { comm_id: kernel.commId(), data: { reason: 'unloaded' } });
    kernel.statusChanged.emit('restarting');
    kernel.statusChanged.emit('starting');
    expect(kernel.sent).toHaveLength(1);
    kernel.statusChanged.emit('idle');
    expect(kernel.said().map(([type]) => type)).toEqual(['comm_open', 'comm_open']);
    kernel.statusChanged.emit('autorestarting');
    kernel.statusChanged.emit('idle');
    // A restart another page asked for: the new kernel's "starting".
    kernel.statusChanged.emit('starting');
    kernel.statusChanged.emit('idle');
    expect(events).toEqual(['closed unloaded', 'closed autorestarting', 'closed starting']);
    expect(kernel.sent).toHaveLength(4);
  });

  it('hears a restart it saw no "starting" of, by the new kernel session', async () => {
    const kernel = new FakeKernel();
    const { events } = await channelOn(kernel);
    kernel.iopub('status', { execution_state: 'idle' });
    kernel.session = 'kernel-2'; // restarted through another connection
    kernel.iopub('status', { execution_state: 'busy' });
    expect(events).toEqual(['closed starting']);
    kernel.statusChanged.emit('idle');
    expect(kernel.said().map(([type]) => type)).toEqual(['comm_open', 'comm_open']);
    kernel.iopub('status', { execution_state: 'busy' }); // the same kernel: nothing happens
    expect(events).toEqual(['closed starting']);
  });

  it('opens one comm when it meets a kernel that is still starting', async () => {
    const kernel = new FakeKernel();
    let answer: (info: { language_info: { name: string } }) => void = () => undefined;
    kernel.info = new Promise(resolve => (answer = resolve));
    const channel = new KernelChannel(kernel as unknown as Kernel.IKernelConnection, {
      message: () => undefined,
      closed: () => undefined
    });
    kernel.statusChanged.emit('starting');
    kernel.statusChanged.emit('idle');
    answer({ language_info: { name: 'python' } });
    await kernel.info;
    await Promise.resolve();
    expect(kernel.said().map(([type]) => type)).toEqual(['comm_open']);
    expect(channel.isOpen).toBe(true);
  });

  it('opens a new comm when the kernel closed its comm to make room for others', async () => {
    const kernel = new FakeKernel();
    const { events } = await channelOn(kernel);
    kernel.iopub('comm_close', { comm_id: kernel.commId(), data: { reason: 'too many pages' } });
    expect(events).toEqual(['closed too many pages']);
    expect(kernel.said().map(([type]) => type)).toEqual(['comm_open', 'comm_open']);
  });

  it('asks for the jobs again when its connection comes back', async () => {
    const kernel = new FakeKernel();
    await channelOn(kernel);
    kernel.connectionStatusChanged.emit('connecting');
    kernel.connectionStatusChanged.emit('connected');
    expect(kernel.said()).toEqual([['comm_open', { protocol: 1 }], ['comm_msg', { type: 'snapshot' }]]);
  });

  it('closes its comm when disposed', async () => {
    const kernel = new FakeKernel();
    const { channel } = await channelOn(kernel);
    const id = kernel.commId();
    channel.dispose();
    expect(kernel.said()[1]).toEqual(['comm_close', {}]);
    expect((kernel.sent[1].content as any).comm_id).toBe(id);
    kernel.iopub('comm_msg', { comm_id: id, data: {} }); // heard no more
  });
});
