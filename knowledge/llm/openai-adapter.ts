/**
 * The LLM adapter: the `LlmPort` over LangChain's `ChatOpenAI`, for the OpenAI API or any
 * OpenAI-compatible server (`OPENAI_BASE_URL`: Azure OpenAI, Ollama, vLLM, the test server).
 * This is the only file that imports LangChain/openai. Retries are off (the caller has a time
 * budget and a retrieval fallback, so a 429 or 500 falls back at once) and the abort signal
 * of the budget is passed through so a slow call is cancelled, not left running.
 */
import { ChatOpenAI } from '@langchain/openai';
import type { LlmMessage, LlmPort } from './port';

export interface OpenAiLlmOptions {
  apiKey: string;
  /** OpenAI-compatible base URL, e.g. http://127.0.0.1:11434/v1. Default the OpenAI API. */
  baseURL?: string;
  model: string;
  /** Low by default: answers must stay close to the given content. */
  temperature?: number;
}

export function createOpenAiLlm(options: OpenAiLlmOptions): LlmPort {
  const chat = new ChatOpenAI({
    apiKey: options.apiKey,
    model: options.model,
    temperature: options.temperature ?? 0,
    maxRetries: 0,
    useResponsesApi: false,
    configuration: options.baseURL ? { baseURL: options.baseURL, maxRetries: 0 } : { maxRetries: 0 },
  });
  return {
    async chat(messages: LlmMessage[], { signal }): Promise<string> {
      const reply = await chat.invoke(
        messages.map((m) => ({ role: m.role, content: m.content })),
        { signal },
      );
      const content = reply.content;
      if (typeof content === 'string') return content;
      return content.map((part) => ('text' in part && typeof part.text === 'string' ? part.text : '')).join('');
    },
  };
}
