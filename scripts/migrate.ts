// `npm run db:migrate`: applies the committed migrations to the configured control DB (both
// processes also do this at start; this is for deploy pipelines and inspection).
import { openDb } from "../lib/db/open";
import { parseEnv, platformEnvSchema, resolvePlatform } from "../lib/platform-env";

const platform = resolvePlatform(parseEnv(platformEnvSchema, process.env));
const db = await openDb(platform.db);
db.close();
console.log(`control DB migrated: ${platform.db.url.startsWith("file:") ? platform.db.url : "remote libSQL"}`);
