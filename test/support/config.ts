import { type Config, ConfigProvider, Effect, type Layer } from 'effect';

/** A ConfigProvider over a plain environment record, as the entry points read `process.env` (empty strings are unset). */
export const envProvider = (env: Record<string, string>): ConfigProvider.ConfigProvider =>
  ConfigProvider.fromEnv({ env });

/** The layer that makes `env` the configuration of whatever it is provided to. */
export const envConfigLayer = (env: Record<string, string>): Layer.Layer<never> =>
  ConfigProvider.layer(envProvider(env));

/** What `config` reads from `env`; throws the ConfigError when it refuses. */
export const readConfig = <A>(config: Config.Config<A>, env: Record<string, string>): A =>
  Effect.runSync(config.parse(envProvider(env)));

/** The message of the ConfigError `config` fails with on `env` (it names the variable); throws if it succeeds. */
export const configErrorOf = <A>(config: Config.Config<A>, env: Record<string, string>): string =>
  Effect.runSync(Effect.flip(config.parse(envProvider(env)))).message;
