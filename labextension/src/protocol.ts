/**
 * The messages of the Jobs panel's comm (docs/panel-protocol.rst), and
 * the checks that keep a message this page does not understand from
 * reaching the panel: it is dropped with a console warning.
 */

/** The comm target the kernel side offers while ipython_bg is loaded. */
export const TARGET = 'ipython_bg.panel';

/** The protocol version this page speaks. */
export const PROTOCOL = 1;

/** A job's states, as the kernel names them. */
export const STATES = [
  'pending',
  'running',
  'stopped (tty input)',
  'done',
  'failed',
  'cancelled'
] as const;

export type JobState = (typeof STATES)[number];

const FINISHED: ReadonlySet<string> = new Set(['done', 'failed', 'cancelled']);

export function isFinished(state: JobState): boolean {
  return FINISHED.has(state);
}

/** How far a job says it has got. */
export interface IProgress {
  /** The share done, from 0 to 1, where the job says it. */
  fraction: number | null;
  /** ``17/40``, ``42%`` or the job's own note. */
  text: string;
}

/** One job, as the kernel describes it. */
export interface IJobRecord {
  id: number;
  state: JobState;
  kind: string;
  source: string;
  /** Seconds it has run, when the kernel sent the record. */
  elapsed: number;
  progress: IProgress | null;
  /** A short result, or ``ExcType: message``. */
  summary: string;
  /** ``Cell In[3]``, as IPython names the cell that started it. */
  origin: string | null;
  /** The notebook cell that started it (its model's id). */
  cell_id: string | null;
  /** Someone waited for it with ``%fg``. */
  waited: boolean;
  /** Its end deserves a notification: it ran long and was not waited for. */
  long: boolean;
  /** How much output it kept (0: none). */
  output: number;
}

/** An nbformat output: what a notebook's output area renders. */
export interface IOutput {
  output_type: string;
  [key: string]: unknown;
}

export interface ISnapshot {
  type: 'snapshot';
  jobs: IJobRecord[];
}

export interface IUpdate {
  type: 'update';
  jobs: IJobRecord[];
  removed: number[];
}

export interface IOutputReply {
  type: 'output';
  request: string | null;
  id: number;
  outputs: IOutput[];
  dropped: number;
}

export interface IErrorReply {
  type: 'error';
  request: string | null;
  message: string;
}

export type KernelSays = ISnapshot | IUpdate | IOutputReply | IErrorReply;

/**
 * A message from the kernel, checked; ``null`` if it cannot be used at
 * all.  Each problem (the whole message's, or one record's that is left
 * out) goes to ``warn``.
 */
export function parseMessage(
  data: unknown,
  warn: (problem: string) => void
): KernelSays | null {
  if (!isObject(data)) {
    warn('a message that is not an object');
    return null;
  }
  if (data.protocol !== PROTOCOL) {
    warn(
      `a message of protocol version ${String(data.protocol)}; this page speaks ${PROTOCOL}`
    );
    return null;
  }
  try {
    switch (data.type) {
      case 'snapshot':
        return { type: 'snapshot', jobs: records(data.jobs, warn) };
      case 'update':
        return {
          type: 'update',
          jobs: records(data.jobs, warn),
          removed: integers(data.removed, 'removed')
        };
      case 'output':
        return {
          type: 'output',
          request: requestId(data.request),
          id: integer(data.id, 'id'),
          outputs: outputs(data.outputs),
          dropped: integer(data.dropped, 'dropped')
        };
      case 'error':
        return {
          type: 'error',
          request: requestId(data.request),
          message: text(data.message, 'message')
        };
      default:
        warn(`a message of unknown type ${JSON.stringify(data.type)}`);
        return null;
    }
  } catch (error) {
    warn(`a ${String(data.type)} message: ${(error as Error).message}`);
    return null;
  }
}

/** The records of a list that are valid; the others are warned about. */
function records(value: unknown, warn: (problem: string) => void): IJobRecord[] {
  if (!Array.isArray(value)) {
    throw new Error("'jobs' is not a list");
  }
  const valid: IJobRecord[] = [];
  for (const item of value) {
    try {
      valid.push(record(item));
    } catch (error) {
      warn(`a job record left out: ${(error as Error).message}`);
    }
  }
  return valid;
}

/** One job record, checked field by field; unknown fields are ignored. */
export function record(value: unknown): IJobRecord {
  if (!isObject(value)) {
    throw new Error('not an object');
  }
  const state = value.state;
  if (!STATES.includes(state as JobState)) {
    throw new Error(`unknown state ${JSON.stringify(state)}`);
  }
  return {
    id: integer(value.id, 'id'),
    state: state as JobState,
    kind: text(value.kind, 'kind'),
    source: text(value.source, 'source'),
    elapsed: number(value.elapsed, 'elapsed'),
    progress: progress(value.progress),
    summary: text(value.summary, 'summary'),
    origin: optionalText(value.origin, 'origin'),
    cell_id: optionalText(value.cell_id, 'cell_id'),
    waited: flag(value.waited, 'waited'),
    long: flag(value.long, 'long'),
    output: number(value.output, 'output')
  };
}

function progress(value: unknown): IProgress | null {
  if (value === null || value === undefined) {
    return null;
  }
  if (!isObject(value)) {
    throw new Error("'progress' is not an object");
  }
  const fraction = value.fraction === null ? null : number(value.fraction, 'fraction');
  return { fraction, text: text(value.text, 'progress text') };
}

function outputs(value: unknown): IOutput[] {
  if (!Array.isArray(value) || !value.every(item => isObject(item) && typeof item.output_type === 'string')) {
    throw new Error("'outputs' is not a list of outputs");
  }
  return value as IOutput[];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function integer(value: unknown, name: string): number {
  if (!Number.isInteger(value)) {
    throw new Error(`'${name}' is not an integer`);
  }
  return value as number;
}

function integers(value: unknown, name: string): number[] {
  if (!Array.isArray(value)) {
    throw new Error(`'${name}' is not a list`);
  }
  return value.map(item => integer(item, name));
}

function number(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new Error(`'${name}' is not a number`);
  }
  return value;
}

function text(value: unknown, name: string): string {
  if (typeof value !== 'string') {
    throw new Error(`'${name}' is not a string`);
  }
  return value;
}

function optionalText(value: unknown, name: string): string | null {
  return value === null || value === undefined ? null : text(value, name);
}

function requestId(value: unknown): string | null {
  return optionalText(value, 'request');
}

function flag(value: unknown, name: string): boolean {
  if (typeof value !== 'boolean') {
    throw new Error(`'${name}' is not true or false`);
  }
  return value;
}
