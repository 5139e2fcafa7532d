/**
 * The LLM port: what the knowledge domain needs from a chat model, with no SDK type in sight.
 * The only adapter that talks to a real model is `openai-adapter.ts`; tests use it against a
 * local OpenAI-compatible server. Implementations must honour the abort signal (the time
 * budget) and reject on any HTTP error (429, 500 …) without retrying: the caller falls back
 * to retrieval at once rather than making the customer wait.
 */

export interface LlmMessage {
  role: 'system' | 'user';
  content: string;
}

export interface LlmPort {
  /** Sends the messages and resolves with the model's reply text. */
  chat(messages: LlmMessage[], options: { signal: AbortSignal }): Promise<string>;
}
