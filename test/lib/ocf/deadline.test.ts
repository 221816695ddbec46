import t from "tap";
import { createDeadline, safetyMarginMs } from "../../../lib/ocf/deadline.ts";
import { readOcfContext } from "../../../lib/ocf/context.ts";

t.test("the margin is a tenth of the op timeout, kept between 1 s and 5 s", async (t) => {
  t.equal(safetyMarginMs(3_000), 1_000);
  t.equal(safetyMarginMs(20_000), 2_000);
  t.equal(safetyMarginMs(120_000), 5_000);
});

t.test("call timeouts never pass the deadline", async (t) => {
  let now = 0;
  const deadline = createDeadline(20_000, () => now);
  t.equal(deadline.callTimeoutMs(60_000), 18_000, "a long call is cut to what is left");
  t.equal(deadline.callTimeoutMs(5_000), 5_000, "a short call keeps its own cap");
  now = 17_950;
  t.equal(deadline.callTimeoutMs(5_000), 100, "the floor keeps a last call possible");
  now = 18_000;
  t.ok(deadline.expired());
});

t.test("a probe is a monitor with interval exactly 0", async (t) => {
  t.equal(readOcfContext({ OCF_RESKEY_CRM_meta_interval: "0" }, "monitor").isProbe, true);
  t.equal(readOcfContext({ OCF_RESKEY_CRM_meta_interval: "10000" }, "monitor").isProbe, false);
  t.equal(readOcfContext({}, "monitor").isProbe, false, "no interval (legacy lrmd): not a probe");
  t.equal(readOcfContext({ OCF_RESKEY_CRM_meta_interval: "0" }, "start").isProbe, false);
});

t.test("the legacy lrmd's environment is recognised", async (t) => {
  const legacy = readOcfContext({ OCF_RA_VERSION_MINOR: "0", OCF_RESKEY_OCF_CHECK_LEVEL: "10" }, "monitor");
  t.equal(legacy.legacy, true);
  t.equal(legacy.understandsDegraded, false);
  t.equal(legacy.checkLevel, 10, "OCF_CHECK_LEVEL arrives with the OCF_RESKEY_ prefix");
  const pacemaker = readOcfContext({ OCF_RA_VERSION_MINOR: "1", OCF_RESKEY_CRM_meta_timeout: "20000" }, "stop");
  t.equal(pacemaker.legacy, false);
  t.equal(pacemaker.understandsDegraded, true);
  t.equal(pacemaker.timeoutMs, 20_000);
});
