import t from "tap";
import { parseOperationLine } from "../../../lib/demo/crm-resource.ts";

// crm_resource 2.1.5's result lines, as printed (recorded on Debian 12).
const cases: [string, ReturnType<typeof parseOperationLine>][] = [
  ["Operation force-start for vm1 (ocf:xen-ha:XenDomain) returned 0 (ok)", { rc: 0, message: "ok", reason: undefined }],
  ["Operation force-check for d1 (ocf:heartbeat:Dummy) returned 7 (not running)", { rc: 7, message: "not running", reason: undefined }],
  [
    "Operation force-check for d1 (ocf:envd:E) returned 1 (error: domain vm1 crashed (state ---sc-))\nsome stdout\n",
    { rc: 1, message: "error", reason: "domain vm1 crashed (state ---sc-)" },
  ],
  [
    "Operation validate (ocf:xen-ha:XenDomain) returned 6 (not configured: shutdown_timeout: 'abc' is not a whole number)",
    { rc: 6, message: "not configured", reason: "shutdown_timeout: 'abc' is not a whole number" },
  ],
  ["crm_resource: Error performing operation: No such device or address", { rc: undefined, message: "no result line", reason: undefined }],
];
for (const [stdout, wanted] of cases) {
  t.test(stdout.split("\n")[0]!, async (t) => t.same(parseOperationLine(stdout), wanted));
}
