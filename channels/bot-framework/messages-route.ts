/**
 * POST /api/messages: the Bot Framework endpoint for Azure Bot Service channels, through
 * botbuilder's CloudAdapter, running the same bot as the web chat.
 *
 * With MicrosoftAppId set, every request must carry a valid Bot Framework JWT (CloudAdapter
 * checks it; a missing or bad token answers 401). Without it botbuilder accepts anything —
 * fine on a laptop, and the configuration refuses to start that way in production
 * (ERR_CONFIG_UNSAFE), so this module only warns.
 */
import {
  CloudAdapter,
  ConfigurationBotFrameworkAuthentication,
  ConfigurationServiceClientCredentialFactory,
  type Request as BotRequest,
  type Response as BotResponse,
} from 'botbuilder';
import type { Request, Response, Server } from 'restify';
import type { Config } from '../../app/config';
import type { Logger } from '../../app/logger';
import type { KefuBotRuntime } from '../../bot/create-bot';

export const MESSAGES_PATH = '/api/messages';

export function mountBotFrameworkRoute(
  server: Server,
  deps: { config: Config; bot: KefuBotRuntime; log: Logger },
): CloudAdapter {
  const { config } = deps;
  const credentials = new ConfigurationServiceClientCredentialFactory({
    MicrosoftAppId: config.MicrosoftAppId,
    MicrosoftAppPassword: config.MicrosoftAppPassword,
    MicrosoftAppType: config.MicrosoftAppType,
    MicrosoftAppTenantId: config.MicrosoftAppTenantId,
  });
  const auth = new ConfigurationBotFrameworkAuthentication(
    { MicrosoftAppId: config.MicrosoftAppId, MicrosoftAppTenantId: config.MicrosoftAppTenantId },
    credentials,
  );
  const adapter = deps.bot.attach(new CloudAdapter(auth));
  if (!config.MicrosoftAppId) {
    deps.log.warn('MicrosoftAppId is empty: POST /api/messages accepts unauthenticated requests (local use only)');
  }
  server.post(MESSAGES_PATH, async (req: Request, res: Response) => {
    await adapter.process(req as unknown as BotRequest, res as unknown as BotResponse, (context) =>
      deps.bot.bot.run(context),
    );
  });
  return adapter;
}
