import t from "tap";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

/**
 * `xen-ha cib render ... | head`: the reader takes the first lines and goes
 * away. The command loses the rest of its output, as a C tool would, and
 * ends with its own exit code and nothing on stderr (no EPIPE stack trace).
 * A real process with a real pipe: the closed pipe is the process's stdout.
 */
const CLI = fileURLToPath(new URL("../../../bin/xen-ha.ts", import.meta.url));
const IPMI = "ipmi_addresses=192.0.2.11,192.0.2.12,192.0.2.13,192.0.2.14,192.0.2.15,192.0.2.16";
// far more than a pipe holds (64 KiB), so the writer meets the closed pipe
const DOMAINS = `domains=${Array.from({ length: 600 }, (_, i) => `d${i}:512:1:10`).join(",")}`;

function headOne(argv: readonly string[]): Promise<{ code: number | null; firstLine: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...argv], { stdio: ["ignore", "pipe", "pipe"] });
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    let firstLine = "";
    let stderr = "";
    child.stdout.once("data", (chunk: Buffer) => {
      firstLine = chunk.toString("utf8").split("\n")[0] ?? "";
      child.stdout.destroy(); // head has what it wanted
    });
    child.stderr.on("data", (chunk: Buffer) => void (stderr += chunk.toString("utf8")));
    child.once("error", reject);
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, firstLine, stderr });
    });
  });
}

t.test("a reader that goes away ends the output, not the command", async (t) => {
  const render = await headOne(["cib", "render", "n-plus-m", "--set", IPMI, "--set", DOMAINS, "--set", "protected_priority=5"]);
  t.match(render.firstLine, /^<cib /, "the reader got the start");
  t.same([render.code, render.stderr], [0, ""], "render: its own exit code, nothing on stderr");
});
