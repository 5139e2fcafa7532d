import { expect } from 'chai';
import { classifyMachineMail } from '../../../channels/email/machine-mail';
import { parseEmail } from '../../../channels/email/parse';
import { fixture, OWN_DOMAIN } from './support/harness';

async function verdictOf(name: string, vars: Record<string, string> = {}) {
  const p = await parseEmail(fixture(name, vars));
  return classifyMachineMail({
    headers: p.headers,
    from: p.from?.address,
    contentType: p.contentType,
    messageId: p.messageId,
    ownDomain: OWN_DOMAIN,
  });
}

describe('channels/email machine mail', () => {
  const MACHINE: Array<[string, string]> = [
    ['auto-submitted-auto-replied.eml', 'auto-reply'],
    ['auto-submitted-auto-generated.eml', 'auto-reply'],
    ['auto-submitted-auto-notified.eml', 'auto-reply'],
    ['precedence-bulk.eml', 'bulk'],
    ['precedence-junk.eml', 'bulk'],
    ['precedence-list.eml', 'list'],
    ['precedence-auto-reply.eml', 'auto-reply'],
    ['x-precedence-bulk.eml', 'bulk'],
    ['list-id.eml', 'list'],
    ['list-unsubscribe.eml', 'list'],
    ['x-autoreply.eml', 'auto-reply'],
    ['x-autorespond.eml', 'auto-reply'],
    ['x-autoresponder.eml', 'auto-reply'],
    ['x-autoreply-from.eml', 'auto-reply'],
    ['x-mail-autoreply.eml', 'auto-reply'],
    ['x-auto-response-suppress-oof.eml', 'auto-reply'],
    ['x-auto-response-suppress-all.eml', 'auto-reply'],
    ['x-loop.eml', 'loop'],
    ['return-path-null.eml', 'bounce'],
    ['sender-mailer-daemon.eml', 'bounce'],
    ['sender-postmaster.eml', 'bounce'],
    ['dsn-bounce.eml', 'bounce'],
    ['own-acknowledgement-reflected.eml', 'own'],
  ];
  for (const [name, kind] of MACHINE) {
    it(`recognises ${name.replace('.eml', '')} as machine mail (${kind})`, async () => {
      const v = await verdictOf(name);
      expect(v.machine).to.equal(true);
      expect(v.kind).to.equal(kind);
      expect(v.reasons).to.not.be.empty;
    });
  }

  const HUMAN = [
    'auto-submitted-no-human.eml',
    'plain-zh-tw-utf8.eml',
    'plain-english.eml',
    'big5-quoted-printable.eml',
    'gb2312-base64-gbk-only-chars.eml',
    'html-only.eml',
    'no-message-id.eml',
  ];
  for (const name of HUMAN) {
    it(`treats ${name.replace('.eml', '')} as written by a person`, async () => {
      const v = await verdictOf(name);
      expect(v.machine, v.reasons.join(',')).to.equal(false);
    });
  }

  it('treats a Message-ID on our own domain as our own mail even without the loop header', () => {
    const v = classifyMachineMail({ headers: new Map(), messageId: `kefu.abc@${OWN_DOMAIN}`, ownDomain: OWN_DOMAIN });
    expect(v).to.deep.include({ machine: true, kind: 'own' });
  });

  it('ignores X-Auto-Response-Suppress values that do not suppress replies', () => {
    const v = classifyMachineMail({
      headers: new Map([['x-auto-response-suppress', ['None']]]),
      ownDomain: OWN_DOMAIN,
    });
    expect(v.machine).to.equal(false);
  });
});
