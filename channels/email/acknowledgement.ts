/**
 * Composes the acknowledgement a customer receives after emailing the desk (pure text; the
 * outbox sends it).
 *
 * Guarantees: the ticket number is in the subject as `[#K-000123]` (so the customer's reply
 * threads back); the language is the customer's (zh-TW or English by content); the promise
 * of when a person answers comes from the business calendar — "within N hours" while the
 * desk is open, the next opening (holidays included) after hours; at most three knowledge
 * answers, and only those retrieval was confident about; personal data in the quoted
 * subject is masked; nothing from the mail reaches a header unstripped.
 */
import { maskText } from '../../app/mask';
import { type BusinessCalendar, describeNextOpening, isOpen } from '../../handoff/calendar/business-hours';
import type { KnowledgeService, Lang } from '../../knowledge/types';
import { headerSafe } from './parse';

export const MAX_KB_ANSWERS = 3;
/** Related topics below this confidence are not offered in an acknowledgement. */
export const MIN_RELATED_CONFIDENCE = 0.5;

export interface KnowledgeAnswer {
  topicId: string;
  title: string;
  answer: string;
}

export interface AcknowledgementInput {
  ticketNumber: string;
  /** The customer's subject (quoted back, masked, shortened). */
  subject: string;
  lang: Lang;
  now: number;
  calendar: BusinessCalendar;
  /** When the ticket's SLA runs out (epoch ms): "within N hours" during business hours. */
  slaDueAt: number;
  brand: { zh: string; en: string };
  answers: readonly KnowledgeAnswer[];
  /** The mail was over the size limit: attachments were not taken. */
  oversized?: { limitBytes: number };
}

export interface ComposedMail {
  subject: string;
  text: string;
}

/** Builds the acknowledgement subject and body. Pure. */
export function composeAcknowledgement(input: AcknowledgementInput): ComposedMail {
  const quoted = shorten(maskText(headerSafe(input.subject)), 80);
  const en = input.lang === 'en';
  const tag = `[#${input.ticketNumber}]`;
  const subject = en
    ? `${tag} We have received your message${quoted ? `: ${quoted}` : ''}`
    : `${tag} 我們已收到您的來信${quoted ? `：${quoted}` : ''}`;

  const open = isOpen(input.calendar, input.now);
  const hours = Math.max(1, Math.ceil((input.slaDueAt - input.now) / 3_600_000));
  const when = open
    ? en
      ? `A member of our service team will answer within ${hours} hour${hours === 1 ? '' : 's'}.`
      : `客服人員將於 ${hours} 小時內回覆您。`
    : en
      ? `Our service desk is closed now; we will answer from ${describeNextOpening(input.calendar, input.now, 'en')}.`
      : `目前為非上班時間，客服人員將於${describeNextOpening(input.calendar, input.now, 'zh-TW')}回覆您。`;

  const lines: string[] = [];
  if (en) {
    lines.push(
      'Dear customer,',
      '',
      `Thank you for writing to ${input.brand.en}. Your case number is ${input.ticketNumber}.`,
      when,
    );
    if (input.oversized) {
      lines.push(
        '',
        `Your email was larger than ${mb(input.oversized.limitBytes)} MB, so its attachments were not received. Please send large files in several smaller emails, quoting ${input.ticketNumber} in the subject.`,
      );
    }
    if (input.answers.length > 0) {
      lines.push('', 'These answers from our help pages may already help:');
      for (const a of input.answers.slice(0, MAX_KB_ANSWERS)) lines.push('', `■ ${a.title}`, markdownToPlain(a.answer));
    }
    lines.push(
      '',
      `To add anything, simply reply to this email and keep ${input.ticketNumber} in the subject.`,
      '',
      `${input.brand.en} Customer Service`,
      '(This is an automatic confirmation.)',
    );
  } else {
    lines.push('親愛的客戶您好：', '', `感謝您來信${input.brand.zh}，您的案件編號為 ${input.ticketNumber}。`, when);
    if (input.oversized) {
      lines.push(
        '',
        `您的來信超過 ${mb(input.oversized.limitBytes)} MB，附件未能收到。請將檔案分成數封較小的郵件寄送，並在主旨保留 ${input.ticketNumber}。`,
      );
    }
    if (input.answers.length > 0) {
      lines.push('', '以下常見問題或許能先協助您：');
      for (const a of input.answers.slice(0, MAX_KB_ANSWERS)) lines.push('', `■ ${a.title}`, markdownToPlain(a.answer));
    }
    lines.push(
      '',
      `如需補充說明，請直接回覆本郵件，並保留主旨中的 ${input.ticketNumber}。`,
      '',
      `${input.brand.zh} 客服中心`,
      '（此為系統自動確認信）',
    );
  }
  return { subject: headerSafe(subject), text: lines.join('\n') };
}

/**
 * Asks the knowledge base about the mail and keeps only confident answers, at most three.
 * Email is longer than a chat turn (greetings, signatures, several questions), so several
 * phrasings are asked — subject with the first paragraph, the subject alone, then each
 * paragraph — and the answer topics (plus confident related topics) are collected in that
 * order. Never throws: a failing knowledge service means an acknowledgement without answers.
 */
export async function findKnowledgeAnswers(
  knowledge: KnowledgeService | undefined,
  subject: string,
  body: string,
  lang: Lang,
): Promise<KnowledgeAnswer[]> {
  if (!knowledge) return [];
  const paragraphs = body
    .split(/\n\s*\n/)
    .map((p) => p.replace(/\s+/g, ' ').trim())
    .filter((p) => p.length >= 4 && !/^>/.test(p))
    .slice(0, 4);
  const questions = [[subject, paragraphs[0] ?? ''].join('\n').trim(), subject.trim(), ...paragraphs].filter(
    (q, i, all) => q.length > 0 && all.indexOf(q) === i,
  );
  const out: KnowledgeAnswer[] = [];
  const add = (a: KnowledgeAnswer) => {
    if (out.length < MAX_KB_ANSWERS && !out.some((x) => x.topicId === a.topicId)) out.push(a);
  };
  for (const text of questions) {
    if (out.length >= MAX_KB_ANSWERS) break;
    try {
      const decision = await knowledge.decide({ text: text.slice(0, 1000), lang });
      if (decision.kind !== 'answer') continue;
      add({ topicId: decision.topic.id, title: decision.topic.title, answer: decision.answer });
      for (const rel of decision.related) {
        if (rel.confidence < MIN_RELATED_CONFIDENCE) continue;
        const d = knowledge.topicAnswer(rel.id, lang);
        if (d?.kind === 'answer') add({ topicId: rel.id, title: d.topic.title, answer: d.answer });
      }
    } catch {
      return out;
    }
  }
  return out;
}

function shorten(s: string, max: number): string {
  const chars = [...s];
  return chars.length <= max ? s : `${chars.slice(0, max - 1).join('')}…`;
}

function mb(bytes: number): string {
  return String(Math.round((bytes / 1_048_576) * 10) / 10);
}

/**
 * Knowledge answers are Markdown; a plain-text email shows them without the markup:
 * `**bold**` → bold, `### Heading` → `【Heading】`, `[text](url)` → `text (url)`.
 */
export function markdownToPlain(markdown: string): string {
  return markdown
    .trim()
    .replace(/^#{1,6}\s+(.+)$/gm, '【$1】')
    .replace(/\*\*(.+?)\*\*/g, '$1')
    .replace(/__(.+?)__/g, '$1')
    .replace(/\[([^\]]+)\]\((\S+?)\)/g, '$1 ($2)');
}
