// Lint: typescript-eslint's recommended rules plus the one-way import rule of STYLE.md (rule 2).
import tseslint from "typescript-eslint";

const webOnly = ["next", "next/*", "next-auth", "next-auth/*", "react", "react/*", "react-dom", "react-dom/*"];
const uiLayers = ["**/app/**", "@/app/*", "**/components/**", "@/components/*"];
const orchestratorLayer = ["**/orchestrator/**", "@/orchestrator/*"];
/** lib modules the orchestrator may use: pure code with no Next, React or web-only state. */
const pureLib = [
  "db/**",
  "validations/**",
  "errors",
  "backups-json",
  "domains",
  "api-keys",
  "crypto/**",
  "mail/**",
  "platform-env",
  "secrets",
  "instance-url",
  "instance-json",
  "client-ip",
  "keyed-queue",
  "single-flight",
  "read-body",
  "orchestrator-client",
];

export default tseslint.config(
  // Dot-folders hold build output, binaries, data and scratch space, not project source.
  { ignores: [".*/**", "drizzle/**", "node_modules/**", "test-results/**", "coverage/**", "next-env.d.ts"] },
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" }],
      "@typescript-eslint/no-explicit-any": "error",
    },
  },
  {
    files: ["lib/**/*.ts"],
    ignores: ["lib/**/*.test.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            { group: [...uiLayers, ...orchestratorLayer], message: "lib/ is shared: it must not import app/, components/ or orchestrator/." },
            {
              group: ["next", "next/*", "react", "react/*", "react-dom", "react-dom/*"],
              message: "lib/ must not import Next or React (next-auth is allowed only in lib/auth).",
            },
          ],
        },
      ],
    },
  },
  {
    files: ["orchestrator/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            { group: [...uiLayers, ...webOnly], message: "The orchestrator must not import the web app, Next or React." },
            {
              regex: `(^|/)lib/(?!(?:${pureLib
                .filter((m) => m.endsWith("/**"))
                .map((m) => m.slice(0, -3))
                .join("|")})/|(?:${pureLib.filter((m) => !m.endsWith("/**")).join("|")})$)`,
              message:
                "The orchestrator may import only pure lib/ modules (db, validations, errors, backups-json, domains, api-keys, crypto, mail, platform-env, secrets, instance-url, instance-json, client-ip, keyed-queue, single-flight, read-body, orchestrator-client).",
            },
          ],
        },
      ],
    },
  },
  {
    files: ["app/**/*.{ts,tsx}", "components/**/*.{ts,tsx}", "proxy.ts", "*.config.{ts,mjs}"],
    rules: {
      "no-restricted-imports": [
        "error",
        { patterns: [{ group: orchestratorLayer, message: "Only the orchestrator's entry points, tests, benchmarks and scripts import orchestrator/." }] },
      ],
    },
  },
);
