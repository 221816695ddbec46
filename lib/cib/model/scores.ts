/** Pacemaker's score arithmetic: INFINITY is 1000000, -INFINITY wins over everything. */
export const INFINITY = 1_000_000;

export function parseScore(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const word = text.trim().toUpperCase();
  if (word === "INFINITY" || word === "+INFINITY") return INFINITY;
  if (word === "-INFINITY") return -INFINITY;
  if (!/^[+-]?\d+$/.test(word)) return undefined;
  return Math.max(-INFINITY, Math.min(INFINITY, Number(word)));
}

export function addScores(a: number, b: number): number {
  if (a <= -INFINITY || b <= -INFINITY) return -INFINITY;
  if (a >= INFINITY || b >= INFINITY) return INFINITY;
  return Math.max(-INFINITY, Math.min(INFINITY, a + b));
}
