/**
 * A real Dovecot (IMAP + LMTP) for tests of the email channel: `dovecot -F -c CONF` as a child
 * process on free ports, with its own configuration, runtime folders and Maildir storage in a
 * throwaway folder. No system configuration or service is touched.
 *
 * Guarantees:
 * - Several instances can run at once and one run can start many (each has its own folder,
 *   `instance_name`, `base_dir` and ports); `restart()` keeps ports, users and mail, so a
 *   client can be cut off in the middle of IDLE and reconnect to the same mailbox.
 * - The whole process group (master, auth, imap, lmtp …) is stopped by `stop()` and killed
 *   when the test run exits or crashes (`trackChild` with `group`), so no Dovecot outlives
 *   the run and holds a port.
 * - `deliver()` is a real mailbox delivery over LMTP (what an MTA does), so IDLE clients see
 *   it like real mail; `save()` seeds a message into any folder with `doveadm save`.
 * - Start-up failures say why (the tail of Dovecot's own log) and which package is missing.
 *
 * Needs root (Dovecot drops to the `mail` user for mailbox access) and the Debian packages
 * `dovecot-imapd` and `dovecot-lmtpd`; `scripts/ensure-test-deps.sh` installs them.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import nodemailer from 'nodemailer';
import { stopChild, trackChild, untrackChild } from './child-processes';
import { assertPortFree, freePort, waitForPort } from './free-port';

export const DOVECOT_BIN = process.env.DOVECOT_BIN ?? 'dovecot';
export const DOVEADM_BIN = process.env.DOVEADM_BIN ?? 'doveadm';
/** The mailbox the email channel reads in tests. */
export const DEFAULT_MAIL_USER = 'service@test.local';

const INSTALL_HINT = 'apt-get install -y --no-install-recommends dovecot-imapd dovecot-lmtpd';

export interface DovecotUser {
  user: string;
  password: string;
}

export interface StartDovecotOptions {
  /** Mail users (default: one, service@test.local, with a random password). */
  users?: Array<{ user: string; password?: string }>;
}

export interface DeliverOptions {
  /** Recipient (default: the first user). */
  user?: string;
  /** SMTP envelope sender, written by Dovecot as Return-Path; '' is the null sender `<>`. */
  envelopeFrom?: string;
}

export interface TestDovecot {
  readonly host: '127.0.0.1';
  readonly imapPort: number;
  readonly lmtpPort: number;
  readonly users: readonly DovecotUser[];
  /** The throwaway folder (config, runtime, logs, mail). */
  readonly dir: string;
  /** Path of Dovecot's log file (useful when a test fails). */
  readonly logFile: string;
  /** ImapFlow options to log in as `user` (default: the first user). */
  imapOptions(user?: string): {
    host: string;
    port: number;
    secure: false;
    auth: { user: string; pass: string };
    logger: false;
  };
  /**
   * Delivers a raw RFC 5322 message over LMTP into the user's INBOX.
   * @throws Error when Dovecot refuses the message or the recipient.
   */
  deliver(rawEml: Buffer | string, userOrOptions?: string | DeliverOptions): Promise<void>;
  /**
   * Stores a raw message straight into a folder with `doveadm save` (no Return-Path or
   * Delivered-To added). The folder must exist.
   * @throws Error when doveadm fails.
   */
  save(rawEml: Buffer | string, options?: { user?: string; mailbox?: string }): Promise<void>;
  /** Runs `doveadm -c CONF ARGS…` and resolves with its stdout. @throws Error on failure. */
  doveadm(args: string[], input?: Buffer | string): Promise<string>;
  /** Stops Dovecot (SIGTERM to the master; SIGKILL of the whole process group when `hard`). */
  stop(options?: { hard?: boolean }): Promise<void>;
  /** Starts it again on the same ports with the same users and mail. */
  start(): Promise<void>;
  restart(options?: { hard?: boolean }): Promise<void>;
  /** Stops for good and removes the folder. */
  dispose(): Promise<void>;
}

/**
 * Starts Dovecot on free ports in a new throwaway folder.
 * @throws Error when Dovecot is missing or does not come up (with its log).
 */
export async function startDovecot(options: StartDovecotOptions = {}): Promise<TestDovecot> {
  const [imapPort, lmtpPort] = await twoFreePorts();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kefu-dovecot-'));
  const users: DovecotUser[] = (options.users ?? [{ user: DEFAULT_MAIL_USER }]).map((u) => ({
    user: u.user,
    password: u.password ?? `pw-${randomBytes(6).toString('hex')}`,
  }));
  if (users.length === 0) throw new Error('startDovecot needs at least one user');

  const paths = layout(dir);
  prepareFolders(paths, users);
  fs.writeFileSync(paths.conf, configText({ ...paths, imapPort, lmtpPort, instance: path.basename(dir) }));

  let child: ChildProcess | undefined;

  const start = async (): Promise<void> => {
    if (child) return;
    await assertPortFree(imapPort);
    await assertPortFree(lmtpPort);
    // Its own process group, so the master and every worker can be killed together.
    const c = spawn(DOVECOT_BIN, ['-F', '-c', paths.conf], { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
    let stderr = '';
    c.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const failed = new Promise<never>((_, reject) => {
      c.once('error', (err) =>
        reject(new Error(`cannot start ${DOVECOT_BIN}: ${err.message}. Install it: ${INSTALL_HINT}`)),
      );
      c.once('exit', (code, signal) =>
        reject(new Error(`dovecot exited (${code ?? signal}) during start-up: ${stderr}${logTail(paths.log)}`)),
      );
    });
    failed.catch(() => undefined);
    trackChild(c, { group: true });
    child = c;
    try {
      await Promise.race([Promise.all([waitForPort(imapPort, 15_000), waitForPort(lmtpPort, 15_000)]), failed]);
    } catch (err) {
      await stop({ hard: true });
      throw err;
    }
  };

  const stop = async (opts: { hard?: boolean } = {}): Promise<void> => {
    if (!child) return;
    const c = child;
    child = undefined;
    if (opts.hard) {
      killGroup(c, 'SIGKILL');
      // A child that never spawned (no binary) has no pid and emits no 'exit'.
      if (c.pid !== undefined && c.exitCode === null && c.signalCode === null) {
        await new Promise((r) => c.once('exit', r));
      }
    } else {
      await stopChild(c, 5000);
      // The master takes its workers down with it; make sure no straggler keeps a socket.
      killGroup(c, 'SIGKILL');
    }
    await Promise.all([waitForPortFree(imapPort), waitForPortFree(lmtpPort)]);
    untrackChild(c);
  };

  const doveadm = (args: string[], input?: Buffer | string): Promise<string> =>
    new Promise((resolve, reject) => {
      const proc = execFile(
        DOVEADM_BIN,
        ['-c', paths.conf, ...args],
        { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 },
        (err, stdout, stderr) => {
          if (err) {
            reject(new Error(`doveadm ${args.join(' ')} failed: ${stderr.toString() || err.message}`));
          } else {
            resolve(stdout.toString());
          }
        },
      );
      proc.stdin?.end(input ?? '');
    });

  const userOf = (user?: string): DovecotUser => {
    const found = user === undefined ? users[0] : users.find((u) => u.user === user);
    if (!found) throw new Error(`no Dovecot user ${user}; known: ${users.map((u) => u.user).join(', ')}`);
    return found;
  };

  try {
    await start();
  } catch (err) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw err;
  }

  return {
    host: '127.0.0.1',
    imapPort,
    lmtpPort,
    users,
    dir,
    logFile: paths.log,
    imapOptions(user) {
      const u = userOf(user);
      return {
        host: '127.0.0.1',
        port: imapPort,
        secure: false,
        auth: { user: u.user, pass: u.password },
        logger: false,
      };
    },
    async deliver(rawEml, userOrOptions) {
      const o: DeliverOptions = typeof userOrOptions === 'string' ? { user: userOrOptions } : (userOrOptions ?? {});
      const recipient = userOf(o.user).user;
      const transport = nodemailer.createTransport({
        host: '127.0.0.1',
        port: lmtpPort,
        lmtp: true,
        secure: false,
        ignoreTLS: true,
      });
      try {
        await transport.sendMail({
          envelope: { from: o.envelopeFrom ?? 'mailer@test.local', to: [recipient] },
          raw: rawEml,
        });
      } finally {
        transport.close();
      }
    },
    async save(rawEml, saveOptions = {}) {
      const u = userOf(saveOptions.user).user;
      await doveadm(['save', '-u', u, '-m', saveOptions.mailbox ?? 'INBOX'], rawEml);
    },
    doveadm,
    stop,
    start,
    async restart(opts) {
      await stop(opts);
      await start();
    },
    async dispose() {
      await stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

interface Layout {
  dir: string;
  conf: string;
  run: string;
  state: string;
  mail: string;
  passwd: string;
  log: string;
}

function layout(dir: string): Layout {
  return {
    dir,
    conf: path.join(dir, 'dovecot.conf'),
    run: path.join(dir, 'run'),
    state: path.join(dir, 'state'),
    mail: path.join(dir, 'mail'),
    passwd: path.join(dir, 'users'),
    log: path.join(dir, 'dovecot.log'),
  };
}

/** Dovecot checks ownership and modes: runtime folders 0755, mail owned by mail:mail. */
function prepareFolders(p: Layout, users: DovecotUser[]): void {
  fs.chmodSync(p.dir, 0o755);
  for (const d of [p.run, p.state, p.mail]) fs.mkdirSync(d, { mode: 0o755 });
  fs.chmodSync(p.run, 0o755);
  fs.chmodSync(p.state, 0o755);
  const { uid, gid } = mailUser();
  fs.chownSync(p.mail, uid, gid);
  // passwd-file: user:{PLAIN}password — plain text is fine for throwaway test accounts.
  fs.writeFileSync(p.passwd, users.map((u) => `${u.user}:{PLAIN}${u.password}\n`).join(''), { mode: 0o644 });
  fs.writeFileSync(p.log, '', { mode: 0o644 });
}

function configText(c: Layout & { imapPort: number; lmtpPort: number; instance: string }): string {
  return `# Generated by test/support/dovecot.ts for one test run; not a production configuration.
instance_name = ${c.instance}
protocols = imap lmtp
listen = 127.0.0.1
base_dir = ${c.run}
state_dir = ${c.state}
log_path = ${c.log}
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
# Tests log in with wrong passwords on purpose: no failure delay, no per-IP penalty (anvil below).
auth_failure_delay = 0
first_valid_uid = 1
mail_location = maildir:~/Maildir:LAYOUT=fs
mail_fsync = never
lmtp_save_to_detail_mailbox = no
recipient_delimiter =
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u ${c.passwd}
}
userdb {
  driver = static
  args = uid=mail gid=mail home=${c.mail}/%u
}
namespace inbox {
  inbox = yes
  separator = /
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = ${c.imapPort}
  }
  inet_listener imaps {
    port = 0
  }
}
service lmtp {
  inet_listener lmtp {
    address = 127.0.0.1
    port = ${c.lmtpPort}
  }
}
service anvil {
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
service stats {
  unix_listener stats-writer {
    mode = 0666
  }
}
`;
}

function mailUser(): { uid: number; gid: number } {
  // The Debian `mail` user is uid/gid 8; read it rather than assume.
  const line = fs
    .readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('mail:'));
  const parts = line?.split(':');
  if (!parts || parts.length < 4) throw new Error('no `mail` user in /etc/passwd; Dovecot tests need Debian');
  return { uid: Number(parts[2]), gid: Number(parts[3]) };
}

async function twoFreePorts(): Promise<[number, number]> {
  const a = await freePort();
  let b = await freePort();
  while (b === a) b = await freePort();
  return [a, b];
}

function killGroup(c: ChildProcess, signal: NodeJS.Signals): void {
  if (c.pid === undefined) return;
  try {
    process.kill(-c.pid, signal);
  } catch {
    // group already gone
  }
}

async function waitForPortFree(port: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await assertPortFree(port);
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 25));
    }
  }
}

function logTail(file: string): string {
  try {
    const text = fs.readFileSync(file, 'utf8');
    return `\n--- ${file} (tail) ---\n${text.split('\n').slice(-20).join('\n')}`;
  } catch {
    return '';
  }
}
