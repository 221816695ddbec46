import t from "tap";
import { migrationLab } from "../../support/migration-lab.ts";

/** A dom0's stat: its disks and bridges exist unless the missingPaths knob removes them; other paths are the real ones. */
t.test("stat sees the host's devices, bridges and files; missing paths are missing there only", async (t) => {
  const lab = migrationLab(t);
  const args = ["-L", "-c", "%F:%n", lab.config, "/dev/vg0/vm1", "/sys/class/net/xenbr0/bridge"];
  const here = await lab.run("node1", "stat", args);
  t.same([here.exitCode, here.stdout], [0, `regular file:${lab.config}\nblock special file:/dev/vg0/vm1\ndirectory:/sys/class/net/xenbr0/bridge\n`]);
  lab.knobs("node2", { missingPaths: ["/dev/vg0/vm1", "/sys/class/net/xenbr0", lab.config] });
  const there = await lab.run("node1", "ssh", ["node2", "stat", ...args]);
  t.equal(there.exitCode, 1);
  t.equal(there.stdout, "");
  t.equal(
    there.stderr,
    `stat: cannot statx '${lab.config}': No such file or directory\nstat: cannot statx '/dev/vg0/vm1': No such file or directory\nstat: cannot statx '/sys/class/net/xenbr0/bridge': No such file or directory\n`,
  );
  const real = await lab.run("node1", "stat", ["-c", "%F", "/nonexistent"]);
  t.equal(real.exitCode, 1, "a path the machine lacks is missing everywhere");
});
