/**
 * Logs never carry personal data or secrets: national IDs and phone numbers are masked
 * wherever they appear in a record (message, fields, nested fields, errors, child bindings,
 * interpolated arguments), and password/token/authorization fields are redacted outright.
 */
import { Writable } from 'node:stream';
import { expect } from 'chai';
import { createLogger, maskLogValue } from '../../app/logger';

const NATIONAL_ID = 'A123456789';
const PHONE = '0912345678';

/** A logger writing into memory; `records()` parses what was written so far. */
function memoryLogger(level = 'info') {
  const chunks: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk.toString());
      callback();
    },
  });
  const log = createLogger({ level, destination });
  return {
    log,
    text: () => chunks.join(''),
    records: () =>
      chunks
        .join('')
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

describe('logger (app/logger.ts)', () => {
  it('masks a national ID and a phone number inside the message and inside fields', () => {
    const { log, records, text } = memoryLogger();
    log.info(
      { customer: { nationalId: NATIONAL_ID, phone: PHONE, note: `回電 ${PHONE}` } },
      `policyholder ${NATIONAL_ID} asked for a call back on ${PHONE}`,
    );
    const [record] = records();
    expect(record!.msg).to.equal('policyholder A12345**** asked for a call back on 0912****78');
    expect(record!.customer).to.deep.equal({ nationalId: 'A12345****', phone: '0912****78', note: '回電 0912****78' });
    expect(text()).to.not.include(NATIONAL_ID);
    expect(text()).to.not.include(PHONE);
  });

  it('redacts password, token, secret and authorization fields, top-level and nested', () => {
    const { log, records, text } = memoryLogger();
    log.info(
      {
        password: 'hunter2-password',
        authorization: 'Bearer top-level-token',
        token: 'dl-token-value',
        agent: { password: 'nested-password', secret: 'nested-secret' },
        req: { headers: { authorization: 'Bearer header-token', cookie: 'kefu_session=abc123' } },
        body: { nationalId: NATIONAL_ID },
      },
      'login attempt',
    );
    const [record] = records();
    expect(record!.password).to.equal('[redacted]');
    expect(record!.authorization).to.equal('[redacted]');
    expect(record!.token).to.equal('[redacted]');
    expect(record!.agent).to.deep.equal({ password: '[redacted]', secret: '[redacted]' });
    expect(record!.req).to.deep.equal({ headers: { authorization: '[redacted]', cookie: '[redacted]' } });
    expect(record!.body).to.equal('[redacted]');
    for (const secret of ['hunter2', 'top-level-token', 'dl-token-value', 'nested-', 'header-token', 'abc123']) {
      expect(text()).to.not.include(secret);
    }
  });

  it('masks personal data in a logged error, its message and stack', () => {
    const { log, records, text } = memoryLogger();
    log.error({ err: new Error(`policy lookup for ${NATIONAL_ID} failed`) }, 'lookup failed');
    log.error(new Error(`no policy for ${PHONE}`));
    const [first, second] = records();
    expect((first!.err as { message: string }).message).to.equal('policy lookup for A12345**** failed');
    expect((first!.err as { stack: string }).stack).to.include('A12345****');
    expect(first!.msg).to.equal('lookup failed');
    expect((second!.err as { message: string }).message).to.equal('no policy for 0912****78');
    expect(second!.msg).to.equal('no policy for 0912****78');
    expect(text()).to.not.include(NATIONAL_ID);
    expect(text()).to.not.include(PHONE);
  });

  it('masks personal data in child-logger bindings and in interpolated arguments', () => {
    const { log, records, text } = memoryLogger();
    log.child({ caller: PHONE }).info('call from %s about %o', NATIONAL_ID, { phone: PHONE });
    log.child({ channel: 'email' }).child({ policyholder: NATIONAL_ID }).info('grandchild');
    const [record, grandchild] = records();
    expect(record!.caller).to.equal('0912****78');
    expect(record!.msg).to.include('A12345****');
    expect(grandchild!.channel).to.equal('email');
    expect(grandchild!.policyholder).to.equal('A12345****');
    expect(text()).to.not.include(NATIONAL_ID);
    expect(text()).to.not.include(PHONE);
  });

  it('keeps ordinary numbers and ticket numbers intact', () => {
    const { log, records } = memoryLogger();
    log.info({ ticket: 'K-000123', latencyS: 0.0123456789, count: 1234567890 }, 'ticket [#K-000123] assigned');
    const [record] = records();
    expect(record!.ticket).to.equal('K-000123');
    expect(record!.latencyS).to.equal(0.0123456789);
    expect(record!.count).to.equal(1234567890);
    expect(record!.msg).to.equal('ticket [#K-000123] assigned');
  });

  it('writes nothing below the configured level', () => {
    const { log, records } = memoryLogger('warn');
    log.info('not written');
    log.warn('written');
    expect(records().map((r) => r.msg)).to.deep.equal(['written']);
  });

  it('maskLogValue masks strings at any depth of arrays and objects', () => {
    expect(maskLogValue({ list: [{ id: NATIONAL_ID }, PHONE], n: 3, none: null })).to.deep.equal({
      list: [{ id: 'A12345****' }, '0912****78'],
      n: 3,
      none: null,
    });
  });
});
