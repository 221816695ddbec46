import type { StartOptions, StartProcess, Started, StartedTool, ToolInput, ToolOutput } from "./command.ts";

/**
 * Starts a tool for the agents the cluster runs (lib/install/bundle.ts puts
 * this module in place of ./start-execa.ts in their bundles; ./command.ts's
 * first comment says why). Nothing is loaded before the first tool starts:
 * meta-data, usage and a refused parameter never start a process.
 *
 * It drives libuv's process and pipe handles itself, the way
 * node:child_process does inside (lib/internal/child_process.js in Node's
 * source: the same ProcessWrap spawn, so the same uv_spawn, PATH search and
 * setsid), without loading node:child_process: that module pulls in net,
 * stream and dgram, which cost an agent about 12 ms of CPU and 3 MiB of its
 * peak at every start, most of what a monitor has above Node's own start
 * (doc/cost.md). The handles are Node's internal bindings, reached through
 * process.binding (deprecated, DEP0111, in documentation only), so they are
 * used only on the Node versions this was written and tested against, and
 * only in the call form recognised below; any other Node, or a binding that
 * is missing or refused, gets node:child_process (startWithChildProcess),
 * whose every case test/lib/exec runs too.
 */
export const startProcess: StartProcess = async (file, args, options) => {
  const handles = libuvHandles();
  return handles ? startWithHandles(handles, file, args, options) : startWithChildProcess(file, args, options);
};

/** Starts a tool through node:child_process: the agents' way on a Node whose handles are not known here. */
export const startWithChildProcess: StartProcess = async (file, args, options) => {
  // through getBuiltinModule, not import(): in a CommonJS bundle, import() of a
  // built-in starts Node's ES module loader, which costs more than the module
  const { spawn } = process.getBuiltinModule("node:child_process");
  let child: ReturnType<typeof spawn>;
  try {
    child = spawn(file, args, options);
  } catch (error) {
    // spawn throws the start failures it does not report as "error" (ENOTDIR, E2BIG, ENAMETOOLONG, ...):
    // their errno code, as the other backends answer; its own refusals (ERR_*: a NUL byte) go on to runWith's EINVAL
    const code = (error as NodeJS.ErrnoException).code;
    if (typeof code === "string" && /^E[A-Z0-9]+$/.test(code)) return { startError: code };
    throw error;
  }
  if (child.pid !== undefined) return { child };
  // ENOENT, EACCES, ...: Node reports them on the next tick, after spawn returned
  return new Promise((resolve) =>
    child.once("error", (error: NodeJS.ErrnoException) => resolve({ startError: error.code ?? "EINVAL" })),
  );
};

/** Node's major versions whose process_wrap takes spawn's positional form used here (Node 24's src/process_wrap.cc). */
const HANDLE_NODE_MAJORS: readonly number[] = [24];

interface ProcessHandle {
  readonly pid?: number;
  /** libuv's exit status and the name of the terminating signal ("" when none). */
  onexit: (exitCode: number, signal: string) => void;
  spawn(
    file: string,
    args: readonly string[],
    cwd: string | undefined,
    envPairs: readonly string[],
    stdio: readonly StdioSlot[],
    flags: number,
    uid: undefined,
    gid: undefined,
  ): number;
  close(): void;
}
interface PipeHandle {
  /** Called with a fresh buffer; the byte count (negative: EOF or an error) and the offset are in streamBaseState. */
  onread: (buffer: ArrayBuffer | undefined) => void;
  readStart(): number;
  readStop(): number;
  writeUtf8String(request: WriteRequest, text: string): number;
  close(): void;
}
interface WriteRequest {
  handle: PipeHandle;
  async: boolean;
  oncomplete: (status: number) => void;
}
type StdioSlot = { readonly type: "ignore" } | { readonly type: "pipe"; readonly readable: boolean; readonly writable: boolean; readonly handle: PipeHandle };

/** The bindings behind node:child_process, in the form Node 24 has them. */
export interface LibuvHandles {
  readonly Process: new () => ProcessHandle;
  readonly Pipe: new (type: number) => PipeHandle;
  readonly WriteWrap: new () => WriteRequest;
  readonly pipeType: number;
  readonly detachedFlag: number;
  readonly state: Int32Array;
  readonly readBytes: number;
  readonly readOffset: number;
  readonly lastWriteAsync: number;
}

let found: LibuvHandles | null | undefined;

/** The handles, or null where this Node's are not the form used here (then node:child_process starts the tools). */
export function libuvHandles(): LibuvHandles | null {
  if (found !== undefined) return found;
  found = null;
  if (!HANDLE_NODE_MAJORS.includes(Number(process.versions.node.split(".")[0]))) return found;
  const binding = (process as unknown as { binding?: (name: string) => Record<string, unknown> }).binding;
  // Under --pending-deprecation (or NODE_PENDING_DEPRECATION=1, NODE_OPTIONS) Node wraps process.binding in its
  // deprecate() (lib/internal/process/pre_execution.js, initializeDeprecations): the first call prints DEP0111 on
  // stderr, which the LRM logs, and with --throw-deprecation throws it on the next tick, out of any try here.
  // Whoever asked for those warnings gets node:child_process instead.
  if (binding?.name !== "binding") return found;
  try {
    const processWrap = binding("process_wrap");
    const pipeWrap = binding("pipe_wrap");
    const streamWrap = binding("stream_wrap");
    const flags = processWrap["constants"] as Record<string, unknown> | undefined;
    const pipes = pipeWrap["constants"] as Record<string, unknown> | undefined;
    const state = streamWrap["streamBaseState"];
    // the flag constants came with spawn's positional form: without them, this is not that form
    if (flags?.["kProcessFlagDetached"] !== 1 || typeof pipes?.["SOCKET"] !== "number" || !(state instanceof Int32Array)) return found;
    if (![processWrap["Process"], pipeWrap["Pipe"], streamWrap["WriteWrap"]].every((c) => typeof c === "function")) return found;
    found = {
      Process: processWrap["Process"] as LibuvHandles["Process"],
      Pipe: pipeWrap["Pipe"] as LibuvHandles["Pipe"],
      WriteWrap: streamWrap["WriteWrap"] as LibuvHandles["WriteWrap"],
      pipeType: pipes["SOCKET"],
      detachedFlag: flags["kProcessFlagDetached"],
      state,
      readBytes: streamWrap["kReadBytesOrError"] as number,
      readOffset: streamWrap["kArrayBufferOffset"] as number,
      lastWriteAsync: streamWrap["kLastWriteWasAsync"] as number,
    };
  } catch {
    // a binding missing or refused
  }
  return found;
}

/** Starts a tool on libuv's handles directly (startProcess says when). */
export async function startWithHandles(handles: LibuvHandles, file: string, args: readonly string[], options: StartOptions): Promise<Started> {
  const envPairs = Object.entries(options.env).flatMap(([key, value]) => (value === undefined ? [] : [`${key}=${value}`]));
  // C strings end at a NUL, and a file needs a name: refused before any fork, as child_process does (runWith answers EINVAL)
  if (file === "" || [file, ...args, ...envPairs, options.cwd ?? ""].some((text) => text.includes("\0"))) throw new Error("an empty file name, or a NUL byte in an argument or the environment");
  const pipes = options.stdio.map((kind) => (kind === "pipe" ? new handles.Pipe(handles.pipeType) : undefined));
  const stdio: StdioSlot[] = pipes.map((handle, fd) => (handle ? { type: "pipe", readable: fd === 0, writable: fd !== 0, handle } : { type: "ignore" }));
  const proc = new handles.Process();
  let exitListener: ((code: number | null, signal: NodeJS.Signals | null) => void) | undefined;
  const stdin = pipes[0] ? inputPipe(handles, pipes[0]) : null;
  proc.onexit = (exitCode, signal) => {
    proc.close();
    // as child_process does: input the tool never read is dropped with it
    stdin?.destroy();
    exitListener?.(signal ? null : exitCode, signal ? (signal as NodeJS.Signals) : null);
  };
  const error = proc.spawn(file, [file, ...args], options.cwd, envPairs, stdio, handles.detachedFlag, undefined, undefined);
  if (error !== 0) {
    for (const pipe of pipes) pipe?.close();
    proc.close();
    return { startError: process.getBuiltinModule("node:util").getSystemErrorName(error) };
  }
  const tool: StartedTool = {
    pid: proc.pid,
    stdin,
    stdout: pipes[1] ? outputPipe(handles, pipes[1]) : null,
    stderr: pipes[2] ? outputPipe(handles, pipes[2]) : null,
    // a started tool has nothing left to fail: only its exit is reported
    on: () => tool,
    once: (_event, listener) => {
      exitListener = listener;
      return tool;
    },
  };
  return { child: tool };
}

/** One of the tool's output pipes: read once a listener wants the chunks, closed at EOF, on a read error or when destroyed. */
function outputPipe(handles: LibuvHandles, pipe: PipeHandle): ToolOutput {
  let onData: ((chunk: Buffer) => void) | undefined;
  let onClose: (() => void) | undefined;
  let open = true;
  const close = (): boolean => {
    if (!open) return false;
    open = false;
    pipe.readStop();
    pipe.close();
    return true;
  };
  pipe.onread = (buffer) => {
    const bytes = handles.state[handles.readBytes]!;
    if (bytes > 0 && buffer) onData?.(Buffer.from(buffer, handles.state[handles.readOffset]!, bytes));
    else if (bytes < 0 && close()) onClose?.();
  };
  const output: ToolOutput = {
    on: (_event, listener) => {
      onData = listener;
      if (open) pipe.readStart();
      return output;
    },
    once: (_event, listener) => {
      onClose = listener;
      return output;
    },
    // as a stream's destroy(): nothing more is read, and "close" follows on the next tick
    destroy: () => {
      if (close()) process.nextTick(() => onClose?.());
      return output;
    },
  };
  return output;
}

/** The tool's stdin: one write, then closed, so the tool sees the end of its input. */
function inputPipe(handles: LibuvHandles, pipe: PipeHandle): ToolInput {
  let open = true;
  const close = (): void => {
    if (!open) return;
    open = false;
    pipe.close();
  };
  const input: ToolInput = {
    // a write that fails (EPIPE: the tool did not read all of its input) only closes the pipe
    on: () => input,
    end: (text) => {
      if (!open) return input;
      const request = new handles.WriteWrap();
      request.handle = pipe;
      request.async = false;
      request.oncomplete = close;
      const error = pipe.writeUtf8String(request, text);
      // written at once, or failed: close now; queued: close when the write completes
      if (error !== 0 || handles.state[handles.lastWriteAsync] === 0) close();
      return input;
    },
    destroy: () => {
      close();
      return input;
    },
  };
  return input;
}
