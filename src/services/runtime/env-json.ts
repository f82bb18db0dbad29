/**
 * A JSON object held in an environment variable (`{}` when unset); malformed
 * JSON fails with an error naming the program and the variable.
 */
export const jsonObjectFromEnv = <T>(
  env: NodeJS.ProcessEnv,
  name: string,
  program: string,
): Readonly<Record<string, T>> => {
  const text = env[name];
  if (!text) return {};
  try {
    return JSON.parse(text) as Record<string, T>;
  } catch (error) {
    throw new Error(`${program}: ${name} is not valid JSON (${String(error)})`);
  }
};
