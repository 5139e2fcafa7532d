/**
 * Health registry behind GET /healthz.
 *
 * Each dependency (the store; later IMAP mailboxes and SMTP) registers a check that returns
 * its state without throwing. Optional services that are not configured report
 * `status: 'off'` with the reason, which does not make the service unhealthy: the product
 * degrades gracefully and says what is off.
 */
export type DependencyStatus = 'ok' | 'degraded' | 'down' | 'off';

export interface DependencyHealth {
  status: DependencyStatus;
  /** Whether a `down` state makes the whole service unhealthy (503). */
  critical: boolean;
  [detail: string]: unknown;
}

export type HealthCheck = () => Promise<DependencyHealth>;

export interface HealthReport {
  status: 'ok' | 'degraded' | 'down';
  uptimeS: number;
  dependencies: Record<string, DependencyHealth>;
}

const CHECK_TIMEOUT_MS = 2000;

export class HealthRegistry {
  private readonly checks = new Map<string, HealthCheck>();
  private readonly startedAt = Date.now();

  register(name: string, check: HealthCheck): void {
    this.checks.set(name, check);
  }

  async report(): Promise<HealthReport> {
    const dependencies: Record<string, DependencyHealth> = {};
    await Promise.all(
      [...this.checks].map(async ([name, check]) => {
        dependencies[name] = await runCheck(check);
      }),
    );
    const states = Object.values(dependencies);
    const status = states.some((d) => d.critical && d.status === 'down')
      ? 'down'
      : states.some((d) => d.status === 'down' || d.status === 'degraded')
        ? 'degraded'
        : 'ok';
    return { status, uptimeS: Math.round((Date.now() - this.startedAt) / 1000), dependencies };
  }
}

async function runCheck(check: HealthCheck): Promise<DependencyHealth> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      check(),
      new Promise<DependencyHealth>((resolve) => {
        timer = setTimeout(
          () => resolve({ status: 'down', critical: true, error: `no answer within ${CHECK_TIMEOUT_MS} ms` }),
          CHECK_TIMEOUT_MS,
        );
      }),
    ]);
  } catch (err) {
    return { status: 'down', critical: true, error: err instanceof Error ? err.message : String(err) };
  } finally {
    if (timer) clearTimeout(timer);
  }
}
