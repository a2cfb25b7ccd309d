/**
 * The panel's comm with one kernel, spoken over a kernel connection of
 * the panel's own.
 *
 * JupyterLab lets only one connection per kernel handle comms (the
 * notebook's: a second one would close the comms other extensions' kernel
 * code opens, ipywidgets' among them), so the panel's connection does not
 * handle comms and this class sends and reads the few comm messages itself,
 * as JupyterLab's own comm handler does: ``comm_open``, ``comm_msg`` and
 * ``comm_close`` on the shell channel, replies picked out of iopub by the
 * comm's id, and updates by their target (the kernel sends each update
 * once, whatever the number of pages).
 *
 * When to open it: when the connection is up (for a Python kernel), after
 * the kernel restarts, and after a cell that mentions ``ipython_bg`` (one
 * that loads it).  A kernel without the extension refuses the comm, as it
 * refuses any comm to a target it does not offer; the page then waits for
 * such a cell.
 */
import { Kernel, KernelMessage } from '@jupyterlab/services';
import { JSONObject, UUID } from '@lumino/coreutils';

import { PROTOCOL, TARGET } from './protocol';

/** Why the kernel closes the oldest comm when too many are open. */
const REPLACED = 'too many pages';

/** A cell that may load the extension. */
const MENTIONS_EXTENSION = /\bipython_bg\b/;

/** An update the kernel sent for every page, on whichever comm. */
function isBroadcast(data: unknown): boolean {
  const fields = data as Record<string, unknown> | null;
  return typeof fields === 'object' && fields !== null && fields.type === 'update' && fields.target === TARGET;
}

export interface IChannelEvents {
  /** The data of a message on the comm. */
  message(data: unknown): void;
  /** The comm is gone (refused, closed by the kernel, or the kernel restarted). */
  closed(why: string): void;
}

export class KernelChannel {
  constructor(
    readonly kernel: Kernel.IKernelConnection,
    private _events: IChannelEvents
  ) {
    kernel.iopubMessage.connect(this._onIOPub, this);
    kernel.statusChanged.connect(this._onStatus, this);
    kernel.connectionStatusChanged.connect(this._onConnection, this);
    void this._start();
  }

  /** Whether a comm is open or being opened. */
  get isOpen(): boolean {
    return this._commId !== null;
  }

  /** Open a comm to the kernel side (a new one, if one was open). */
  open(): void {
    this._commId = UUID.uuid4();
    const content = { comm_id: this._commId, target_name: TARGET, data: { protocol: PROTOCOL } };
    this._send(
      KernelMessage.createMessage<KernelMessage.ICommOpenMsg<'shell'>>({ ...this._from(), msgType: 'comm_open', content })
    );
  }

  /** Send ``data`` on the comm; false if there is none. */
  send(data: JSONObject): boolean {
    if (this._commId === null) {
      return false;
    }
    const content = { comm_id: this._commId, data };
    this._send(KernelMessage.createMessage<KernelMessage.ICommMsgMsg<'shell'>>({ ...this._from(), msgType: 'comm_msg', content }));
    return true;
  }

  /** Close the comm and stop listening (the kernel keeps running). */
  dispose(): void {
    if (this._disposed) {
      return;
    }
    this._disposed = true;
    if (this._commId !== null && this.kernel.connectionStatus === 'connected') {
      const content = { comm_id: this._commId, data: {} };
      this._send(
        KernelMessage.createMessage<KernelMessage.ICommCloseMsg<'shell'>>({ ...this._from(), msgType: 'comm_close', content })
      );
    }
    this._commId = null;
    this.kernel.iopubMessage.disconnect(this._onIOPub, this);
    this.kernel.statusChanged.disconnect(this._onStatus, this);
    this.kernel.connectionStatusChanged.disconnect(this._onConnection, this);
  }

  private async _start(): Promise<void> {
    try {
      const info = await this.kernel.info;
      if (info.language_info.name !== 'python' || this._disposed) {
        return;
      }
    } catch {
      return; // the kernel went away first
    }
    if (this._commId === null) {
      this.open();
    }
  }

  private _from() {
    return { channel: 'shell' as const, session: this.kernel.clientId, username: this.kernel.username };
  }

  private _send(message: KernelMessage.IShellMessage): void {
    try {
      this.kernel.sendShellMessage(message, false, true);
    } catch (error) {
      // A kernel that died meanwhile: its status change says the rest.
      console.warn(`ipython_bg Jobs panel: could not send ${message.header.msg_type}: ${error}`);
    }
  }

  private _onIOPub(_: Kernel.IKernelConnection, message: KernelMessage.IIOPubMessage): void {
    // A restart that another connection asked for, whose "starting" this
    // one missed (a new kernel may publish it before the server listens):
    // the new kernel's messages carry a session of its own.
    const session = message.header.session;
    if (session) {
      if (this._kernelSession !== null && session !== this._kernelSession) {
        this._onStatus(this.kernel, 'starting');
      }
      this._kernelSession = session;
    }
    const content = message.content as Record<string, any>;
    switch (message.header.msg_type) {
      case 'comm_msg':
        // The kernel sends each update once, on one of the comms pages
        // opened; iopub brings it to every page.
        if (content.comm_id === this._commId || isBroadcast(content.data)) {
          this._events.message(content.data);
        }
        break;
      case 'comm_close':
        if (content.comm_id === this._commId) {
          this._commId = null;
          const why = String(content.data?.reason ?? 'closed by the kernel');
          this._events.closed(why);
          if (why === REPLACED) {
            this.open(); // the kernel made room for a newer page's comm: this page is still here
          }
        }
        break;
      case 'execute_input':
        if (MENTIONS_EXTENSION.test(String(content.code))) {
          this._loadingCell = message.parent_header.msg_id as string;
        }
        break;
      case 'status':
        if (
          content.execution_state === 'idle' &&
          this._loadingCell !== null &&
          message.parent_header.msg_id === this._loadingCell
        ) {
          this._loadingCell = null;
          if (this._commId === null) {
            this.open();
          }
        }
        break;
    }
  }

  private _onStatus(_: Kernel.IKernelConnection, status: Kernel.Status): void {
    // A restart that another connection asked for shows here only as the
    // new kernel's "starting".
    if (status === 'starting' || status === 'restarting' || status === 'autorestarting' || status === 'dead') {
      this._restarted = true;
      this._loadingCell = null;
      if (this._commId !== null) {
        this._commId = null;
        this._events.closed(status);
      }
    } else if (status === 'idle' && this._restarted) {
      this._restarted = false;
      if (this._commId === null && !this._disposed) {
        this.open();
      }
    }
  }

  private _onConnection(_: Kernel.IKernelConnection, status: Kernel.ConnectionStatus): void {
    // Back after the websocket dropped: what was pushed meanwhile is lost.
    if (status === 'connected' && this._wasDisconnected) {
      this.send({ type: 'snapshot' });
    }
    this._wasDisconnected = status !== 'connected';
  }

  private _commId: string | null = null;
  private _loadingCell: string | null = null;
  private _restarted = false;
  private _kernelSession: string | null = null;
  private _wasDisconnected = false;
  private _disposed = false;
}
