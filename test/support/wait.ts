/** Polls until the condition holds, for effects that happen after an HTTP answer (Bolt acks first). */
export async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs = 5000, intervalMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

const MINUTE_MS = 60_000;

/** The next wall-clock minute, when the scheduler's minute jobs fire. */
export function nextMinuteBoundary(from = Date.now()): number {
  return Math.floor(from / MINUTE_MS) * MINUTE_MS + MINUTE_MS;
}

/** When the next minute boundary is closer than `marginMs`, waits until it has passed. */
export async function clearOfMinuteBoundary(marginMs: number): Promise<void> {
  const next = nextMinuteBoundary();
  if (next - Date.now() < marginMs) await new Promise((resolve) => setTimeout(resolve, next - Date.now() + 500));
}
