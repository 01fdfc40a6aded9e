/**
 * Whether a gateway URL answers, before it is saved (setup, Settings › Network). Any HTTP answer
 * counts: the gateway's routes are exercised by the engine, not here.
 */
export async function probeGateway(url: string): Promise<void> {
  const res = await fetch(url, {
    method: 'GET',
    redirect: 'manual',
    signal: AbortSignal.timeout(10_000),
  });
  await res.body?.cancel();
}
