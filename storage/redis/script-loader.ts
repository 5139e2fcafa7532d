/**
 * Loads the adapter's Lua scripts from `storage/redis/scripts/*.lua` and runs them by SHA.
 *
 * Why: every multi-key atomic step of the Redis adapter is one script file (BullMQ style,
 * `<name>-<numKeys>.lua`, `n` = variadic). They are read once, registered with SCRIPT LOAD when a
 * connection becomes ready, and called with EVALSHA. Guarantee: a Redis that lost its script
 * cache (restart, failover, SCRIPT FLUSH) answers NOSCRIPT, and the call is retried once with
 * EVAL, which runs the script and caches it again, so callers never see NOSCRIPT.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { KefuError } from '../../app/errors';

/** Folder of the script files. */
export const SCRIPTS_DIR = path.join(__dirname, 'scripts');

/** One script as read from its file. */
export interface LuaScript {
  /** File name without `.lua`, for example `assign-6`. */
  name: string;
  /** Number of KEYS from the file name, or `undefined` for variadic (`-n`) scripts. */
  numKeys: number | undefined;
  source: string;
  sha1: string;
}

/** The minimal client surface the loader needs (node-redis satisfies it). */
export interface ScriptClient {
  scriptLoad(source: string): Promise<string>;
  evalSha(sha1: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
  eval(source: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
}

/** Reads every `*.lua` file of `dir`. @throws ERR_STORE_SCRIPT when a file name has no key count. */
export function readScripts(dir: string = SCRIPTS_DIR): Map<string, LuaScript> {
  const scripts = new Map<string, LuaScript>();
  for (const file of fs.readdirSync(dir).sort()) {
    if (!file.endsWith('.lua')) continue;
    const name = file.slice(0, -'.lua'.length);
    const match = /-(\d+|n)$/.exec(name);
    if (!match) {
      throw new KefuError('ERR_STORE_SCRIPT', `script file ${file} must be named <name>-<numKeys>.lua`, { file });
    }
    const source = fs.readFileSync(path.join(dir, file), 'utf8');
    scripts.set(name, {
      name,
      numKeys: match[1] === 'n' ? undefined : Number(match[1]),
      source,
      sha1: createHash('sha1').update(source).digest('hex'),
    });
  }
  return scripts;
}

function isNoScript(err: unknown): boolean {
  return err instanceof Error && err.message.startsWith('NOSCRIPT');
}

/** Runs the scripts of one store over one client. */
export class ScriptRunner {
  constructor(
    private readonly client: ScriptClient,
    private readonly scripts: Map<string, LuaScript> = readScripts(),
  ) {}

  /** Registers every script with the server (SCRIPT LOAD); safe to call again after a reconnect. */
  async loadAll(): Promise<void> {
    for (const script of this.scripts.values()) {
      const sha = await this.client.scriptLoad(script.source);
      if (sha !== script.sha1) {
        throw new KefuError('ERR_STORE_SCRIPT', `SCRIPT LOAD of ${script.name} returned an unexpected SHA`, {
          script: script.name,
        });
      }
    }
  }

  /**
   * Runs script `name` with EVALSHA, falling back to EVAL when the server has no cached copy.
   * @throws ERR_STORE_SCRIPT for an unknown script or a wrong number of keys.
   */
  async run(name: string, keys: string[], args: Array<string | number>): Promise<unknown> {
    const script = this.scripts.get(name);
    if (!script) throw new KefuError('ERR_STORE_SCRIPT', `no Redis script named ${name}`, { script: name });
    if (script.numKeys !== undefined && script.numKeys !== keys.length) {
      throw new KefuError('ERR_STORE_SCRIPT', `script ${name} takes ${script.numKeys} keys, got ${keys.length}`, {
        script: name,
      });
    }
    const options = { keys, arguments: args.map(String) };
    try {
      return await this.client.evalSha(script.sha1, options);
    } catch (err) {
      if (!isNoScript(err)) throw err;
      return this.client.eval(script.source, options);
    }
  }
}
