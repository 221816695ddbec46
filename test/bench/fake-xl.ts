import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * The benchmark's `xl`: a few lines of sh that answer `xl list` and
 * `xl list NAME` from a recorded listing (xl 4.17's layout, the fixtures'
 * `4.17/list.txt`) in a few milliseconds. Measured through it, an agent's
 * figures are its own cost, not a toolstack's: the simulator's xl is a Node
 * process of its own, and a real xl's cost is the same for every agent.
 * Anything else it is asked fails loudly, so a benchmark cannot quietly
 * measure a different conversation.
 */
const SCRIPT = `#!/bin/sh
dir=\${0%/*}
if [ "$1" != list ]; then echo "bench xl: only 'xl list' is recorded (got: $*)" >&2; exit 1; fi
shift
if [ $# -eq 0 ]; then
  while IFS= read -r line; do printf '%s\\n' "$line"; done < "$dir/list.txt"
  exit 0
fi
found=
while IFS= read -r line; do
  case "$line" in
    Name*) header=$line ;;
    "$1 "*) found=$line ;;
  esac
done < "$dir/list.txt"
if [ -z "$found" ]; then echo "$1 is an invalid domain identifier (rc=-6)" >&2; exit 1; fi
printf '%s\\n%s\\n' "$header" "$found"
`;

const FIXTURE = new URL("../fixtures/xl/4.17/list.txt", import.meta.url);

/** xl 4.17's row for a domain (xl_info.c: "%-40s %5d %5lu %5d     %s  %8.1f"), as the fixture's rows are. */
function row(name: string, domid: number, memMiB: number, vcpus: number, state: string, seconds: number): string {
  return `${name.padEnd(40)} ${String(domid).padStart(5)} ${String(memMiB).padStart(5)} ${String(vcpus).padStart(5)}     ${state}  ${seconds.toFixed(1).padStart(8)}`;
}

export interface FakeXl {
  /** Put first on the agent's PATH. */
  readonly binDir: string;
  /** What `xl list` shows from now on: Domain-0 alone, or with `name` running. */
  readonly show: (running: string | undefined) => void;
}

export function writeFakeXl(dir: string): FakeXl {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "xl"), SCRIPT);
  chmodSync(join(dir, "xl"), 0o755);
  // the recorded header and Domain-0 row, byte for byte (TABs before State and Time(s))
  const [header, dom0] = readFileSync(FIXTURE, "utf8").split("\n");
  const show = (running: string | undefined) =>
    writeFileSync(join(dir, "list.txt"), [header, dom0, ...(running ? [row(running, 7, 1024, 2, "-b----", 12.3)] : [])].join("\n") + "\n");
  show(undefined);
  return { binDir: dir, show };
}
