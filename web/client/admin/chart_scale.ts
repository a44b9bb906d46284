// Chart axis arithmetic, kept apart from the SVG components so it runs (and is tested) without the DOM.

/** A round top for the axis (1, 2, 5 × 10ⁿ) at or above the largest value, never 0. */
export function niceMax(max: number): number {
  if (!(max > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(max));
  for (const step of [1, 2, 5, 10]) if (step * power >= max) return step * power;
  return 10 * power;
}
