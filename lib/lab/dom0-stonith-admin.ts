/**
 * The lab's `stonith_admin` on a dom0, as fence_xen reaches it over the
 * simulator's ssh (doc/cluster-lab.md §6). The simulated ssh runs a command
 * "on" a host with that host's bin dir first on PATH, but in the caller's own
 * namespaces (a guest's); Pacemaker's tools talk to their daemons over IPC
 * that lives in the node's network and mount namespaces. So this script,
 * placed in each dom0's bin dir (dom0-tools.ts), runs the real stonith_admin
 * inside the dom0 node's namespaces (entered through one of its processes,
 * found by its network namespace's inode, which the node's netns.id file
 * holds), with the caller's arguments and streams. A node with no process
 * left has lost power: ssh's own failure, exit 255.
 *
 * It runs at every fence history read, several a second while a dom0 is
 * silent, so it is a POSIX sh script: one `find` looks for the process, where
 * a Node program (the first version) cost a Node start-up per read on top of
 * the simulated ssh's, 0.1-0.2 s on a loaded lab machine. The caller's own
 * timeout ends it.
 */
import { quoteForShell } from "../exec/ssh.ts";

/** The script for `node`, whose netns.id file is `netnsIdFile`; the real stonith_admin is on `systemPath`. */
export function dom0StonithAdmin(node: string, netnsIdFile: string, systemPath: string): string {
  return `#!/bin/sh
# ${node}'s stonith_admin, as fence_xen reaches it over the simulated ssh: the real one, in ${node}'s namespaces
# (written by lib/lab/dom0-tools.ts from lib/lab/dom0-stonith-admin.ts, which says why)
inode=
read -r inode < ${quoteForShell(netnsIdFile)} 2> /dev/null
link=
case "$inode" in
  ''|*[!0-9]*) ;;
  *) link=$(find /proc/[0-9]*/ns/net -maxdepth 0 -lname "net:\\\\[$inode\\\\]" -print -quit 2> /dev/null) ;;
esac
pid=\${link#/proc/}
pid=\${pid%%/*}
if [ -z "$pid" ]; then
  echo "ssh: connect to host ${node} port 22: No route to host" >&2
  exit 255
fi
PATH=${quoteForShell(systemPath)} exec nsenter -t "$pid" --net --mount --uts -- stonith_admin "$@"
`;
}
