/**
 * The email channel as a separate process, for the crash-consistency test: it polls the
 * mailbox named in the environment, sends acknowledgements, and exits 0 once the mailbox is
 * empty and the outbox drained. With KEFU_EMAIL_CRASH_AT=<stage>:<n> it kills itself with
 * SIGKILL the n-th time the channel reaches <stage> — a real, unannounced process death.
 */
import path from 'node:path';
import { systemClock } from '../../../../app/clock';
import { HealthRegistry } from '../../../../app/health';
import { TimerRunner } from '../../../../app/timer-runner';
import { startEmailChannel } from '../../../../channels/email';
import { createSlaPolicy, DEFAULT_SLA_MINUTES } from '../../../../handoff/tickets/sla';
import { createTicketService } from '../../../../handoff/tickets/ticket-service';
import { openSqliteStore } from '../../../../storage/sqlite/sqlite-store';
import { emailEnv, sampleCalendar, silentLog } from './harness';

async function main(): Promise<void> {
  const dir = process.env.KEFU_CHILD_DIR ?? '';
  const crash = process.env.KEFU_EMAIL_CRASH_AT?.split(':');
  const crashStage = crash?.[0];
  let crashLeft = Number(crash?.[1] ?? 0);
  const stageHook = (stage: string) => {
    if (stage === crashStage && --crashLeft <= 0) process.kill(process.pid, 'SIGKILL');
  };
  const config = emailEnv(
    undefined,
    undefined,
    JSON.parse(process.env.KEFU_CHILD_ENV ?? '{}') as Record<string, string>,
  );
  const store = await openSqliteStore({ file: path.join(dir, 'kefu.sqlite'), log: silentLog });
  const calendar = sampleCalendar('24h');
  const tickets = createTicketService({
    store,
    clock: systemClock,
    sla: createSlaPolicy(calendar, DEFAULT_SLA_MINUTES),
  });
  // A short claim lease, so a timer claimed by a killed process is retried soon.
  const timers = new TimerRunner({ store, clock: systemClock, log: silentLog, pollMs: 50, leaseMs: 1500 });
  const channel = startEmailChannel({
    config,
    store,
    tickets,
    calendar,
    clock: systemClock,
    log: silentLog,
    health: new HealthRegistry(),
    timers,
    dataDir: path.join(dir, 'mail'),
    options: {
      instanceId: 'crash-test-instance',
      checkIntervalMs: 500,
      heartbeatMs: 1000,
      backoff: { initialMs: 100, maxMs: 500 },
      smtpIgnoreTls: true,
      stageHook,
    },
  });
  timers.start();
  for (;;) {
    await new Promise((r) => setTimeout(r, 100));
    const s = channel.pollerState();
    if (s?.lastSuccessAt && s.backlog === 0 && (await channel.outbox.pendingCount()) === 0) break;
  }
  await channel.stop();
  await timers.stop();
  await store.close();
  process.exit(0);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
