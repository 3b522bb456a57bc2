/**
 * The environment wrangler runs with: the inherited one (proxy, CA, DOCKER_HOST,
 * CLOUDFLARE_API_BASE_URL… pass through) plus credentials from the inputs and the per-run output file.
 */
export interface WranglerEnvOptions {
  apiToken?: string;
  accountId?: string;
  outputFile: string;
}

export function wranglerEnv(
  base: Record<string, string | undefined>,
  options: WranglerEnvOptions,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(base)) if (v !== undefined) env[k] = v;
  // INPUT_* carry the action's inputs, secrets among them: wrangler has no use for them.
  for (const k of Object.keys(env)) if (k.startsWith("INPUT_")) delete env[k];
  if (options.apiToken !== undefined) env.CLOUDFLARE_API_TOKEN = options.apiToken;
  if (options.accountId !== undefined) env.CLOUDFLARE_ACCOUNT_ID = options.accountId;
  env.WRANGLER_SEND_METRICS = "false";
  env.WRANGLER_OUTPUT_FILE_PATH = options.outputFile;
  delete env.WRANGLER_OUTPUT_FILE_DIRECTORY;
  env.CI = "true";
  return env;
}
