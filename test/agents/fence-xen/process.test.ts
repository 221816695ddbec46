import t from "tap";
import { spawn } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The agents as processes, as Pacemaker and cluster-glue run them: stdin
 * written late, or in more than a pipe holds, or never closed; and their
 * syslog lines with HA_logfacility set, caught by a fake logger(1) first on
 * PATH. Every run ends by itself: a hang is killed at 30 s and fails its row.
 */
const BIN = fileURLToPath(new URL("../../../bin/", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "fence-process-"));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

/** logger(1) stand-in: appends its arguments and its stdin to $LOGGER_CAPTURE. */
const fakeBin = join(dir, "bin");
const capture = join(dir, "syslog.txt");
mkdirSync(fakeBin);
writeFileSync(join(fakeBin, "logger"), `#!/bin/sh\n{ echo "ARGS $*"; cat; } >> "$LOGGER_CAPTURE"\n`);
chmodSync(join(fakeBin, "logger"), 0o755);

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs bin/<program> with `env`, writing `chunks` to its stdin (each after its delay); `close: false` leaves stdin open. */
function run(
  program: string,
  argv: readonly string[],
  env: Record<string, string>,
  chunks: readonly { readonly afterMs: number; readonly data: string }[],
  close = true,
): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(BIN, program), ...argv], {
      env: { PATH: `${fakeBin}:/usr/bin:/bin`, LOGGER_CAPTURE: capture, ...env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.stdin.on("error", () => {}); // the agent may stop reading (too much input) before the test stops writing
    const killer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    child.on("close", (code) => {
      clearTimeout(killer);
      resolve({ code, stdout, stderr });
    });
    let at = 0;
    for (const chunk of chunks) {
      at += chunk.afterMs;
      setTimeout(() => child.stdin.writable && child.stdin.write(chunk.data), at);
    }
    if (close) setTimeout(() => child.stdin.writable && child.stdin.end(), at + 10);
  });
}

const VALID = "action=validate-all\ndom0_list=local\n";
const noStack = (stderr: string) => !/\n\s+at /.test(stderr);

t.test("stdin written 0.5 s after start is read (Node's fd 0 is non-blocking: a synchronous read failed with EAGAIN)", async (t) => {
  const late = await run("fence_xen.ts", [], {}, [{ afterMs: 500, data: VALID }]);
  t.equal(late.code, 0, late.stderr);
  t.match(late.stderr, /options are valid/);
});

t.test("stdin larger than a pipe holds (200 KiB) is read whole", async (t) => {
  const padding = "# padding line of a generous configuration management tool\n".repeat(3_500);
  t.ok(padding.length > 200_000);
  const large = await run("fence_xen.ts", [], {}, [{ afterMs: 0, data: padding + VALID }]);
  t.equal(large.code, 0, large.stderr);
  t.match(large.stderr, /options are valid/);
});

t.test("more than 1 MiB on stdin: exit 1, one line, no stack trace", async (t) => {
  const huge = await run("fence_xen.ts", [], {}, [{ afterMs: 0, data: `port=${"x".repeat(1_100_000)}\n` }]);
  t.equal(huge.code, 1);
  t.match(huge.stderr, /ERROR: Failed: stdin holds more than 1048576 bytes/);
  t.ok(noStack(huge.stderr), "no stack trace");
});

t.test("stdin that never ends: the read gives up at its bound and the process exits", async (t) => {
  const program = join(dir, "read-open-stdin.ts");
  writeFileSync(
    program,
    `import { processIo } from ${JSON.stringify(join(BIN, "process-io.ts"))};\n` +
      `const read = await processIo().stdin({ maxBytes: 1024, timeoutMs: 300 });\n` +
      `process.stdout.write(JSON.stringify(read));\n`,
  );
  const child = spawn(process.execPath, [program], { stdio: ["pipe", "pipe", "pipe"], env: { PATH: "/usr/bin:/bin" } });
  child.stdin.write("action=off\n"); // and never closed
  let stdout = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  const killer = setTimeout(() => child.kill("SIGKILL"), 30_000);
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  clearTimeout(killer);
  child.stdin.destroy();
  t.equal(code, 0, "the process exited by itself, not killed");
  t.same(JSON.parse(stdout), { ok: false, problem: "stdin did not end within 0.3 s" });
});

t.test("with HA_logfacility set, fence_xen hands its lines to logger(1)", async (t) => {
  rmSync(capture, { force: true });
  const fence = await run("fence_xen.ts", [], { HA_logfacility: "daemon" }, [{ afterMs: 0, data: VALID }]);
  t.equal(fence.code, 0, fence.stderr);
  const sent = readFileSync(capture, "utf8");
  t.match(sent, /^ARGS --prio-prefix -t fence_xen\[\d+\]$/m, "one logger call, tagged like the stderr lines");
  t.match(sent, /^<30>options are valid/m, "daemon.info (3*8+6)");
});

t.test("with HA_logfacility set, external/xen-ha hands its lines to logger(1)", async (t) => {
  rmSync(capture, { force: true });
  const plugin = await run("stonith-xen-ha.ts", ["off", "nosuch"], { HA_logfacility: "local3", hostlist: "n1", dom0_list: "local" }, []);
  t.equal(plugin.code, 1, plugin.stderr);
  const sent = readFileSync(capture, "utf8");
  t.match(sent, /^ARGS --prio-prefix -t external\/xen-ha\[\d+\]$/m);
  t.match(sent, /^<155>off: 'nosuch' is not a node of this device/m, "local3.err (19*8+3)");
});

t.test("with HA_logfacility set, XenDomain hands its lines to logger(1), as before", async (t) => {
  rmSync(capture, { force: true });
  const agent = await run("XenDomain.ts", ["monitor"], { HA_logfacility: "daemon", OCF_RESKEY_xmfile: "relative.cfg", OCF_RESOURCE_INSTANCE: "r1" }, []);
  t.not(agent.code, 0);
  const sent = readFileSync(capture, "utf8");
  t.match(sent, /^ARGS --prio-prefix -t XenDomain\(r1\)\[\d+\]$/m);
  t.match(sent, /^<27>/m, "daemon.err (3*8+3)");
});

t.test("without HA_logfacility, nothing goes to logger(1)", async (t) => {
  rmSync(capture, { force: true });
  const fence = await run("fence_xen.ts", [], {}, [{ afterMs: 0, data: VALID }]);
  t.equal(fence.code, 0, fence.stderr);
  t.notOk(existsSync(capture));
});
