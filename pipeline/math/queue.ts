/**
 * M/D/1 queueing (Poisson arrivals, deterministic service, one server) as TR133 §9.1 applies it:
 * N instances with per-agent efficiency η(N) are treated as one server of aggregate capacity
 *   C = N · μ · η(N),  μ = 1/S  (requests per second when S is in seconds),
 * utilisation ρ = λ / C and mean wait in queue (Pollaczek–Khinchine with zero service variance)
 *   W = ρ / (2C(1 − ρ)),
 * finite only for ρ < 1. A tail estimate adds k waits to the service time: p95 ≈ S + k·W.
 */

/** Utilisation and mean wait of an M/D/1 queue; `wait` is null when the queue is unstable (ρ ≥ 1). */
export interface Md1Wait {
  /** λ / C. */
  readonly rho: number;
  /** Mean wait in queue in the time unit of 1/C, or null when ρ ≥ 1 (the wait grows without bound). */
  readonly wait: number | null;
}

/**
 * `serviceCapacity(serviceTime, n, eta)` is the aggregate service rate C = N·η/S, in requests per unit
 * of `serviceTime`'s reciprocal (S in seconds ⇒ C in req/s).
 * @example serviceCapacity(0.5, 4, 0.5) // 4 req/s
 */
export function serviceCapacity(serviceTime: number, n: number, eta: number): number {
  return (n * eta) / serviceTime;
}

/**
 * `md1Wait(arrivalRate, capacity)` returns ρ = λ/C and the M/D/1 mean wait W = ρ / (2C(1 − ρ)).
 * @example md1Wait(0.5, 1) // { rho: 0.5, wait: 0.5 }
 */
export function md1Wait(arrivalRate: number, capacity: number): Md1Wait {
  const rho = arrivalRate / capacity;
  if (!(rho < 1)) return { rho, wait: null };
  return { rho, wait: rho / (2 * capacity * (1 - rho)) };
}

/**
 * `tailLatency(service, wait, tailFactor)` is the empirical tail estimate S + k·W (TR133 uses k = 3
 * for p95). Units are the caller's; both arguments must share them.
 * @example tailLatency(1000, 500, 3) // 2500
 */
export function tailLatency(service: number, wait: number, tailFactor: number): number {
  return service + tailFactor * wait;
}
