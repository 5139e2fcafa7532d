/**
 * Child process for the cross-process races in `sqlite.test.ts` (two OS processes on one file,
 * the case in-process peers cannot exercise because better-sqlite3 is synchronous).
 *
 *   sqlite-claim-worker timers FILE NOW TOTAL  — claims due timers in small batches until none
 *     are left (or more than TOTAL were claimed, which can only mean duplicates)
 *   sqlite-claim-worker assign FILE NOW TOTAL  — claims/assigns items K-0 … K-(TOTAL−1) for
 *     agent 'mei', alternating `claim` and `assign`
 *
 * Prints the ids it won as JSON on stdout.
 */
import pino from 'pino';
import { openSqliteStore } from '../../storage/sqlite/sqlite-store';

async function main(): Promise<void> {
  const [mode, file, nowText, totalText] = process.argv.slice(2);
  if (!mode || !file || !nowText || !totalText) throw new Error('usage: sqlite-claim-worker MODE FILE NOW TOTAL');
  const now = Number(nowText);
  const total = Number(totalText);
  const store = await openSqliteStore({ file, log: pino({ level: 'silent' }) });
  const won: string[] = [];
  if (mode === 'timers') {
    for (;;) {
      const batch = await store.timers.claimDue(now, 3, 600_000);
      if (batch.length === 0 || won.length > total) break;
      won.push(...batch.map((t) => t.id));
    }
  } else if (mode === 'assign') {
    for (let i = 0; i < total; i++) {
      const itemId = `K-${i}`;
      const got =
        i % 2
          ? await store.assignment.claim({ itemId, agentId: 'mei', now: now + i })
          : await store.assignment.assign({ itemId, requiredSkills: [], now: now + i });
      if (got) won.push(itemId);
    }
  } else {
    throw new Error(`unknown mode ${mode}`);
  }
  await store.close();
  process.stdout.write(JSON.stringify(won));
}

main().catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exit(1);
});
