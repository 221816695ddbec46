import t from "tap";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger } from "../../../lib/ocf/logger.ts";

/**
 * Log files are whatever HA_LOGFILE, HA_DEBUGLOG, fence_xen's debug_file or a
 * trace setting names. A line goes to a regular file, a character device or a
 * pipe someone reads; a FIFO nobody reads, a directory or a missing directory
 * costs the line, never the action: the agent neither blocks nor fails.
 */
const dir = mkdtempSync(join(tmpdir(), "logger-"));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

t.test("a regular file gets every line, debug lines only in the debug log", async (t) => {
  const file = join(dir, "ha.log");
  const debug = join(dir, "debug.log");
  const log = createLogger("tag", { HA_LOGFILE: file, HA_DEBUGLOG: debug, HA_debug: "1" }, () => {});
  log.info("one");
  log.debug("two");
  t.match(readFileSync(file, "utf8"), /^\S+ tag\[\d+\]: INFO: one\n$/);
  t.match(readFileSync(debug, "utf8"), /INFO: one\n.*DEBUG: two\n$/);
});

t.test("a FIFO nobody reads does not block the agent; the other outputs still get the line", async (t) => {
  const fifo = join(dir, "fifo");
  execFileSync("mkfifo", [fifo]);
  let stderr = "";
  const file = join(dir, "beside-fifo.log");
  const log = createLogger("tag", { HA_DEBUGLOG: fifo, HA_LOGFILE: file }, (text) => (stderr += text));
  log.info("still here");
  log.info("and again");
  t.match(stderr, /INFO: still here\n.*INFO: and again\n/);
  t.match(readFileSync(file, "utf8"), /still here[\s\S]*and again/);
});

t.test("a directory, or a file in a missing directory, costs the line only", async (t) => {
  const folder = join(dir, "folder");
  mkdirSync(folder);
  const log = createLogger("tag", { HA_LOGFILE: folder, HA_DEBUGLOG: join(dir, "no", "such.log") }, () => {});
  t.doesNotThrow(() => log.error("nowhere to go"));
  t.notOk(existsSync(join(dir, "no")));
});

t.test("a character device is written to (/dev/null, as /dev/stderr would be)", async (t) => {
  const log = createLogger("tag", { HA_LOGFILE: "/dev/null" }, () => {});
  t.doesNotThrow(() => log.info("into the void"));
});
