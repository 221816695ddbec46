/**
 * The demo's timeline, drawn in the terminal: one row per event on a time
 * axis in seconds, the service's outage as a bar, and the study's figures
 * as bars of the same scale starting where the outage starts, so the two
 * durations can be compared at a glance. Plain text, no colours: it reads
 * the same in a terminal and in a CI log.
 */
export interface TimelineEvent {
  readonly label: string;
  /** Milliseconds after the timeline's origin. */
  readonly atMs: number;
}

export interface StudyFigure {
  readonly label: string;
  readonly fromS: number;
  readonly toS: number;
}

export interface Timeline {
  readonly title: string;
  readonly events: readonly TimelineEvent[];
  /** What a client of the service saw: from its first failed probe to its next answer; undefined when it never failed. */
  readonly outage: { readonly fromMs: number; readonly toMs: number } | undefined;
  readonly study: readonly StudyFigure[];
}

const MARK = "●";
const OURS = "█";
const STUDY_SURE = "▒";
const STUDY_RANGE = "░";
/** Axis steps, s: the first one leaving at least 4 columns between two numbers is used. */
const STEPS = [1, 2, 5, 10, 20, 50, 100];

const seconds = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;

/** Renders `timeline` with an axis of about `columns` characters. */
export function renderTimeline(timeline: Timeline, columns = 48): string {
  const lastMs = Math.max(0, ...timeline.events.map((e) => e.atMs), timeline.outage?.toMs ?? 0);
  const barStart = timeline.outage?.fromMs ?? 0;
  const spanS = Math.max(1, Math.ceil(Math.max(lastMs / 1000, ...timeline.study.map((s) => barStart / 1000 + s.toS))));
  // whole columns per second while they fit (even ticks), a fraction of one beyond
  const perSecond = spanS <= columns ? Math.floor(columns / spanS) : columns / spanS;
  const step = STEPS.find((s) => s * perSecond >= 4) ?? (STEPS.at(-1) as number);
  const width = Math.round(spanS * perSecond) + 1;
  const column = (ms: number): number => Math.min(width - 1, Math.max(0, Math.round((ms / 1000) * perSecond)));

  const rows: [string, string, string][] = [];
  // one row per event, in the order they happened (a tool's exit may trail what it caused)
  for (const event of [...timeline.events].sort((a, b) => a.atMs - b.atMs)) {
    rows.push([event.label, " ".repeat(column(event.atMs)) + MARK, seconds(event.atMs)]);
  }
  const bar = (fromMs: number, toMs: number, fill: (col: number) => string): string => {
    const from = column(fromMs);
    const to = Math.max(from + 1, column(toMs));
    return " ".repeat(from) + Array.from({ length: to - from }, (_, i) => fill(from + i)).join("");
  };
  if (timeline.outage) {
    const { fromMs, toMs } = timeline.outage;
    rows.push(["service outage", bar(fromMs, toMs, () => OURS), seconds(toMs - fromMs)]);
  } else {
    rows.push(["service outage", "", "none seen"]);
  }
  for (const figure of timeline.study) {
    const sure = column(barStart + figure.fromS * 1000);
    rows.push([figure.label, bar(barStart, barStart + figure.toS * 1000, (col) => (col < sure ? STUDY_SURE : STUDY_RANGE)), `${figure.fromS}-${figure.toS} s`]);
  }

  const labelWidth = Math.max(...rows.map(([label]) => label.length));
  const pad = (text: string, n: number): string => text + " ".repeat(Math.max(0, n - [...text].length));
  let numbers = "";
  let ticks = "";
  for (let s = 0; s <= spanS; s += step) {
    numbers = pad(numbers, Math.round(s * perSecond)) + String(s);
    ticks = pad(ticks, Math.round(s * perSecond)) + "|";
  }
  ticks = pad(ticks, width).replace(/ /g, "-");
  const line = (label: string, body: string, value: string): string => `  ${pad(label, labelWidth)}  ${pad(body, width)}  ${value}`.trimEnd();
  return [
    timeline.title,
    line("", numbers, "s"),
    line("", ticks, ""),
    ...rows.map(([label, body, value]) => line(label, body, value)),
    "",
  ].join("\n");
}
