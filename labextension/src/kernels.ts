/**
 * Every running kernel, each with a channel of the panel's own, feeding
 * one model; and what the panel asks of a kernel (cancel, forget, output).
 *
 * The kernels are those the server runs (JupyterLab's kernel manager, which
 * learns of a kernel as soon as a page of this server starts or connects to
 * it); each is named after the notebooks and consoles whose sessions use it.
 * Nothing here polls a kernel: the kernels push, the page listens.
 */
import { Kernel, ServiceManager } from '@jupyterlab/services';
import { JSONObject, PromiseDelegate, UUID } from '@lumino/coreutils';

import { KernelChannel } from './channel';
import { JobsModel } from './model';
import { IOutputReply, parseMessage } from './protocol';

/** What the panel may ask of the kernels. */
export interface IJobActions {
  cancel(kernelId: string, ids: number[]): void;
  cancelAll(kernelId: string): void;
  forget(kernelId: string): void;
  output(kernelId: string, jobId: number): Promise<IOutputReply>;
  /** The paths of the documents whose sessions use the kernel. */
  paths(kernelId: string): string[];
}

/** One kernel: its channel, and the requests waiting for an answer. */
class KernelLink {
  constructor(
    readonly id: string,
    connection: Kernel.IKernelConnection,
    private _model: JobsModel
  ) {
    this.channel = new KernelChannel(connection, {
      message: data => this._received(data),
      closed: why => this._closed(why)
    });
  }

  readonly channel: KernelChannel;

  request(data: JSONObject): Promise<IOutputReply> {
    const request = UUID.uuid4();
    const answer = new PromiseDelegate<IOutputReply>();
    if (!this.channel.send({ ...data, request })) {
      answer.reject(new Error('ipython_bg is not loaded in this kernel'));
    } else {
      this._waiting.set(request, answer);
    }
    return answer.promise;
  }

  dispose(): void {
    this.channel.dispose();
    this.channel.kernel.dispose();
    this._closed('the kernel is gone');
  }

  private _received(data: unknown): void {
    const message = parseMessage(data, problem =>
      console.warn(`ipython_bg Jobs panel: ignored ${problem} (kernel ${this.id})`)
    );
    const now = Date.now();
    switch (message?.type) {
      case 'snapshot':
        this._model.snapshot(this.id, message.jobs, now);
        break;
      case 'update':
        this._model.update(this.id, message.jobs, message.removed, now);
        break;
      case 'output':
      case 'error': {
        const waiting = message.request === null ? undefined : this._waiting.get(message.request);
        if (waiting === undefined) {
          if (message.type === 'error') {
            console.warn(`ipython_bg Jobs panel: kernel ${this.id} says: ${message.message}`);
          }
          return;
        }
        this._waiting.delete(message.request!);
        if (message.type === 'output') {
          waiting.resolve(message);
        } else {
          waiting.reject(new Error(message.message));
        }
        break;
      }
    }
  }

  private _closed(why: string): void {
    this._model.drop(this.id);
    for (const waiting of this._waiting.values()) {
      waiting.reject(new Error(`the kernel's comm closed (${why})`));
    }
    this._waiting.clear();
  }

  private _waiting = new Map<string, PromiseDelegate<IOutputReply>>();
}

export class KernelWatcher implements IJobActions {
  constructor(
    private _services: ServiceManager.IManager,
    private _model: JobsModel
  ) {
    _services.kernels.runningChanged.connect(this._syncKernels, this);
    _services.sessions.runningChanged.connect(this._syncLabels, this);
    this._syncKernels();
    this._syncLabels();
  }

  cancel(kernelId: string, ids: number[]): void {
    this._links.get(kernelId)?.channel.send({ type: 'cancel', ids });
  }

  cancelAll(kernelId: string): void {
    this._links.get(kernelId)?.channel.send({ type: 'cancel', all: true });
  }

  forget(kernelId: string): void {
    this._links.get(kernelId)?.channel.send({ type: 'forget' });
  }

  output(kernelId: string, jobId: number): Promise<IOutputReply> {
    const link = this._links.get(kernelId);
    if (!link) {
      return Promise.reject(new Error('the kernel is gone'));
    }
    return link.request({ type: 'output', id: jobId });
  }

  paths(kernelId: string): string[] {
    return this._paths.get(kernelId) ?? [];
  }

  dispose(): void {
    this._services.kernels.runningChanged.disconnect(this._syncKernels, this);
    this._services.sessions.runningChanged.disconnect(this._syncLabels, this);
    for (const link of this._links.values()) {
      link.dispose();
    }
    this._links.clear();
  }

  private _syncKernels(): void {
    const running = new Map<string, Kernel.IModel>();
    for (const model of this._services.kernels.running()) {
      running.set(model.id, model);
    }
    for (const [id, model] of running) {
      if (!this._links.has(id)) {
        // handleComms: false, always: the notebook's own connection handles them.
        const connection = this._services.kernels.connectTo({ model, handleComms: false });
        this._links.set(id, new KernelLink(id, connection, this._model));
      }
    }
    for (const [id, link] of this._links) {
      if (!running.has(id)) {
        this._links.delete(id);
        link.dispose();
      }
    }
  }

  private _syncLabels(): void {
    this._paths.clear();
    for (const session of this._services.sessions.running()) {
      const kernelId = session.kernel?.id;
      if (kernelId) {
        this._paths.set(kernelId, [...(this._paths.get(kernelId) ?? []), session.path]);
      }
    }
    for (const [kernelId, paths] of this._paths) {
      const names = paths.map(path => path.split('/').pop() || path).sort();
      this._model.setLabel(kernelId, names.join(', '));
    }
  }

  private _links = new Map<string, KernelLink>();
  private _paths = new Map<string, string[]>();
}
