// ESLint (flat config): typescript-eslint's recommended rules and React's hooks rules on the app,
// its tests and the dev mock. `npm run lint` allows no warnings.
import js from "@eslint/js";
import reactHooks from "eslint-plugin-react-hooks";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist", "node_modules"] },
  js.configs.recommended,
  tseslint.configs.recommended,
  reactHooks.configs.flat.recommended,
  {
    files: ["**/*.{ts,tsx,js}"],
    languageOptions: { ecmaVersion: 2022, sourceType: "module" },
    rules: {
      // As the compiler's noUnusedLocals: a leading underscore marks a name kept on purpose
      // (a rest sibling left out of a copy, a parameter a signature asks for).
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_", ignoreRestSiblings: true },
      ],
      // The React Compiler's rules: the app is not built with the compiler, and these flag the
      // "latest value in a ref" and "reset state when the key changes" patterns it uses on purpose.
      "react-hooks/refs": "off",
      "react-hooks/set-state-in-effect": "off",
      "react-hooks/incompatible-library": "off",
    },
  },
);
