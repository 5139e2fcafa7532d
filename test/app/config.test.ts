/**
 * Configuration: one schema, every bad variable reported at once, production refuses unsafe
 * settings, secrets never echoed, and `.env.example` documents exactly the schema's variables
 * with the same comments and groups as `app/config.ts`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import dotenv from 'dotenv';
import { configSchema, DEFAULT_CONSOLE_PASSWORD, loadConfig } from '../../app/config';
import { KefuError } from '../../app/errors';
import { documentedInSchemaSource, readmeWithTable } from '../../scripts/config-docs';

const ROOT = path.resolve(__dirname, '../..');
const SCHEMA_KEYS = Object.keys(configSchema.shape);

/** A production environment that passes every safety rule. */
const SAFE_PRODUCTION = {
  NODE_ENV: 'production',
  CONSOLE_ADMIN_PASSWORD: 'a-long-and-private-passphrase',
  SESSION_SECRET: 's'.repeat(40),
  MicrosoftAppId: '00000000-1111-2222-3333-444444444444',
  MicrosoftAppPassword: 'bot-client-secret-value',
};

function loadError(env: Record<string, string | undefined>): KefuError {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).to.be.instanceOf(KefuError);
    return err as KefuError;
  }
  throw new Error('loadConfig accepted a configuration it should refuse');
}

interface Documented {
  name: string;
  comment: string;
  group: string;
  value?: string;
}

/** Reads `# comment` + `NAME=value` pairs and `# ── Group ──` headers from `.env.example`. */
function documentedInEnvExample(): Documented[] {
  const lines = fs.readFileSync(path.join(ROOT, '.env.example'), 'utf8').split('\n');
  const out: Documented[] = [];
  let group = '';
  let previous = '';
  for (const line of lines) {
    const header = /^# ── (.+?) ──$/.exec(line);
    const assignment = /^([A-Za-z_]\w*)=(.*)$/.exec(line);
    if (header) group = header[1]!;
    else if (assignment) {
      const doc = /^# (.+)$/.exec(previous);
      out.push({ name: assignment[1]!, comment: doc ? doc[1]! : '', group, value: assignment[2]! });
    }
    previous = line;
  }
  return out;
}

describe('configuration (app/config.ts)', () => {
  describe('.env.example', () => {
    it('documents every schema variable in app/config.ts with a one-line comment', () => {
      const documented = documentedInSchemaSource();
      expect(documented.map((d) => d.name)).to.deep.equal(SCHEMA_KEYS);
      for (const d of documented) expect(d.comment, `${d.name} has no /** comment */`).to.not.equal('');
      for (const d of documented) expect(d.group, `${d.name} is not under a // ── group ── header`).to.not.equal('');
    });

    it('lists exactly the schema variables, in the same order, groups and with the same comments', () => {
      const schema = documentedInSchemaSource();
      const example = documentedInEnvExample();
      const missing = SCHEMA_KEYS.filter((k) => !example.some((e) => e.name === k));
      const extra = example.filter((e) => !SCHEMA_KEYS.includes(e.name)).map((e) => e.name);
      expect({ missing, extra }, 'variables out of step between app/config.ts and .env.example').to.deep.equal({
        missing: [],
        extra: [],
      });
      expect(example.map(({ name, comment, group }) => ({ name, comment, group }))).to.deep.equal(
        schema.map(({ name, comment, group }) => ({ name, comment, group })),
      );
    });

    it('says to copy it to .env, and its values are empty or the default', () => {
      const text = fs.readFileSync(path.join(ROOT, '.env.example'), 'utf8');
      expect(text.split('\n').slice(0, 5).join('\n')).to.match(/copy this file to \.env/i);
      const defaults = configSchema.parse({});
      for (const e of documentedInEnvExample()) {
        if (e.value === '') continue;
        const parsed = configSchema.shape[e.name as keyof typeof configSchema.shape].parse(
          dotenv.parse(`X=${e.value}`).X,
        );
        expect(parsed, `${e.name} in .env.example differs from its default`).to.deep.equal(
          defaults[e.name as keyof typeof defaults],
        );
      }
    });

    it('is described variable by variable in the README configuration table (npm run docs:config)', () => {
      const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
      expect(readme, 'README.md table is stale: run npm run docs:config').to.equal(readmeWithTable(readme));
    });

    it('loads as it is into a working development configuration with every default', () => {
      const env = dotenv.parse(fs.readFileSync(path.join(ROOT, '.env.example')));
      const config = loadConfig(env);
      expect(config.NODE_ENV).to.equal('development');
      expect(config.PORT).to.equal(3978);
      expect(config.DATA_DIR).to.equal('./data');
      expect(config.REDIS_URL).to.equal(undefined);
      expect(config.PUBLIC_BASE_URL).to.equal('http://localhost:3978');
    });
  });

  describe('loadConfig', () => {
    it('with no variables at all gives the documented defaults, frozen', () => {
      const config = loadConfig({});
      expect(config.PORT).to.equal(3978);
      expect(config.LOG_LEVEL).to.equal('info');
      expect(config.CONSOLE_ADMIN_PASSWORD).to.equal(DEFAULT_CONSOLE_PASSWORD);
      expect(config.sessionSecretGenerated).to.equal(true);
      expect(config.SESSION_SECRET).to.have.length.of.at.least(32);
      expect(Object.isFrozen(config)).to.equal(true);
    });

    it('treats empty strings as unset and trims optional values', () => {
      const config = loadConfig({ PORT: '', REDIS_URL: '  ', IMAP_HOST: ' imap.example.com.tw ' });
      expect(config.PORT).to.equal(3978);
      expect(config.REDIS_URL).to.equal(undefined);
      expect(config.IMAP_HOST).to.equal('imap.example.com.tw');
    });

    it('reads only the variables of the schema, ignoring the rest of the environment', () => {
      const config = loadConfig({ PORT: '8080', PATH: '/usr/bin', HOME: '/root' }) as unknown as Record<
        string,
        unknown
      >;
      expect(config.PORT).to.equal(8080);
      expect(config).to.not.have.property('PATH');
    });

    it('refuses PORT=abc with ERR_CONFIG_INVALID naming PORT', () => {
      const err = loadError({ PORT: 'abc' });
      expect(err.code).to.equal('ERR_CONFIG_INVALID');
      expect(err.message).to.match(/\bPORT\b/);
      expect(err.message).to.include('"abc"');
      expect(err.context.variables).to.deep.equal(['PORT']);
    });

    it('lists every bad variable in one message', () => {
      const err = loadError({
        PORT: 'abc',
        LOG_LEVEL: 'loud',
        BRAND_COLOR: 'green',
        IMAP_SECURE: 'maybe',
        OPENAI_BASE_URL: 'not a url',
        DIRECTLINE_TOKEN_TTL_S: '5',
      });
      expect(err.code).to.equal('ERR_CONFIG_INVALID');
      const named = ['PORT', 'LOG_LEVEL', 'BRAND_COLOR', 'IMAP_SECURE', 'OPENAI_BASE_URL', 'DIRECTLINE_TOKEN_TTL_S'];
      for (const name of named) expect(err.message).to.match(new RegExp(`\\b${name}\\b`));
      expect([...(err.context.variables as string[])].sort()).to.deep.equal([...named].sort());
      expect(err.message.split('\n').filter((l) => l.startsWith('  - '))).to.have.length(named.length);
    });

    it('never echoes a secret value in the error message', () => {
      const secrets = {
        SESSION_SECRET: 'tooShortSecret-9f3a',
        CONSOLE_ADMIN_PASSWORD: 'Zq9!x',
        REDIS_URL: 'redis://:hunter2-redis-pw@127.0.0.1:99999',
      };
      const err = loadError({ ...secrets, PORT: 'abc' });
      for (const name of Object.keys(secrets)) expect(err.message).to.match(new RegExp(`\\b${name}\\b`));
      expect(err.message).to.not.include('tooShortSecret-9f3a');
      expect(err.message).to.not.include('Zq9!x');
      expect(err.message).to.not.include('hunter2-redis-pw');
      expect(JSON.stringify(err.context)).to.not.match(/tooShortSecret|Zq9!x|hunter2/);
    });

    describe('with NODE_ENV=production', () => {
      it('starts with safe settings', () => {
        const config = loadConfig(SAFE_PRODUCTION);
        expect(config.NODE_ENV).to.equal('production');
        expect(config.sessionSecretGenerated).to.equal(false);
      });

      it('refuses the shipped default console password', () => {
        const err = loadError({ ...SAFE_PRODUCTION, CONSOLE_ADMIN_PASSWORD: undefined });
        expect(err.code).to.equal('ERR_CONFIG_UNSAFE');
        expect(err.message).to.match(/CONSOLE_ADMIN_PASSWORD is the shipped default/);
        expect(err.message).to.not.include(DEFAULT_CONSOLE_PASSWORD);
      });

      it('refuses an empty MicrosoftAppId, saying /api/messages would be open', () => {
        const err = loadError({ ...SAFE_PRODUCTION, MicrosoftAppId: '' });
        expect(err.code).to.equal('ERR_CONFIG_UNSAFE');
        expect(err.message).to.match(/MicrosoftAppId is empty/);
        expect(err.message).to.include('/api/messages');
      });

      it('refuses a missing SESSION_SECRET', () => {
        const err = loadError({ ...SAFE_PRODUCTION, SESSION_SECRET: undefined });
        expect(err.code).to.equal('ERR_CONFIG_UNSAFE');
        expect(err.message).to.match(/SESSION_SECRET is unset/);
      });

      it('refuses MicrosoftAppId without its password, and SingleTenant without a tenant', () => {
        const err = loadError({ ...SAFE_PRODUCTION, MicrosoftAppPassword: '', MicrosoftAppType: 'SingleTenant' });
        expect(err.message).to.match(/MicrosoftAppPassword is empty/);
        expect(err.message).to.match(/MicrosoftAppTenantId is required/);
      });

      it('lists every unsafe setting in one message and echoes no secret', () => {
        const err = loadError({ NODE_ENV: 'production', MicrosoftAppPassword: 'orphan-bot-secret' });
        expect(err.context.problems).to.have.length(3);
        expect(err.message).to.match(/CONSOLE_ADMIN_PASSWORD/);
        expect(err.message).to.match(/SESSION_SECRET/);
        expect(err.message).to.match(/MicrosoftAppId/);
        expect(err.message).to.not.include('orphan-bot-secret');
      });

      it('reports invalid variables before safety rules, naming them', () => {
        const err = loadError({ ...SAFE_PRODUCTION, PORT: 'abc' });
        expect(err.code).to.equal('ERR_CONFIG_INVALID');
        expect(err.message).to.match(/\bPORT\b/);
      });
    });
  });
});
