/**
 * The one list of the 39 knowledge topic ids of shared/domain/knowledge-topics.md.
 *
 * Every other module (content check, retrieval, eval, bot buttons) takes topic ids from here,
 * so a topic added to the specification is added in exactly one place and the content check
 * then fails until its file exists.
 */

export const TOPIC_IDS = [
  'contact-channels-hours',
  'identity-verification',
  'address-change',
  'beneficiary-change',
  'policyholder-change',
  'premium-payment-methods',
  'auto-debit-card-change',
  'grace-period',
  'premium-auto-loan',
  'lapse-reinstatement',
  'policy-loan',
  'policy-loan-repayment',
  'surrender-value',
  'reduced-paid-up-extended-term',
  'free-look-cancellation',
  'claim-docs-medical',
  'claim-docs-accident',
  'claim-docs-death',
  'claim-time-limits',
  'claim-progress-inquiry',
  'underwriting-progress',
  'e-policy-reissue',
  'policy-lookup',
  'premium-tax-deduction',
  'dividend-options',
  'travel-insurance-coverage',
  'travel-insurance-eligibility',
  'travel-insurance-child-under15',
  'travel-insurance-buy-online',
  'travel-inconvenience',
  'travel-overseas-emergency-claim',
  'complaint-filing',
  'complaint-escalation',
  'agent-product-questions',
  'agent-system-support',
  'disaster-relief-measures',
  'fraud-warning',
  'benefit-payout-method',
  'occupation-name-change',
] as const;

export type TopicId = (typeof TOPIC_IDS)[number];

const TOPIC_ID_SET: ReadonlySet<string> = new Set(TOPIC_IDS);

/** True when `id` is one of the 39 topic ids of the specification. */
export function isTopicId(id: unknown): id is TopicId {
  return typeof id === 'string' && TOPIC_ID_SET.has(id);
}

/** Routing labels that are not topics (the non-topic outcomes of `decide`). */
export const ROUTING_LABELS = [
  'handoff',
  'complaint',
  'travel-quote',
  'address-change',
  'status-inquiry',
  'out-of-scope',
  'smalltalk',
] as const;
