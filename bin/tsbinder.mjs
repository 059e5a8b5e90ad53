#!/usr/bin/env node
// tsbinder CLI entry. The implementation is compiled TypeScript (npm run build → dist/src/).
import { main } from "../dist/src/cli/main.js";

process.exitCode = await main(process.argv.slice(2));
