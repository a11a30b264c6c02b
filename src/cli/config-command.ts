import { loadConfig } from '../config/index.ts';
import { connectorChecker } from '../worker/connector-check.ts';

export interface ConfigCheckArgs {
  readonly config: string;
  /** Whether the environment must hold every credential the connectors name, as `run` demands. */
  readonly credentials: boolean;
}

/**
 * `closeloop config check`: the config judged as `run` judges it before it starts (every section,
 * each connector's own settings and credentials, every route served), without connecting to
 * anything. The other commands read only what they need, so a connector setting `run` would refuse
 * passes them; this is the one to run after an edit, or in a deployment's CI. A problem throws
 * CL_CONFIG_INVALID (every problem at once), which the CLI prints and exits 1 for.
 */
export async function runConfigCheck(
  args: ConfigCheckArgs,
  print: (line: string) => void,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const config = await loadConfig(args.config, env, {
    checkConnector: connectorChecker({ credentials: args.credentials }),
  });
  const connectors = config.connectors.map((c) => c.name);
  const services = Object.keys(config.policy.routing).length;
  print(
    `${args.config}: valid for run: ${connectors.length} connector(s) (${connectors.join(', ') || 'none'}), ` +
      `${services} routed service(s)${args.credentials ? '' : '; credentials not checked'}`,
  );
  return 0;
}
