import { existsSync } from "node:fs";
import type { ToolIo } from "../context.ts";
import { dom0Lacks } from "./dom0-view.ts";
import { runInherited } from "./processes.ts";
import { readHost } from "./store.ts";
import { withToolRun } from "../tool-run.ts";

/**
 * A dom0's `stat` (GNU coreutils), as far as the simulated host differs
 * from the machine: paths in the host's `missingPaths` knob do not exist;
 * the devices a domain uses (block devices under /dev, bridges under
 * /sys/class/net) exist on a simulated dom0 unless listed there. Every
 * other path is the real file system's: the real stat answers for it.
 * Formats: `-c`/`--format` with %F (type) and %n (name); without one,
 * a simulated path gets stat's first two lines.
 */
const REAL_STAT = ["/usr/bin/stat", "/bin/stat"].find((path) => existsSync(path)) ?? "/usr/bin/stat";

function simulatedType(path: string): string | undefined {
  if (existsSync(path)) return undefined;
  if (path.startsWith("/dev/")) return "block special file";
  if (/^\/sys\/class\/net\/[^/]+(\/bridge)?\/?$/.test(path)) return "directory";
  return undefined;
}

function render(format: string | undefined, type: string, path: string): string {
  if (format === undefined) return `  File: ${path}\n  Size: 0         \tBlocks: 0          IO Block: 4096   ${type}\n`;
  return `${format.replace(/%([Fn%])/g, (_, d: string) => (d === "F" ? type : d === "n" ? path : "%"))}\n`;
}

export async function statMain(root: string, host: string, io: ToolIo): Promise<number> {
  return withToolRun(root, host, "stat", io, async () => {
    const options: string[] = [];
    const paths: string[] = [];
    let format: string | undefined;
    for (let i = 0; i < io.argv.length; i++) {
      const arg = io.argv[i] as string;
      if (arg === "--") {
        // GNU getopt: everything after "--" is an operand, even "-x"
        paths.push(...io.argv.slice(i + 1));
        break;
      }
      if (arg === "-c" || arg === "--printf") {
        format = io.argv[i + 1] ?? "";
        options.push(arg, format);
        i++;
      } else if (arg.startsWith("--format=")) {
        format = arg.slice("--format=".length);
        options.push(arg);
      } else if (arg.startsWith("-") && arg !== "-") options.push(arg);
      else paths.push(arg);
    }
    if (paths.length === 0) {
      io.stderr("stat: missing operand\nTry 'stat --help' for more information.\n");
      return 1;
    }
    const record = readHost(root, host);
    let code = 0;
    for (const path of paths) {
      const type = simulatedType(path);
      if (dom0Lacks(record, path)) {
        io.stderr(`stat: cannot statx '${path}': No such file or directory\n`);
        code = 1;
      } else if (type !== undefined) {
        io.stdout(render(format, type, path));
      } else if ((await runInherited(REAL_STAT, [...options, path], io.env, io.cwd)) !== 0) {
        code = 1;
      }
    }
    return code;
  });
}
